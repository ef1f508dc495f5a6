package dev.hoist.server;

import dev.hoist.accelerator.AcceleratorConfig;
import dev.hoist.auth.AuthConfig;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.sync.SyncConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything a Hoist node is configured with, validated once and then frozen. {@link ConfigLoader}
 * builds it from defaults, a YAML file, environment variables and flags.
 *
 * @param listenHost address to listen on (default 127.0.0.1: loopback until told otherwise)
 * @param listenPort port to listen on (default 5000, the registry convention; 0 picks a free one)
 * @param dataDir where blobs, uploads and the SQLite database live
 * @param deleteEnabled whether tag, manifest and blob deletes are allowed
 * @param uploadPurgeAge an upload session untouched for this long is removed
 * @param shutdownGrace how long transfers in flight may take to finish on shutdown
 * @param mirror the upstreams mirrored and how (disabled: every repository is local)
 * @param auth token auth for the registry (disabled: every request is allowed)
 * @param sync sync rules, limits and pre-warming, and whether its API is served
 * @param accelerator tenants, quotas, accounts and the console (disabled: none of it)
 */
public record ServerConfig(
    String listenHost,
    int listenPort,
    Path dataDir,
    boolean deleteEnabled,
    Duration uploadPurgeAge,
    Duration shutdownGrace,
    MirrorConfig mirror,
    AuthConfig auth,
    SyncConfig sync,
    AcceleratorConfig accelerator) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 5000;
  public static final Path DEFAULT_DATA_DIR = Path.of("hoist-data");

  public ServerConfig {
    Objects.requireNonNull(listenHost, "listenHost");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(uploadPurgeAge, "uploadPurgeAge");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    Objects.requireNonNull(mirror, "mirror");
    Objects.requireNonNull(sync, "sync");
    Objects.requireNonNull(auth, "auth");
    Objects.requireNonNull(accelerator, "accelerator");
    if (listenPort < 0 || listenPort > 65535) {
      throw new ConfigException("listen", "port " + listenPort + " is not between 0 and 65535");
    }
    if (uploadPurgeAge.isNegative() || uploadPurgeAge.isZero()) {
      throw new ConfigException("registry.uploadPurgeAge", "must be positive");
    }
    if (shutdownGrace.isNegative()) {
      throw new ConfigException("shutdownGrace", "must not be negative");
    }
  }

  public static ServerConfig defaults() {
    return new ServerConfig(
        DEFAULT_HOST,
        DEFAULT_PORT,
        DEFAULT_DATA_DIR,
        true,
        Duration.ofHours(24),
        Duration.ofSeconds(10),
        MirrorConfig.disabled(),
        AuthConfig.disabled(),
        SyncConfig.defaults(),
        AcceleratorConfig.disabled());
  }

  public ServerConfig withListen(String host, int port) {
    return new ServerConfig(
        host,
        port,
        dataDir,
        deleteEnabled,
        uploadPurgeAge,
        shutdownGrace,
        mirror,
        auth,
        sync,
        accelerator);
  }

  public ServerConfig withDataDir(Path dir) {
    return new ServerConfig(
        listenHost,
        listenPort,
        dir,
        deleteEnabled,
        uploadPurgeAge,
        shutdownGrace,
        mirror,
        auth,
        sync,
        accelerator);
  }

  public ServerConfig withDeleteEnabled(boolean enabled) {
    return new ServerConfig(
        listenHost,
        listenPort,
        dataDir,
        enabled,
        uploadPurgeAge,
        shutdownGrace,
        mirror,
        auth,
        sync,
        accelerator);
  }

  public ServerConfig withUploadPurgeAge(Duration age) {
    return new ServerConfig(
        listenHost,
        listenPort,
        dataDir,
        deleteEnabled,
        age,
        shutdownGrace,
        mirror,
        auth,
        sync,
        accelerator);
  }

  public ServerConfig withShutdownGrace(Duration grace) {
    return new ServerConfig(
        listenHost,
        listenPort,
        dataDir,
        deleteEnabled,
        uploadPurgeAge,
        grace,
        mirror,
        auth,
        sync,
        accelerator);
  }

  public ServerConfig withMirror(MirrorConfig newMirror) {
    return new ServerConfig(
        listenHost,
        listenPort,
        dataDir,
        deleteEnabled,
        uploadPurgeAge,
        shutdownGrace,
        newMirror,
        auth,
        sync,
        accelerator);
  }

  public ServerConfig withAuth(AuthConfig newAuth) {
    return new ServerConfig(
        listenHost,
        listenPort,
        dataDir,
        deleteEnabled,
        uploadPurgeAge,
        shutdownGrace,
        mirror,
        newAuth,
        sync,
        accelerator);
  }

  public ServerConfig withSync(SyncConfig newSync) {
    return new ServerConfig(
        listenHost,
        listenPort,
        dataDir,
        deleteEnabled,
        uploadPurgeAge,
        shutdownGrace,
        mirror,
        auth,
        newSync,
        accelerator);
  }

  public ServerConfig withAccelerator(AcceleratorConfig newAccelerator) {
    return new ServerConfig(
        listenHost,
        listenPort,
        dataDir,
        deleteEnabled,
        uploadPurgeAge,
        shutdownGrace,
        mirror,
        auth,
        sync,
        newAccelerator);
  }
}
