package dev.hoist.server;

import dev.hoist.config.ConfigException;
import dev.hoist.config.ConfigNode;
import dev.hoist.storage.sql.PostgresUrl;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where the stores live: {@code storage.metadata} ({@code sqlite}, the default, in the data
 * directory; or a {@code postgresql://} URL shared by every node of a cluster) and the PostgreSQL
 * pool's size. The disk's lifecycle settings under {@code storage} are {@link
 * dev.hoist.lifecycle.DiskConfig}'s.
 *
 * @param postgres null: SQLite in the data directory
 */
public record StorageConfig(@Nullable PostgresUrl postgres, int metadataPool) {
  static final int DEFAULT_POOL = 16;

  public StorageConfig {
    if (metadataPool < 1 || metadataPool > 1000) {
      throw new ConfigException("storage.metadataPool", "must be between 1 and 1000");
    }
  }

  public static StorageConfig defaults() {
    return new StorageConfig(null, DEFAULT_POOL);
  }

  /** PostgreSQL metadata at {@code url} (the libpq URL form, see {@link PostgresUrl}). */
  public StorageConfig withMetadata(String setting, String url) {
    return new StorageConfig(metadata(setting, url), metadataPool);
  }

  /** Reads {@code metadata} and {@code metadataPool} of the {@code storage} section over this. */
  StorageConfig read(ConfigNode storage) {
    StorageConfig config = this;
    if (storage.has("metadata")) {
      config =
          config.withMetadata(storage.setting("metadata"), storage.required("metadata").text());
    }
    int pool = storage.integer("metadataPool").orElse(config.metadataPool);
    return new StorageConfig(config.postgres, pool);
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
