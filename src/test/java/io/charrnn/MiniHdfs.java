package io.charrnn;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

import java.io.IOException;
import java.nio.file.Files;

/** A real in-process HDFS (NameNode and one DataNode) in a temporary directory, for tests. */
public final class MiniHdfs {
    private MiniHdfs() {
    }

    public static MiniDFSCluster start() throws IOException {
        return start(1);
    }

    public static MiniDFSCluster start(int dataNodes) throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR,
                Files.createTempDirectory("charrnn-minidfs").toAbsolutePath().toString());
        MiniDFSCluster hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(dataNodes).build();
        hdfs.waitActive();
        return hdfs;
    }

    /** The cluster's URI prefix, e.g. hdfs://127.0.0.1:40123. */
    public static String uri(MiniDFSCluster hdfs) {
        return "hdfs://127.0.0.1:" + hdfs.getNameNodePort();
    }
}
