package io.charrnn.dataset;

import io.charrnn.common.Json;
import io.charrnn.common.UserError;
import io.charrnn.corpus.Vocabulary;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A prepared dataset on a Hadoop filesystem: {@code dataset.json} and the shards it names,
 * {@code shards-VERSION/part-NNNNN}. Opening one checks
 * that this build reads its format, that the manifest's fingerprint is intact and that every shard has the size the
 * manifest records, so a damaged, half-replaced or foreign dataset is refused before any training starts.
 */
public final class PreparedDataset {
    public static final String MANIFEST = io.charrnn.corpus.CorpusFiles.DATASET_MANIFEST;
    /** Each prepare writes its shards to a new directory with this prefix; the manifest names the current one. */
    public static final String SHARDS_PREFIX = "shards-";
    /** Where a prepare writes shards before they are complete (hidden from Hadoop's listings). */
    public static final String STAGING_PREFIX = "_staging-";

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
            throw UserError.reading(uri, e);
        }
    }

    public static boolean isDataset(Configuration conf, String uri) {
        return readManifest(conf, uri).isPresent();
    }

    /** Opens and checks a dataset; every problem is one {@link UserError} line. */
    public static PreparedDataset open(Configuration conf, String uri) {
        return openIfPresent(conf, uri).orElseThrow(() -> new UserError("no prepared dataset at " + uri
                + " (it has no " + MANIFEST + "); run charrnn prepare first, or give the raw corpus"));
    }

    /** The checked dataset at the URI, or empty if it holds none (is raw text, say); reads the manifest once. */
    public static Optional<PreparedDataset> openIfPresent(Configuration conf, String uri) {
        return readManifest(conf, uri).map(m -> verified(conf, uri, m));
    }

    /** Checks a manifest already read against this build and against the shards on the filesystem. */
    public static PreparedDataset verified(Configuration conf, String uri, DatasetManifest m) {
        if (m.version() != DatasetManifest.VERSION) {
            throw new UserError("prepared dataset " + uri + " has format version " + m.version() + " but this"
                    + " charrnn reads version " + DatasetManifest.VERSION + "; prepare the corpus again");
        }
        if (m.fingerprint() == null || !m.fingerprint().equals(m.computeFingerprint())) {
            throw new UserError("prepared dataset " + uri + " does not match its fingerprint (" + MANIFEST
                    + " was changed after prepare); prepare the corpus again");
        }
        try {
            if (m.shardsDirectory() == null || !m.shardsDirectory().startsWith(SHARDS_PREFIX)) {
                throw new UserError("prepared dataset " + uri + " names no shard directory; prepare the corpus again");
            }
            Path shards = new Path(uri, m.shardsDirectory());
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
        return new Path(new Path(uri, manifest.shardsDirectory()), name).toString();
    }

    public static String shardName(int partition) {
        return String.format("part-%05d", partition);
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
        for (FileStatus entry : fs.listStatus(p)) {
            String name = entry.getPath().getName();
            boolean ours = name.equals(MANIFEST) || name.equals("." + MANIFEST + ".crc") || name.startsWith("_tmp.")
                    || name.startsWith(SHARDS_PREFIX) || name.startsWith(STAGING_PREFIX);
            if (!ours) {
                return true;
            }
        }
        return false;
    }

    /**
     * Deletes shard directories other than {@code keep} (earlier versions) and what killed prepares left behind:
     * their staging directories and temporary manifests. Only called once the manifest names {@code keep}.
     */
    public static void deleteOtherVersions(Configuration conf, String uri, String keep) throws IOException {
        Path p = new Path(uri);
        FileSystem fs = p.getFileSystem(conf);
        for (FileStatus entry : fs.listStatus(p)) {
            String name = entry.getPath().getName();
            if ((name.startsWith(SHARDS_PREFIX) || name.startsWith(STAGING_PREFIX) || name.startsWith("_tmp."))
                    && !name.equals(keep)) {
                fs.delete(entry.getPath(), true);
            }
        }
    }
}
