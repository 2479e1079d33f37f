package io.charrnn.corpus;

import java.io.Serializable;

/**
 * One file of a corpus as the listing found it.
 *
 * @param uri              full URI, as executors open it
 * @param name             the file's name, which keys its validation blocks
 * @param length           bytes on the filesystem
 * @param modificationTime milliseconds since the epoch, part of the inputs' fingerprint
 * @param compressed       gzip or bzip2: read whole, by one task, since its bytes cannot be split
 */
public record InputFile(String uri, String name, long length, long modificationTime, boolean compressed)
        implements Serializable {
}
