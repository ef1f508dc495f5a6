package dev.hoist.tls;

import dev.hoist.config.ConfigException;
import dev.hoist.config.ConfigNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code tls} section: serve HTTPS (HTTP/2 by ALPN, HTTP/1.1 still offered) from a PEM
 * certificate and key, reloaded when the files change.
 *
 * <pre>
 * tls:
 *   cert: ./tls/cert.pem     HOIST_TLS_CERT, --tls-cert; the certificate, then its chain
 *   key: ./tls/key.pem       HOIST_TLS_KEY, --tls-key; PKCS#8, PKCS#1 (RSA) or SEC1 (EC), unencrypted
 *   reloadInterval: 10s      how often both files are checked for a change
 * </pre>
 *
 * In a file, relative paths are relative to the file; from the environment or flags, to the working
 * directory.
 *
 * @param cert null: plain HTTP
 * @param key null exactly when {@code cert} is
 */
public record TlsConfig(@Nullable Path cert, @Nullable Path key, Duration reloadInterval) {
  static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(10);
  private static final Duration MIN_RELOAD_INTERVAL = Duration.ofMillis(100);

  public TlsConfig {
    if (cert != null && key == null) {
      throw new ConfigException(
          "tls.key",
          "tls.cert is set but tls.key is not (HOIST_TLS_KEY, --tls-key): a certificate is"
              + " served with its private key");
    }
    if (key != null && cert == null) {
      throw new ConfigException(
          "tls.cert",
          "tls.key is set but tls.cert is not (HOIST_TLS_CERT, --tls-cert): a private key is"
              + " served with its certificate");
    }
    if (reloadInterval.compareTo(MIN_RELOAD_INTERVAL) < 0) {
      throw new ConfigException("tls.reloadInterval", "must be at least 100ms");
    }
  }

  /** Plain HTTP. */
  public static TlsConfig disabled() {
    return new TlsConfig(null, null, DEFAULT_RELOAD_INTERVAL);
  }

  /** Whether the server speaks HTTPS. */
  public boolean enabled() {
    return cert != null;
  }

  /**
   * Reads the {@code tls} section over {@code base}.
   *
   * @param dir the configuration file's directory, which relative paths are resolved against (null:
   *     the working directory)
   */
  public static TlsConfig read(TlsConfig base, ConfigNode node, @Nullable Path dir) {
    node.keys("cert", "key", "reloadInterval");
    Builder b = base.toBuilder();
    node.text("cert").ifPresent(p -> b.cert(resolve(dir, p)));
    node.text("key").ifPresent(p -> b.key(resolve(dir, p)));
    node.duration("reloadInterval").ifPresent(b::reloadInterval);
    return b.build();
  }

  private static Path resolve(@Nullable Path dir, String path) {
    Path p = Path.of(path);
    return p.isAbsolute() || dir == null ? p : dir.resolve(p);
  }

  /** {@code HOIST_TLS_CERT} and {@code HOIST_TLS_KEY} over this. */
  public TlsConfig withEnv(Map<String, String> env) {
    return withPaths(path(env, "HOIST_TLS_CERT"), path(env, "HOIST_TLS_KEY"));
  }

  private static @Nullable Path path(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null) {
      return null;
    }
    if (value.isBlank()) {
      throw new ConfigException(name, "must not be empty");
    }
    return Path.of(value);
  }

  /** This with {@code cert} and {@code key} replaced where they are not null. */
  public TlsConfig withPaths(@Nullable Path cert, @Nullable Path key) {
    if (cert == null && key == null) {
      return this;
    }
    Builder b = toBuilder();
    if (cert != null) {
      b.cert(cert);
    }
    if (key != null) {
      b.key(key);
    }
    return b.build();
  }

  public static Builder builder() {
    return disabled().toBuilder();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Makes a {@link TlsConfig}; {@link #build()} validates it. */
  public static final class Builder {
    private @Nullable Path cert;
    private @Nullable Path key;
    private Duration reloadInterval;

    private Builder(TlsConfig c) {
      cert = c.cert;
      key = c.key;
      reloadInterval = c.reloadInterval;
    }

    public Builder cert(@Nullable Path cert) {
      this.cert = cert;
      return this;
    }

    public Builder key(@Nullable Path key) {
      this.key = key;
      return this;
    }

    public Builder reloadInterval(Duration interval) {
      this.reloadInterval = interval;
      return this;
    }

    /**
     * The configuration, validated.
     *
     * @throws ConfigException naming the setting that is wrong
     */
    public TlsConfig build() {
      return new TlsConfig(cert, key, reloadInterval);
    }
  }
}
