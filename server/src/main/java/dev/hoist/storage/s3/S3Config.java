package dev.hoist.storage.s3;

import dev.hoist.config.ConfigException;
import dev.hoist.config.ConfigNode;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where the S3 blob store keeps its objects, and how it signs in. Read from the {@code storage.s3}
 * section (see {@link #read}); {@link #toString()} never shows a credential.
 *
 * @param endpoint the S3 endpoint ({@code http://127.0.0.1:9000} for MinIO or s3proxy); null: AWS's
 *     endpoint for the region
 * @param region the region requests are signed for
 * @param bucket the bucket, which must exist
 * @param prefix where Hoist's keys start in the bucket: empty, or ending in {@code /}
 * @param pathStyle address the bucket as {@code endpoint/bucket/key} rather than {@code
 *     bucket.endpoint/key} (most S3-compatible servers need it)
 * @param accessKey the access key id; null (with {@code secretKey}): the AWS SDK's default chain
 *     (environment, profile, instance role…)
 * @param secretKey the secret access key; set exactly when {@code accessKey} is
 * @param redirect answer blob GETs with a presigned URL for clients to fetch from S3 directly
 * @param redirectExpiry how long a presigned URL stays valid (SigV4 allows at most 7 days)
 */
public record S3Config(
    @Nullable URI endpoint,
    String region,
    String bucket,
    String prefix,
    boolean pathStyle,
    @Nullable String accessKey,
    @Nullable String secretKey,
    boolean redirect,
    Duration redirectExpiry) {

  public static final String DEFAULT_REGION = "us-east-1";
  public static final Duration DEFAULT_REDIRECT_EXPIRY = Duration.ofMinutes(15);
  private static final Duration MAX_REDIRECT_EXPIRY = Duration.ofDays(7);

  public S3Config {
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(redirectExpiry, "redirectExpiry");
    if (endpoint != null) {
      String scheme = endpoint.getScheme();
      if (scheme == null
          || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
          || endpoint.getHost() == null) {
        throw new ConfigException(
            "storage.s3.endpoint", "must be an http:// or https:// URL with a host");
      }
    }
    if (region.isBlank()) {
      throw new ConfigException("storage.s3.region", "must not be empty");
    }
    if (bucket.isBlank() || bucket.contains("/") || !bucket.strip().equals(bucket)) {
      throw new ConfigException("storage.s3.bucket", "must be a bucket name (no '/', no spaces)");
    }
    prefix = normalisePrefix(prefix);
    if ((accessKey == null) != (secretKey == null)) {
      throw new ConfigException(
          accessKey == null ? "storage.s3.accessKey" : "storage.s3.secretKey",
          "accessKey and secretKey are set together, or neither (the AWS SDK's default chain)");
    }
    if (accessKey != null && secretKey != null && (accessKey.isBlank() || secretKey.isBlank())) {
      throw new ConfigException("storage.s3.accessKey", "credentials must not be empty");
    }
    if (!redirectExpiry.isPositive() || redirectExpiry.compareTo(MAX_REDIRECT_EXPIRY) > 0) {
      throw new ConfigException(
          "storage.s3.redirectExpiry", "must be positive and at most 7d (what SigV4 allows)");
    }
  }

  /** A bucket with every other setting at its default: AWS, default credentials, no redirect. */
  public static S3Config of(String bucket) {
    return new S3Config(
        null, DEFAULT_REGION, bucket, "", false, null, null, false, DEFAULT_REDIRECT_EXPIRY);
  }

  /**
   * Reads {@code storage.s3}:
   *
   * <pre>
   * storage:
   *   blobs: s3
   *   s3:
   *     endpoint: http://127.0.0.1:9000   default: AWS's, from the region
   *     region: us-east-1                 default
   *     bucket: hoist                     required
   *     prefix: registry/                 default: none
   *     pathStyle: true                   default: false
   *     accessKey: ...                    default: the AWS SDK's chain (AWS_ACCESS_KEY_ID,
   *     secretKey: ...                      ~/.aws, instance roles…)
   *     redirect: false                   blob GETs answered with a presigned URL
   *     redirectExpiry: 15m               how long such a URL is valid
   * </pre>
   */
  public static S3Config read(ConfigNode s3) {
    s3.keys(
        "endpoint",
        "region",
        "bucket",
        "prefix",
        "pathStyle",
        "accessKey",
        "secretKey",
        "redirect",
        "redirectExpiry");
    URI endpoint =
        s3.parse(
                "endpoint",
                text -> {
                  try {
                    return new URI(text.strip());
                  } catch (java.net.URISyntaxException e) {
                    throw new IllegalArgumentException("not a URL: " + e.getReason());
                  }
                })
            .orElse(null);
    String bucket = s3.required("bucket").text();
    return s3.check(
        () ->
            new S3Config(
                endpoint,
                s3.text("region").orElse(DEFAULT_REGION),
                bucket,
                s3.get("prefix").map(ConfigNode::scalar).orElse(""),
                s3.bool("pathStyle").orElse(false),
                s3.text("accessKey").orElse(null),
                s3.text("secretKey").orElse(null),
                s3.bool("redirect").orElse(false),
                s3.duration("redirectExpiry").orElse(DEFAULT_REDIRECT_EXPIRY)));
  }

  /** {@code hoist} and {@code /hoist/} both mean the keys {@code hoist/…}. */
  private static String normalisePrefix(String prefix) {
    String p = prefix.strip();
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    if (!p.isEmpty() && !p.endsWith("/")) {
      p += "/";
    }
    return p;
  }

  /** Names the endpoint in messages: the URL, or AWS and the region. */
  String endpointName() {
    return endpoint != null
        ? endpoint.toString()
        : "AWS S3 (" + region.toLowerCase(Locale.ROOT) + ")";
  }

  /** Everything but the credentials, which show only whether they are set. */
  @Override
  public String toString() {
    return "S3Config[endpoint="
        + (endpoint == null ? "AWS" : endpoint)
        + ", region="
        + region
        + ", bucket="
        + bucket
        + ", prefix="
        + prefix
        + ", pathStyle="
        + pathStyle
        + ", credentials="
        + (accessKey == null ? "default chain" : "static (redacted)")
        + ", redirect="
        + redirect
        + ", redirectExpiry="
        + redirectExpiry
        + "]";
  }
}
