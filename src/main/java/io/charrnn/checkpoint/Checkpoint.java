package io.charrnn.checkpoint;

import io.charrnn.common.Json;
import io.charrnn.common.Sha256;
import io.charrnn.common.UserError;
import io.charrnn.model.CharLstm;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A checkpoint file: DL4J's own model zip (configuration, parameters, updater state) with more entries:
 * {@value #META_ENTRY}, holding the {@link CheckpointMeta}, and {@value #OUTER_VELOCITY_ENTRY} once the outer
 * optimizer has a velocity. DL4J's {@code ModelSerializer} can still read it as a plain model.
 */
public record Checkpoint(MultiLayerNetwork network, CheckpointMeta meta, float[] outerVelocity) {
    public static final String META_ENTRY = "charrnn.json";
    /** The outer optimizer's velocity as little-endian floats; absent before the first outer step. */
    public static final String OUTER_VELOCITY_ENTRY = "charrnn-outer-velocity.bin";

    public Checkpoint(MultiLayerNetwork network, CheckpointMeta meta) {
        this(network, meta, null);
    }

    /**
     * The checkpoint's zip, written in one pass with its entries uncompressed: DL4J's own writer deflates, and
     * deflating the floats of a 4 M-parameter model (and then once more to add our entries, as this did before)
     * took 8 s per checkpoint to make it 23% smaller. The entries are those {@code ModelSerializer} writes,
     * so it still reads the file as a plain model.
     */
    public byte[] toBytes() {
        try {
            INDArray updaterState = network.getUpdater().getStateViewArray();
            long floats = network.params().length() + (updaterState == null ? 0 : updaterState.length())
                    + (outerVelocity == null ? 0 : outerVelocity.length);
            ByteArrayOutputStream result = new ByteArrayOutputStream(
                    (int) Math.min(Integer.MAX_VALUE - 8, floats * Float.BYTES + (1 << 16)));
            MessageDigest digest = Sha256.digest();
            try (ZipOutputStream zip = new ZipOutputStream(result)) {
                zip.setLevel(Deflater.NO_COMPRESSION);
                String json = network.getLayerWiseConfigurations().toJson();
                entry(zip, digest, ModelSerializer.CONFIGURATION_JSON,
                        out -> out.write(json.getBytes(StandardCharsets.UTF_8)));
                entry(zip, digest, ModelSerializer.COEFFICIENTS_BIN, out -> Nd4j.write(network.params(), out));
                if (updaterState != null && updaterState.length() > 0) {
                    entry(zip, digest, ModelSerializer.UPDATER_BIN, out -> Nd4j.write(updaterState, out));
                }
                if (outerVelocity != null) {
                    entry(zip, digest, OUTER_VELOCITY_ENTRY, out -> out.write(littleEndian(outerVelocity)));
                }
                // Not hashed: the metadata holds the hash.
                zip.putNextEntry(new ZipEntry(META_ENTRY));
                zip.write(Json.write(meta.withContentSha256(Sha256.hex(digest))).getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
            return result.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface EntryWriter {
        void write(DataOutputStream out) throws IOException;
    }

    /** One hashed entry: its name, then its content, as {@link #scan} hashes them when reading. */
    private static void entry(ZipOutputStream zip, MessageDigest digest, String name, EntryWriter content)
            throws IOException {
        digest.update(name.getBytes(StandardCharsets.UTF_8));
        zip.putNextEntry(new ZipEntry(name));
        // Flushed, never closed: closing it would close the zip.
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
                new DigestOutputStream(zip, digest), 1 << 16));
        content.write(out);
        out.flush();
        zip.closeEntry();
    }

    /**
     * Reads a checkpoint; a file that is not one (not a zip, no metadata, unreadable network) is a
     * {@link UserError} naming {@code source}.
     */
    public static Checkpoint fromBytes(byte[] bytes, String source, boolean loadUpdater) {
        Contents contents = scan(bytes, source);
        CheckpointMeta meta = contents.meta();
        if (meta.contentSha256() != null && !meta.contentSha256().equals(contents.networkSha256())) {
            throw new UserError(source + " is damaged: its network does not match the checksum it was written with;"
                    + " use an earlier checkpoint");
        }
        try {
            MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes),
                    loadUpdater);
            // Checkpoints written before symbol ids hold a one-hot network: rebuilt here, same parameters.
            return new Checkpoint(CharLstm.current(net, meta.train().model()), meta, contents.outerVelocity());
        } catch (Exception e) {
            throw new UserError(source + " is damaged: its network cannot be read (" + e.getMessage()
                    + "); use an earlier checkpoint");
        } catch (OutOfMemoryError e) {
            // A shape in the network's header that asks for more than the JVM's (or ND4J's) limit: refused there,
            // before anything that large exists.
            throw new UserError(source + " is damaged or not one of this project's: its network asks for more memory"
                    + " than this JVM may use (" + e.getMessage() + "); use an earlier checkpoint");
        }
    }

    public static CheckpointMeta readMeta(byte[] bytes, String source) {
        return scan(bytes, source).meta();
    }

    /** What one pass over a checkpoint's zip finds: its metadata and the SHA-256 of its network entries. */
    private record Contents(CheckpointMeta meta, String networkSha256, float[] outerVelocity) {
    }

    private static byte[] littleEndian(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    private static float[] floats(byte[] littleEndian) {
        float[] out = new float[littleEndian.length / Float.BYTES];
        ByteBuffer.wrap(littleEndian).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    /** What an entry may inflate to beyond four times the checkpoint file's size. */
    private static final long MAX_INFLATED_SLACK = 64L << 20;

    /** Reads every entry whole, which also checks each one's CRC-32; anything unreadable is a {@link UserError}. */
    private static Contents scan(byte[] bytes, String source) {
        MessageDigest digest = Sha256.digest();
        CheckpointMeta meta = null;
        float[] velocity = null;
        boolean anyEntry = false;
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            // A checkpoint's entries are float arrays and JSON, which deflate little: an entry that inflates to far
            // more than the whole file is a zip bomb, not a checkpoint.
            long maxEntry = MAX_INFLATED_SLACK + 4L * bytes.length;
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                anyEntry = true;
                byte[] content = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxEntry + 1));
                if (content.length > maxEntry) {
                    throw new UserError(source + " is not a charrnn checkpoint: its entry " + e.getName()
                            + " inflates to more than " + (maxEntry >> 20) + " MB from a " + (bytes.length >> 10)
                            + " KB file; give a ckpt_*.zip file or a run directory");
                }
                if (e.getName().equals(META_ENTRY)) {
                    meta = Json.read(new String(content, StandardCharsets.UTF_8), CheckpointMeta.class);
                } else {
                    if (e.getName().equals(OUTER_VELOCITY_ENTRY)) {
                        velocity = floats(content);
                    }
                    digest.update(e.getName().getBytes(StandardCharsets.UTF_8));
                    digest.update(content);
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            // The JDK's zip reader throws IllegalArgumentException for an entry name that is not valid UTF-8.
            throw new UserError(source + " is not a charrnn checkpoint or is damaged (" + e.getMessage()
                    + "); give a ckpt_*.zip file or a run directory");
        }
        if (meta == null || !CheckpointMeta.FORMAT.equals(meta.format())) {
            throw new UserError(source + " is not a charrnn checkpoint"
                    + (anyEntry ? " (a zip without " + META_ENTRY + ")" : " (not a zip file)")
                    + "; give a ckpt_*.zip file or a run directory");
        }
        if (meta.version() > CheckpointMeta.VERSION) {
            throw new UserError(source + " was written by a newer charrnn (checkpoint format "
                    + meta.version() + "); upgrade charrnn to read it");
        }
        return new Contents(meta, Sha256.hex(digest), velocity);
    }
}
