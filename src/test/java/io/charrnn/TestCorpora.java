package io.charrnn;

import io.charrnn.corpus.ValidationSplit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test corpora written by the tests themselves, so that the suite needs nothing outside the repository (the
 * reference corpus in ../shared is for benchmarks only).
 */
public final class TestCorpora {
    private static final String[] SPEAKERS = {"KING", "QUEEN", "FOOL", "FIRST LORD", "MESSENGER", "DUKE", "NURSE",
            "CITIZEN"};
    private static final String[] WORDS = {"the", "a", "and", "of", "to", "my", "thy", "your", "his", "her", "our",
            "I", "you", "thou", "he", "she", "we", "they", "it", "is", "be", "am", "are", "was", "were", "have", "hath",
            "shall", "will", "would", "must", "may", "do", "not", "no", "but", "if", "so", "yet", "for", "with", "in",
            "on", "at", "by", "from", "what", "why", "how", "now", "here", "there", "then", "than", "this", "that",
            "king", "queen", "lord", "lady", "crown", "sword", "blood", "heart", "hand", "eye", "night", "day", "death",
            "life", "love", "hate", "honour", "grace", "father", "mother", "son", "brother", "friend", "enemy",
            "house", "city", "field", "war", "peace", "fortune", "heaven", "earth", "time", "world", "word", "name",
            "speak", "hear", "see", "come", "go", "stay", "give", "take", "make", "know", "think", "fear", "weep",
            "die", "live", "fight", "sleep", "swear", "pray", "call", "bring", "good", "sweet", "noble", "gentle",
            "false", "true", "dear", "poor", "great", "old", "young", "fair", "dark", "cold", "proud", "wretched"};
    private static final String[] ENDINGS = {".", ".", ".", ",", ";", "!", "?", ":"};
    /** Stage directions, rare enough that their symbols ([, ], Z, J, &, digits) fall under a --min-count of 30. */
    private static final String[] DIRECTIONS = {"[Exeunt.]", "[Aside] Zounds!", "Act 3, Scene 2.", "By Jove & Juno!"};

    private TestCorpora() {
    }

    /**
     * A play-like English text in plain ASCII (speaker lines, verse with punctuation, a few rare stage directions),
     * the same text for the same length and each one a prefix of every longer one.
     */
    public static String prose(int chars) {
        java.util.Random random = new java.util.Random(1115394);
        StringBuilder text = new StringBuilder(chars + 400);
        while (text.length() < chars) {
            if (random.nextInt(120) == 0) {
                text.append(DIRECTIONS[random.nextInt(DIRECTIONS.length)]).append("\n\n");
            }
            text.append(SPEAKERS[random.nextInt(SPEAKERS.length)]).append(":\n");
            int lines = 1 + random.nextInt(6);
            for (int l = 0; l < lines; l++) {
                int n = 3 + random.nextInt(7);
                for (int i = 0; i < n; i++) {
                    String w = WORDS[random.nextInt(WORDS.length)];
                    text.append(i == 0 ? Character.toUpperCase(w.charAt(0)) + w.substring(1) : w);
                    if (i < n - 1) {
                        text.append(random.nextInt(9) == 0 ? ", " : " ");
                    }
                }
                text.append(ENDINGS[random.nextInt(ENDINGS.length)]).append('\n');
            }
            text.append('\n');
        }
        return text.substring(0, chars);
    }

    /**
     * {@link #prose} in a file of {@code dir}, named so that the default 5% validation split holds out at least one
     * whole 16 KiB block of it: the split depends only on the file's name and block index, and small files of an
     * unlucky name have no validation text at all (training then refuses them). Text shorter than a block is in
     * prose.txt.
     */
    public static Path writeProse(Path dir, int chars) throws IOException {
        ValidationSplit split = new ValidationSplit(0.05);
        long wholeBlocks = chars / ValidationSplit.BLOCK_BYTES; // ASCII: one byte per character
        if (wholeBlocks == 0) {
            // Too short to hold any block out, whatever the name.
            Path file = dir.resolve("prose.txt");
            Files.writeString(file, prose(chars), StandardCharsets.UTF_8);
            return file;
        }
        for (int n = 0; ; n++) {
            String name = "prose-" + n + ".txt";
            for (long block = 0; block < wholeBlocks; block++) {
                if (split.isValidationBlock(name, block)) {
                    Path file = dir.resolve(name);
                    Files.writeString(file, prose(chars), StandardCharsets.UTF_8);
                    return file;
                }
            }
        }
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
