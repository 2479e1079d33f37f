package io.charrnn.common;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class UrisTest {
    @Test
    void aPasswordInTheUserInformationIsRedactedAndNothingElse() {
        assertEquals("ftp://alice:*********(redacted)@host:21/corpus/a.txt",
                Uris.redacted("ftp://alice:passw0rd@host:21/corpus/a.txt"));
        // A secret's slash is written %2F in a URI (Hadoop's rule for S3 secrets); $ and \ are no replacement syntax.
        assertEquals("s3a://AKIA:*********(redacted)@bucket/x", Uris.redacted("s3a://AKIA:se%2Fc$1r\\et@bucket/x"));
        for (String plain : new String[] {"hdfs://namenode:9000/corpora/a.txt", "hdfs://hdfs@namenode/a",
                "/data/corpus", "file:/tmp/run", "wasb://container@account.blob.core.windows.net/p", "a:b@c"}) {
            assertEquals(plain, Uris.redacted(plain));
        }
        assertNull(Uris.redacted(null));
        String once = Uris.redacted("ftp://u:p@h/x");
        assertEquals(once, Uris.redacted(once), "redacting twice changes nothing (stored records are compared so)");
    }
}
