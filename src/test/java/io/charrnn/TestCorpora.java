package io.charrnn;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shared reference corpus (read from ../shared, never copied into the project) and slices of it. */
public final class TestCorpora {
    public static final Path SHAKESPEARE = Path.of("..", "shared", "corpora", "tinyshakespeare.txt");

    private TestCorpora() {
    }

    public static String shakespeare(int chars) throws IOException {
        if (!Files.isRegularFile(SHAKESPEARE)) {
            throw new IllegalStateException("the reference corpus is missing: " + SHAKESPEARE.toAbsolutePath()
                    + " (tests expect ../shared beside the checkout)");
        }
        String all = Files.readString(SHAKESPEARE, StandardCharsets.UTF_8);
        return all.substring(0, Math.min(chars, all.length()));
    }

    public static Path writeShakespeare(Path dir, int chars) throws IOException {
        Path file = dir.resolve("shakespeare.txt");
        Files.writeString(file, shakespeare(chars), StandardCharsets.UTF_8);
        return file;
    }

    /**
     * English-like text that needs nothing outside the repository: words of a small lexicon in lines of verse,
     * drawn with a fixed seed, so a model can learn its spelling and line shape within seconds.
     */
    public static String verse(int chars, long seed) {
        String[] words = {"the", "king", "and", "queen", "of", "night", "shall", "speak", "to", "thee", "my", "lord",
                "what", "is", "love", "but", "a", "sweet", "rose", "that", "dies", "in", "spring", "come", "hither",
                "good", "friend", "I", "pray", "you", "hear", "me"};
        java.util.Random random = new java.util.Random(seed);
        StringBuilder text = new StringBuilder(chars + 80);
        while (text.length() < chars) {
            int n = 4 + random.nextInt(5);
            for (int i = 0; i < n; i++) {
                String w = words[random.nextInt(words.length)];
                text.append(i == 0 ? Character.toUpperCase(w.charAt(0)) + w.substring(1) : w);
                text.append(i == n - 1 ? (random.nextInt(3) == 0 ? ".\n" : ",\n") : " ");
            }
        }
        return text.substring(0, chars);
    }

    public static Path writeVerse(Path dir, int chars) throws IOException {
        Path file = dir.resolve("verse.txt");
        Files.writeString(file, verse(chars, 7), StandardCharsets.UTF_8);
        return file;
    }

    /** Multi-byte text of every length with malformed bytes in it. */
    public static byte[] mixedBytes(int repeats, long seed) {
        java.util.Random random = new java.util.Random(seed);
        String[] pieces = {"a", "é", "€", "😀", "\n", "中", "z"};
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < repeats; i++) {
            int k = random.nextInt(pieces.length + 2);
            if (k == pieces.length) {
                out.write(0xFF);
            } else if (k == pieces.length + 1) {
                out.write(0xE2); // a sequence cut short
                out.write(0x82);
            } else {
                out.writeBytes(pieces[k].getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }

}
