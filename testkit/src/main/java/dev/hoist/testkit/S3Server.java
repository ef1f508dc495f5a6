package dev.hoist.testkit;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.TransientApiMetadata;
import org.jclouds.filesystem.FilesystemApiMetadata;
import org.jclouds.filesystem.reference.FilesystemConstants;

/**
 * An S3 endpoint in this process: s3proxy on {@code 127.0.0.1} and a free port, with SigV4
 * authentication (presigned URLs included), storing into memory or into a directory. For tests of
 * the S3 blob store and of clusters whose nodes share a bucket.
 *
 * <pre>{@code
 * try (S3Server s3 = S3Server.start()) {
 *   String bucket = s3.createBucket();
 *   S3Client client = S3Client.builder().endpointOverride(s3.endpoint()) ... ;
 * }
 * }</pre>
 *
 * <p>Clients use path-style addressing ({@code http://127.0.0.1:port/bucket/key}) and any region
 * ({@link #REGION} by convention): the server checks signatures, not regions.
 */
public final class S3Server implements AutoCloseable {
  /** The region clients sign with; s3proxy accepts any. */
  public static final String REGION = "us-east-1";

  private final BlobStoreContext context;
  private final S3Proxy proxy;
  private final String accessKey;
  private final String secretKey;

  private S3Server(BlobStoreContext context, S3Proxy proxy, String accessKey, String secretKey) {
    this.context = context;
    this.proxy = proxy;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  /** A server keeping its buckets in memory, gone when it closes. */
  public static S3Server start() throws Exception {
    return start(ContextBuilder.newBuilder(new TransientApiMetadata()));
  }

  /**
   * A server keeping its buckets as files under {@code directory}: a server started later on the
   * same directory sees them.
   */
  public static S3Server start(Path directory) throws Exception {
    Properties properties = new Properties();
    properties.setProperty(
        FilesystemConstants.PROPERTY_BASEDIR, directory.toAbsolutePath().toString());
    return start(ContextBuilder.newBuilder(new FilesystemApiMetadata()).overrides(properties));
  }

  private static S3Server start(ContextBuilder builder) throws Exception {
    String accessKey = "hoist-test-" + UUID.randomUUID().toString().substring(0, 8);
    String secretKey = "secret-" + UUID.randomUUID();
    BlobStoreContext context =
        builder.credentials(accessKey, secretKey).build(BlobStoreContext.class);
    S3Proxy proxy;
    try {
      proxy =
          S3Proxy.builder()
              .blobStore(context.getBlobStore())
              .endpoint(URI.create("http://127.0.0.1:0"))
              .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
              .build();
      proxy.start();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!"STARTED".equals(proxy.getState())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
        }
        Thread.sleep(5);
      }
    } catch (Exception | Error e) {
      context.close();
      throw e;
    }
    return new S3Server(context, proxy, accessKey, secretKey);
  }

  /**
   * Runs a server on its own, for scripts (the cluster script, the benchmark): {@code S3Server
   * <directory> <bucket>} keeps its buckets under the directory, creates the bucket, prints {@code
   * S3_ENDPOINT=…}, {@code S3_ACCESS_KEY=…} and {@code S3_SECRET_KEY=…} lines and serves until it
   * is stopped.
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: S3Server <directory> <bucket>");
      System.exit(2);
    }
    S3Server server = start(Path.of(args[0]));
    server.createBucket(args[1]);
    System.out.println("S3_ENDPOINT=" + server.endpoint());
    System.out.println("S3_ACCESS_KEY=" + server.accessKey());
    System.out.println("S3_SECRET_KEY=" + server.secretKey());
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(server::close));
    Thread.currentThread().join();
  }

  /** {@code http://127.0.0.1:<port>}, for path-style requests. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  /** Creates a bucket with a fresh name and returns the name. */
  public String createBucket() {
    String name = "hoist-" + UUID.randomUUID();
    createBucket(name);
    return name;
  }

  /** Creates the bucket {@code name}; no error when it exists. */
  public void createBucket(String name) {
    Objects.requireNonNull(name, "name");
    context.getBlobStore().createContainerInLocation(null, name);
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping s3proxy", e);
    } catch (Exception e) {
      throw new IllegalStateException("s3proxy did not stop", e);
    } finally {
      context.close();
    }
  }
}
