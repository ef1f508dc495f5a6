package dev.hoist.server;

import dev.hoist.config.ConfigException;
import dev.hoist.config.ConfigNode;
import dev.hoist.storage.s3.S3Config;
import dev.hoist.storage.sql.PostgresUrl;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where the stores live: {@code storage.metadata} ({@code sqlite}, the default, in the data
 * directory; or a {@code postgresql://} URL shared by every node of a cluster) and the PostgreSQL
 * pool's size; {@code storage.blobs} ({@code filesystem}, the default, in the data directory; or
 * {@code s3} with the {@code storage.s3} section). The disk's lifecycle settings under {@code
 * storage} are {@link dev.hoist.lifecycle.DiskConfig}'s.
 *
 * @param postgres null: SQLite in the data directory
 * @param s3 where blobs live when {@code storage.blobs} is {@code s3}; null: the filesystem, in the
 *     data directory
 */
public record StorageConfig(
    @Nullable PostgresUrl postgres, int metadataPool, @Nullable S3Config s3) {
  static final int DEFAULT_POOL = 16;

  public StorageConfig {
    if (metadataPool < 1 || metadataPool > 1000) {
      throw new ConfigException("storage.metadataPool", "must be between 1 and 1000");
    }
  }

  public static StorageConfig defaults() {
    return new StorageConfig(null, DEFAULT_POOL, null);
  }

  /** PostgreSQL metadata at {@code url} (the libpq URL form, see {@link PostgresUrl}). */
  public StorageConfig withMetadata(String setting, String url) {
    return new StorageConfig(metadata(setting, url), metadataPool, s3);
  }

  /** Blobs in S3 (or an S3-compatible store). */
  public StorageConfig withS3(@Nullable S3Config config) {
    return new StorageConfig(postgres, metadataPool, config);
  }

  /**
   * Reads {@code metadata}, {@code metadataPool}, {@code blobs} ({@code filesystem} or {@code s3})
   * and {@code s3} of the {@code storage} section over this.
   */
  StorageConfig read(ConfigNode storage) {
    StorageConfig config = this;
    if (storage.has("metadata")) {
      config =
          config.withMetadata(storage.setting("metadata"), storage.required("metadata").text());
    }
    int pool = storage.integer("metadataPool").orElse(config.metadataPool);
    S3Config blobsIn = config.s3;
    String blobs = storage.text("blobs").orElse(blobsIn == null ? "filesystem" : "s3");
    switch (blobs) {
      case "filesystem" -> {
        if (storage.has("s3")) {
          throw new ConfigException(storage.setting("s3"), "is read only with storage.blobs: s3");
        }
        blobsIn = null;
      }
      case "s3" ->
          blobsIn =
              S3Config.read(
                  storage
                      .mapping("s3")
                      .orElseThrow(
                          () ->
                              new ConfigException(
                                  storage.setting("s3"),
                                  "storage.blobs: s3 needs the bucket and where it is"
                                      + " (storage.s3: {endpoint, bucket, ...})")));
      default ->
          throw new ConfigException(storage.setting("blobs"), "filesystem or s3, not " + blobs);
    }
    return new StorageConfig(config.postgres, pool, blobsIn);
  }

  private static @Nullable PostgresUrl metadata(String setting, String url) {
    Objects.requireNonNull(url, setting);
    if (url.equals("sqlite")) {
      return null;
    }
    try {
      return PostgresUrl.parse(url);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          setting, "sqlite or a postgresql:// URL expected: " + e.getMessage());
    }
  }
}
