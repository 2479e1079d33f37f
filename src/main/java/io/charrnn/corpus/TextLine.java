package io.charrnn.corpus;

import java.io.Serializable;

/** One line of a corpus file without its line terminator, with the file's name and the line's byte offset. */
public record TextLine(String fileName, long byteOffset, String text) implements Serializable {
}
