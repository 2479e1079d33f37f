package io.charrnn.cli;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** --conf values printed by bench hide what Spark's default spark.redaction.regex hides, and nothing else. */
class SparkConfOptionTest {
    @Test
    void redactsTheSettingsSparkRedactsByKeyOrValueAndKeepsTheRest() {
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("spark.master", "local[2]");
        conf.put("spark.hadoop.fs.s3a.secret.key", "S3CR3T-1");
        conf.put("spark.hadoop.fs.s3a.access.key", "AKIA-2");
        conf.put("spark.hadoop.fs.azure.account.accesskey", "AZ-3");
        conf.put("spark.ssl.keyStorePassword", "PW-4");
        conf.put("SPARK.KUBERNETES.AUTHENTICATE.OAUTHTOKEN", "TOK-5");
        conf.put("spark.driver.extraJavaOptions", "-Dfs.s3a.secret.key=S3CR3T-6");
        conf.put("spark.ui.enabled", "false");
        conf.put("spark.hadoop.fs.s3a.access.style", "path");

        Map<String, String> shown = SparkConfOption.redacted(conf);

        assertEquals(List.copyOf(conf.keySet()), List.copyOf(shown.keySet()), "the same keys, in order");
        for (String key : List.of("spark.hadoop.fs.s3a.secret.key", "spark.hadoop.fs.s3a.access.key",
                "spark.hadoop.fs.azure.account.accesskey", "spark.ssl.keyStorePassword",
                "SPARK.KUBERNETES.AUTHENTICATE.OAUTHTOKEN", "spark.driver.extraJavaOptions")) {
            assertEquals("*********(redacted)", shown.get(key), key);
        }
        assertEquals("local[2]", shown.get("spark.master"));
        assertEquals("false", shown.get("spark.ui.enabled"));
        assertEquals("path", shown.get("spark.hadoop.fs.s3a.access.style"));
        assertEquals("S3CR3T-1", conf.get("spark.hadoop.fs.s3a.secret.key"), "Spark itself still gets the value");
    }
}
