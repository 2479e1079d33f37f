package io.charrnn.common;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A URI as it may be written down: a password in its user information (Hadoop's FTP filesystem takes
 * {@code ftp://user:password@host/}, older S3 connectors {@code s3a://key:secret@bucket/}) replaced as Spark replaces
 * a secret it redacts. Run files, checkpoints and manifests outlive the job and travel; the secret must not.
 */
public final class Uris {
    public static final String REDACTED = "*********(redacted)";
    private static final Pattern PASSWORD = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://[^/?#@:]*):[^/?#@]*@");

    private Uris() {
    }

    public static String redacted(String uri) {
        return uri == null ? null : PASSWORD.matcher(uri).replaceFirst("$1:" + Matcher.quoteReplacement(REDACTED) + "@");
    }

    /** Writes a URI field redacted (for JSON records that are stored: run.json, checkpoints, manifests). */
    public static final class RedactedSerializer extends StdSerializer<String> {
        public RedactedSerializer() {
            super(String.class);
        }

        @Override
        public void serialize(String uri, JsonGenerator out, SerializerProvider provider) throws IOException {
            out.writeString(redacted(uri));
        }
    }
}
