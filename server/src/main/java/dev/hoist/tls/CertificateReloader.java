package dev.hoist.tls;

import dev.hoist.config.ConfigException;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.ServerSSLOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the certificate and key files: every {@link TlsConfig#reloadInterval()} it compares their
 * modification times and sizes with the last it saw, and when either changed it reads and checks
 * the pair again ({@link ServerCertificate#load}). A good pair is handed to the HTTP server for new
 * connections (connections already open keep theirs); a bad one is logged once, with the reason,
 * and the last good pair stays in service. A pair caught halfway through being replaced (a new
 * certificate with the old key) counts as bad until the second file is written too.
 */
public final class CertificateReloader {
  private static final Logger log = LoggerFactory.getLogger(CertificateReloader.class);
  private static final long UPDATE_TIMEOUT_SECONDS = 30;

  /** What the two files looked like; a missing file is a null time and size -1. */
  private record Stamp(
      @Nullable FileTime certModified,
      long certSize,
      @Nullable FileTime keyModified,
      long keySize) {
    static Stamp of(Path cert, Path key) {
      BasicFileAttributes c = attributes(cert);
      BasicFileAttributes k = attributes(key);
      return new Stamp(
          c == null ? null : c.lastModifiedTime(),
          c == null ? -1 : c.size(),
          k == null ? null : k.lastModifiedTime(),
          k == null ? -1 : k.size());
    }

    private static @Nullable BasicFileAttributes attributes(Path file) {
      try {
        return Files.readAttributes(file, BasicFileAttributes.class);
      } catch (IOException e) {
        return null;
      }
    }
  }

  private final Path cert;
  private final Path key;
  private final HttpServer server;
  private final ServerSSLOptions sslOptions;
  private Stamp seen;

  private CertificateReloader(
      Path cert, Path key, HttpServer server, ServerSSLOptions sslOptions, Stamp seen) {
    this.cert = cert;
    this.key = key;
    this.server = server;
    this.sslOptions = sslOptions;
    this.seen = seen;
  }

  /**
   * Starts watching the files {@code config} names for {@code server}, which serves the pair read
   * from them just before.
   *
   * @param sslOptions the server's TLS options, of which only the key and certificate change
   * @param timer runs the checks; its owner stops them by shutting it down
   */
  public static CertificateReloader start(
      TlsConfig config,
      HttpServer server,
      ServerSSLOptions sslOptions,
      ScheduledExecutorService timer) {
    Path cert = config.cert();
    Path key = config.key();
    if (cert == null || key == null) {
      throw new IllegalArgumentException("TLS is not configured");
    }
    // Taken after the first load, a change made since is seen at the first check: at worst the
    // same pair is loaded again.
    CertificateReloader reloader =
        new CertificateReloader(cert, key, server, sslOptions.copy(), Stamp.of(cert, key));
    long interval = config.reloadInterval().toMillis();
    // Never cancelled on its own: the timer's owner shuts it down.
    var unused =
        timer.scheduleWithFixedDelay(
            reloader::checkSafely, interval, interval, TimeUnit.MILLISECONDS);
    return reloader;
  }

  private void checkSafely() {
    try {
      check();
    } catch (RuntimeException e) {
      // A failure must not end the schedule; the next change is tried again.
      log.warn("tls certificate reload failed: error={}", e.toString());
    }
  }

  /** Loads the pair again if either file changed since the last check. */
  void check() {
    Stamp now = Stamp.of(cert, key);
    if (now.equals(seen)) {
      return;
    }
    seen = now;
    ServerCertificate loaded;
    try {
      loaded = ServerCertificate.load(cert, key, Instant.now());
    } catch (ConfigException e) {
      log.warn(
          "tls certificate not reloaded, the previous one stays in service: {}: {}",
          e.setting(),
          e.problem());
      return;
    }
    try {
      server
          .updateSSLOptions(sslOptions.copy().setKeyCertOptions(loaded.keyCertOptions()), true)
          .await(UPDATE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      log.warn(
          "tls certificate not reloaded, the previous one stays in service: {} error={}",
          loaded.describe(),
          e.toString());
      return;
    }
    log.info("tls certificate reloaded: {}", loaded.describe());
  }
}
