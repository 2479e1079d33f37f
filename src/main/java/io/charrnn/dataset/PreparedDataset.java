package io.charrnn.dataset;

import io.charrnn.checkpoint.Json;
import io.charrnn.corpus.UserError;
import io.charrnn.corpus.Vocabulary;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A prepared dataset on a Hadoop filesystem: {@code dataset.json} and {@code shards/part-NNNNN}. Opening one checks
 * that this build reads its format, that the manifest's fingerprint is intact and that every shard has the size the
 * manifest records, so a damaged, half-replaced or foreign dataset is refused before any training starts.
 */
public final class PreparedDataset {
    public static final String MANIFEST = "dataset.json";
    public static final String SHARDS = "shards";

    private final String uri;
    private final DatasetManifest manifest;

    private PreparedDataset(String uri, DatasetManifest manifest) {
        this.uri = uri;
        this.manifest = manifest;
    }

    /** The dataset at the URI, or empty if the URI holds none (is raw text, say). */
    public static Optional<DatasetManifest> readManifest(Configuration conf, String uri) {
        try {
            Path path = new Path(uri, MANIFEST);
            FileSystem fs = path.getFileSystem(conf);
            if (!fs.exists(path)) {
                return Optional.empty();
            }
            String text;
            try (InputStream in = fs.open(path)) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            DatasetManifest m;
            try {
                m = Json.read(text, DatasetManifest.class);
            } catch (IOException e) {
                throw new UserError("prepared dataset " + uri + " has an unreadable " + MANIFEST
                        + "; prepare it again");
            }
            if (m == null || !DatasetManifest.FORMAT.equals(m.format())) {
                throw new UserError(path + " is not a charrnn dataset manifest; prepare the corpus again");
            }
            return Optional.of(m);
        } catch (IllegalArgumentException | FileNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UserError("cannot read " + uri + ": " + e.getMessage());
        }
    }

    public static boolean isDataset(Configuration conf, String uri) {
        return readManifest(conf, uri).isPresent();
    }

    /** Opens and checks a dataset; every problem is one {@link UserError} line. */
    public static PreparedDataset open(Configuration conf, String uri) {
        DatasetManifest m = readManifest(conf, uri).orElseThrow(() -> new UserError("no prepared dataset at "
                + uri + " (it has no " + MANIFEST + "); run charrnn prepare first, or give the raw corpus"));
        if (m.version() != DatasetManifest.VERSION) {
            throw new UserError("prepared dataset " + uri + " has format version " + m.version() + " but this"
                    + " charrnn reads version " + DatasetManifest.VERSION + "; prepare the corpus again");
        }
        if (m.fingerprint() == null || !m.fingerprint().equals(m.computeFingerprint())) {
            throw new UserError("prepared dataset " + uri + " does not match its fingerprint (" + MANIFEST
                    + " was changed after prepare); prepare the corpus again");
        }
        try {
            Path shards = new Path(uri, SHARDS);
            FileSystem fs = shards.getFileSystem(conf);
            for (DatasetManifest.Shard s : m.shards()) {
                Path p = new Path(shards, s.name());
                long actual;
                try {
                    actual = fs.getFileStatus(p).getLen();
                } catch (FileNotFoundException e) {
                    throw new UserError("prepared dataset " + uri + " lacks shard " + s.name()
                            + "; prepare the corpus again");
                }
                if (actual != s.bytes()) {
                    throw new UserError("prepared dataset " + uri + " does not match its fingerprint: shard "
                            + s.name() + " is " + actual + " bytes, " + MANIFEST + " says " + s.bytes()
                            + "; prepare the corpus again");
                }
            }
        } catch (IOException e) {
            throw new UserError("cannot read prepared dataset " + uri + ": " + e.getMessage());
        }
        return new PreparedDataset(uri, m);
    }

    public String uri() {
        return uri;
    }

    public DatasetManifest manifest() {
        return manifest;
    }

    public Vocabulary vocabulary() {
        return manifest.vocabulary();
    }

    public String shardUri(String name) {
        return shardUri(uri, name);
    }

    public static String shardUri(String datasetUri, String name) {
        return new Path(new Path(datasetUri, SHARDS), name).toString();
    }

    public static String shardName(int partition) {
        return String.format("part-%05d", partition);
    }

    /** Writes the manifest (the dataset's last file) atomically: to a temporary name, then renamed. */
    public static void writeManifest(Configuration conf, String uri, DatasetManifest manifest) throws IOException {
        Path target = new Path(uri, MANIFEST);
        Path tmp = new Path(uri, "." + MANIFEST + ".tmp");
        FileSystem fs = target.getFileSystem(conf);
        try (FSDataOutputStream out = fs.create(tmp, true)) {
            out.write(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
            out.hsync();
        }
        fs.delete(target, false);
        if (!fs.rename(tmp, target)) {
            throw new IOException("cannot rename " + tmp + " to " + target);
        }
    }

    /** Whether the path exists and is neither empty nor a dataset: prepare must not write into it. */
    public static boolean holdsOtherData(Configuration conf, String uri) throws IOException {
        Path p = new Path(uri);
        FileSystem fs = p.getFileSystem(conf);
        if (!fs.exists(p)) {
            return false;
        }
        FileStatus status = fs.getFileStatus(p);
        if (!status.isDirectory()) {
            return true;
        }
        return fs.listStatus(p).length > 0 && !fs.exists(new Path(p, MANIFEST));
    }
}
