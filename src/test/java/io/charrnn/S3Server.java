package io.charrnn;

import org.apache.hadoop.conf.Configuration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real S3 API server for tests: S3Proxy (Maven Central, copied to target/s3proxy by the build) as its own process,
 * keeping objects in memory, on a free local port, with one bucket. It honours S3's conditional writes
 * (If-None-Match, If-Match) as Amazon S3 does. Clients reach it through Hadoop's s3a with {@link #hadoopSettings}.
 *
 * <p>One server serves every test of a JVM ({@link #shared}), each under its own paths: Hadoop caches a filesystem
 * per bucket with the settings it was first made with, so a second server on another port would be unreachable to
 * the tests' own reads.
 */
public final class S3Server implements AutoCloseable {
    private static S3Server shared;
    private static S3Server ignoring;

    /** The JVM's server, started on first use; it ends with the JVM. */
    public static synchronized S3Server shared() throws Exception {
        if (shared == null || !shared.process.isAlive()) {
            shared = start("s3proxy.jar", "charrnn", "transient-nio2");
        }
        return shared;
    }

    /**
     * A server that ignores conditional writes, as some S3-compatible stores do: S3Proxy 2.6, which accepts an
     * upload with If-None-Match over an existing object. Its own bucket, so that Hadoop caches another filesystem.
     */
    public static synchronized S3Server sharedIgnoringConditionalWrites() throws Exception {
        if (ignoring == null || !ignoring.process.isAlive()) {
            ignoring = start("s3proxy-ignoring-conditional-writes.jar", "charrnn-ignoring", "transient");
        }
        return ignoring;
    }

    private static final String IDENTITY = "test-identity";
    private static final String CREDENTIAL = "test-credential";

    private final Process process;
    private final Path log;
    private final String endpoint;
    private final String bucket;
    /** The client of {@link #read}, made once: a client per read would make the reads few. */
    private S3Client reads;

    private S3Server(Process process, Path log, String endpoint, String bucket) {
        this.process = process;
        this.log = log;
        this.endpoint = endpoint;
        this.bucket = bucket;
    }

    /**
     * Starts the server of that jar (in target/s3proxy) with that bucket, its objects in memory by that jclouds
     * provider (S3Proxy 4's transient-nio2 makes a conditional upload atomic); its log goes to a temporary directory.
     */
    private static S3Server start(String jarName, String bucket, String provider) throws Exception {
        Path dir = Files.createTempDirectory("charrnn-s3proxy");
        String jar = Path.of(System.getProperty("charrnn.test.s3proxy", "target/s3proxy"), jarName).toString();
        if (!Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("no S3Proxy jar at " + jar + ": the build copies it there"
                    + " (mvn test, not -DskipTests)");
        }
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        String endpoint = "http://127.0.0.1:" + port;
        Path properties = dir.resolve("s3proxy-" + port + ".properties");
        Files.writeString(properties, String.join("\n",
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + IDENTITY,
                "s3proxy.credential=" + CREDENTIAL,
                "jclouds.provider=" + provider,
                "jclouds.identity=" + IDENTITY,
                "jclouds.credential=" + CREDENTIAL, ""));
        Path log = dir.resolve("s3proxy-" + port + ".log");
        Process process = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx512m",
                "-jar", jar, "--properties", properties.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        S3Server server = new S3Server(process, log, endpoint, bucket);
        // A test JVM that dies without closing it must not leave the server running.
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        try {
            server.awaitReady();
            try (S3Client s3 = server.client()) {
                s3.createBucket(b -> b.bucket(bucket));
            }
            return server;
        } catch (Exception e) {
            server.close();
            throw e;
        }
    }

    private void awaitReady() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Proxy exited; its log:\n" + Files.readString(log));
            }
            try {
                http.send(HttpRequest.newBuilder(URI.create(endpoint + "/")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                return; // any answer (403 without credentials) means it serves
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy did not answer in 60 s; its log:\n"
                            + Files.readString(log));
                }
                Thread.sleep(200);
            }
        }
    }

    private S3Client client() {
        return S3Client.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(IDENTITY, CREDENTIAL)))
                .build();
    }

    /** s3a://BUCKET/path. */
    public String uri(String path) {
        return "s3a://" + bucket + "/" + path;
    }

    /** The Hadoop settings that point s3a at this server. */
    public Map<String, String> hadoopSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("fs.s3a.endpoint", endpoint);
        s.put("fs.s3a.endpoint.region", "us-east-1");
        s.put("fs.s3a.path.style.access", "true");
        s.put("fs.s3a.connection.ssl.enabled", "false");
        s.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        s.put("fs.s3a.access.key", IDENTITY);
        s.put("fs.s3a.secret.key", CREDENTIAL);
        // A failure of this server is a test failure: seconds of retries, not S3's minutes.
        s.put("fs.s3a.retry.limit", "2");
        s.put("fs.s3a.attempts.maximum", "2");
        return s;
    }

    /** A Hadoop configuration that reaches this server. */
    public Configuration configuration() {
        Configuration conf = new Configuration();
        hadoopSettings().forEach(conf::set);
        return conf;
    }

    /** The same settings as charrnn arguments: --conf spark.hadoop.KEY=VALUE for each. */
    public List<String> confArgs() {
        List<String> args = new ArrayList<>();
        hadoopSettings().forEach((k, v) -> {
            args.add("--conf");
            args.add("spark.hadoop." + k + "=" + v);
        });
        return args;
    }

    /**
     * The object at path in the bucket, read by one GET of the whole object through the S3 API, or empty where there
     * is none. s3a reads a file in two requests, its length and version (HEAD), then that many bytes of that version
     * (a ranged GET, If-Match): S3 answers both from one version, but this server, while the object is replaced,
     * now and then answers the HEAD with a length of 0 or the GET with the new version's bytes cut to the old length
     * (in 2 of 140 runs of 150 replaces on this store, 6 of 500 on S3Proxy's other in-memory one, through both of
     * s3a's input streams; an SDK client's HEAD and ranged GET met it too). A test that watches an object being
     * replaced reads it with this one request, which this server answered whole in 100 runs and 16,000 reads.
     */
    public java.util.Optional<String> read(String path) {
        try {
            return java.util.Optional.of(readingClient().getObjectAsBytes(b -> b.bucket(bucket).key(path))
                    .asUtf8String());
        } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
            return java.util.Optional.empty();
        }
    }

    private synchronized S3Client readingClient() {
        if (reads == null) {
            reads = client();
        }
        return reads;
    }

    /** Uploads a local file to path in the bucket. */
    public void put(Path local, String path) throws IOException {
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(uri(path));
        target.getFileSystem(configuration()).copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()), target);
    }

    @Override
    public void close() throws Exception {
        synchronized (this) {
            if (reads != null) {
                reads.close();
            }
        }
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(20, TimeUnit.SECONDS);
        }
    }
}
