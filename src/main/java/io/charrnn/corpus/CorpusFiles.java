package io.charrnn.corpus;

import io.charrnn.common.Sha256;
import io.charrnn.common.UserError;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.io.compress.BZip2Codec;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.io.compress.GzipCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The files a corpus URI names, on any Hadoop filesystem: a file, a directory (read recursively) or a glob. Names
 * starting with '.' or '_' are skipped, as Hadoop's own inputs do (checksums, _SUCCESS markers), and so is every
 * directory that holds one of this project's runs or prepared datasets: a glob such as {@code /data/*} would
 * otherwise read a run or dataset written beside the text as more text, and grow with it every night.
 */
public final class CorpusFiles {
    /** The file that marks a training run's directory. */
    public static final String RUN_FILE = "run.json";
    /** The file that marks a prepared dataset's directory. */
    public static final String DATASET_MANIFEST = "dataset.json";
    private static final Pattern OWN_FORMAT = Pattern.compile("\"format\"\\s*:\\s*\"charrnn-(run|dataset)\"");
    private static final Logger LOG = LoggerFactory.getLogger(CorpusFiles.class);

    private CorpusFiles() {
    }

    /** The files in a stable order; fails with a one-line {@link UserError} unless there is some text. */
    public static List<InputFile> list(Configuration conf, String corpusUri) {
        try {
            Path pattern = new Path(corpusUri);
            FileSystem fs = pattern.getFileSystem(conf);
            FileStatus[] matches = fs.globStatus(pattern);
            if (matches == null || matches.length == 0) {
                throw new UserError("corpus not found: " + corpusUri + " (no file or directory matches); "
                        + "check --corpus");
            }
            CompressionCodecFactory codecs = new CompressionCodecFactory(conf);
            String base = base(fs.makeQualified(pattern), matches.length == 1 && matches[0].isDirectory()
                    && !isGlob(pattern.toString()));
            List<InputFile> files = new ArrayList<>();
            for (FileStatus m : matches) {
                if (m.isDirectory()) {
                    RemoteIterator<LocatedFileStatus> it = fs.listFiles(m.getPath(), true);
                    while (it.hasNext()) {
                        LocatedFileStatus f = it.next();
                        if (!hidden(f.getPath(), m.getPath())) {
                            files.add(toInput(f, base, codecs));
                        }
                    }
                } else if (!hidden(m.getPath(), m.getPath().getParent())) {
                    files.add(toInput(m, base, codecs));
                }
            }
            boolean anyListed = !files.isEmpty();
            files = withoutOwnDirectories(fs, files);
            files.sort(Comparator.comparing(InputFile::uri));
            if (files.isEmpty() && anyListed) {
                throw new UserError("corpus " + corpusUri + " holds only charrnn runs or prepared datasets, no text;"
                        + " give the raw text as --corpus (a prepared dataset is given as train's --corpus itself)");
            }
            if (files.isEmpty()) {
                throw new UserError("corpus has no files: " + corpusUri + " matches only empty directories or"
                        + " hidden files; check --corpus");
            }
            if (totalBytes(files) == 0) {
                throw new UserError("corpus is empty: " + corpusUri + " holds no text; check --corpus");
            }
            return files;
        } catch (IllegalArgumentException e) {
            throw new UserError("not a valid corpus URI: " + corpusUri + " (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw UserError.reading("corpus " + corpusUri, e);
        }
    }

    /**
     * SHA-256 of every file's URI, length and modification time: it changes when a file is added, removed,
     * rewritten or grows, without reading any content.
     */
    public static String fingerprint(List<InputFile> files) {
        MessageDigest sha = Sha256.digest();
        for (InputFile f : files) {
            sha.update((f.uri() + '\t' + f.length() + '\t' + f.modificationTime() + '\n')
                    .getBytes(StandardCharsets.UTF_8));
        }
        return Sha256.hex(sha);
    }

    /** The files minus those under a directory that a charrnn run or dataset marks as its own. */
    private static List<InputFile> withoutOwnDirectories(FileSystem fs, List<InputFile> files) throws IOException {
        List<String> own = new ArrayList<>();
        for (InputFile f : files) {
            Path p = new Path(f.uri());
            if ((p.getName().equals(RUN_FILE) || p.getName().equals(DATASET_MANIFEST)) && isOwnMarker(fs, p)) {
                own.add(p.getParent().toString() + "/");
            }
        }
        if (own.isEmpty()) {
            return files;
        }
        LOG.warn("skipping {} in the corpus: charrnn's own run or dataset director{}, not text", own,
                own.size() == 1 ? "y" : "ies");
        List<InputFile> kept = new ArrayList<>();
        for (InputFile f : files) {
            if (own.stream().noneMatch(f.uri()::startsWith)) {
                kept.add(f);
            }
        }
        return kept;
    }

    private static boolean isOwnMarker(FileSystem fs, Path p) throws IOException {
        byte[] head = new byte[4096];
        int n;
        try (var in = fs.open(p)) {
            n = in.readNBytes(head, 0, head.length);
        }
        return OWN_FORMAT.matcher(new String(head, 0, n, StandardCharsets.UTF_8)).find();
    }

    public static long totalBytes(List<InputFile> files) {
        return files.stream().mapToLong(InputFile::length).sum();
    }

    private static boolean hidden(Path file, Path root) {
        for (Path p = file; p != null && !p.equals(root); p = p.getParent()) {
            String name = p.getName();
            if (name.startsWith(".") || name.startsWith("_")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The directory that file keys are relative to: the corpus directory itself, or the part of a glob or file path
     * before its last fixed directory. Keys then stay the same when the corpus moves to another filesystem or
     * parent directory, and a directory and the glob {@code dir/*} give the same keys.
     */
    static String base(Path qualified, boolean isDirectory) {
        String path = qualified.toUri().getPath();
        if (isDirectory) {
            return path.endsWith("/") ? path : path + "/";
        }
        String[] parts = path.split("/");
        StringBuilder prefix = new StringBuilder("/");
        for (int i = 0; i < parts.length - 1; i++) {
            if (isGlob(parts[i])) {
                break;
            }
            if (!parts[i].isEmpty()) {
                prefix.append(parts[i]).append('/');
            }
        }
        return prefix.toString();
    }

    private static boolean isGlob(String s) {
        return s.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{' || c == '\\');
    }

    private static InputFile toInput(FileStatus f, String base, CompressionCodecFactory codecs) {
        CompressionCodec codec = codecs.getCodec(f.getPath());
        if (codec != null && !(codec instanceof GzipCodec) && !(codec instanceof BZip2Codec)) {
            throw new UserError("cannot read " + f.getPath() + ": only plain, gzip (.gz) and bzip2 (.bz2) text is"
                    + " supported; decompress it first");
        }
        String path = f.getPath().toUri().getPath();
        String key = path.startsWith(base) ? path.substring(base.length()) : f.getPath().getName();
        return new InputFile(f.getPath().toString(), key, f.getLen(), f.getModificationTime(), codec != null);
    }
}
