package io.charrnn.corpus;

import java.io.Serializable;

/**
 * The part of a file that one task reads: the code points whose first byte lies in [start, end). A compressed file
 * is always one whole chunk, with offsets into its decompressed text.
 */
public record InputChunk(InputFile file, long start, long end) implements Serializable {
    public long bytes() {
        return end - start;
    }
}
