package io.charrnn.corpus;

import java.io.Serializable;

/**
 * One file of a corpus as the listing found it.
 *
 * @param uri              full URI, as executors open it
 * @param name             the file's path below the corpus directory (or the fixed part of a glob), which keys its
 *                         validation blocks: files of the same name in different directories are split apart
 * @param length           bytes on the filesystem
 * @param modificationTime milliseconds since the epoch, part of the inputs' fingerprint
 * @param compressed       gzip or bzip2: read whole, by one task, since its bytes cannot be split
 */
public record InputFile(String uri, String name, long length, long modificationTime, boolean compressed)
        implements Serializable {
}
