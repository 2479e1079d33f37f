package io.charrnn.corpus;

import io.charrnn.common.UserError;
import java.util.Locale;

/**
 * Whether a corpus is text: a chunk whose share of malformed UTF-8 bytes is above {@code --max-malformed} is taken
 * for a binary file. One rule for the distributed reader and the in-process one.
 */
public final class TextCheck {
    private TextCheck() {
    }

    /** The chunk, described for the user, when what {@code reader} read of it looks binary; else null. */
    public static String binaryLooking(InputChunk chunk, ChunkReader reader, double maxMalformed) {
        if (reader.symbols() > 0 && reader.malformedBytes() > maxMalformed * reader.symbols()) {
            return String.format(Locale.ROOT, "%s (%.0f%% of its bytes)", chunk.file().uri(),
                    100.0 * reader.malformedBytes() / reader.symbols());
        }
        return null;
    }

    /** The refusal, naming the first chunk that looked binary. */
    public static UserError notText(String first, double maxMalformed) {
        return new UserError("the corpus does not look like UTF-8 text: " + first + " is malformed UTF-8 (more than"
                + " --max-malformed " + maxMalformed + "); remove binary files from --corpus, convert the text to"
                + " UTF-8, or raise --max-malformed");
    }
}
