package dev.hoist.app;

import dev.hoist.cli.ExitCodes;
import dev.hoist.config.ConfigException;
import dev.hoist.config.Values;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.lifecycle.DiskLifecycle;
import dev.hoist.lifecycle.DiskProbe;
import dev.hoist.lifecycle.GarbageCollector;
import dev.hoist.repository.LocalNamespace;
import dev.hoist.server.ServerConfig;
import dev.hoist.storage.CacheRepositories;
import dev.hoist.storage.fs.FileSystemBlobStore;
import dev.hoist.storage.sql.SqliteMetadataStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code hoist gc}: garbage collection of a stopped server's data directory. */
@Command(
    name = "gc",
    mixinStandardHelpOptions = true,
    description = {
      "Delete the blobs no manifest uses (after tag and manifest deletes) from a stopped"
          + " server's data directory, with abandoned uploads and spool files.",
      "Stop the server first; a running one collects on its own schedule"
          + " (storage.gc.interval) and on POST /api/v1/admin/gc.",
    })
final class GcCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      required = true,
      description = "The server's data directory.")
  Path dataDir;

  @Option(names = "--dry-run", description = "Only say what would be deleted.")
  boolean dryRun;

  @Option(
      names = "--grace",
      paramLabel = "DURATION",
      description = "Keep blobs used (pushed, linked, pulled) this recently (default 1h).",
      converter = DurationConverter.class)
  Duration grace = DiskConfig.defaults().gcGrace();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path dir = dataDir.toAbsolutePath().normalize();
    if (!Files.isDirectory(dir.resolve("blobs"))) {
      err.println("hoist gc: " + dir + " is not a Hoist data directory (no blobs/ in it)");
      return ExitCodes.USAGE;
    }
    InstantSource clock = InstantSource.system();
    try (SqliteMetadataStore metadata = SqliteMetadataStore.open(dir);
        DiskLifecycle disk =
            DiskLifecycle.create(
                DiskConfig.off(),
                new FileSystemBlobStore(dir),
                metadata,
                CacheRepositories.NONE,
                dir,
                DiskProbe.of(dir),
                clock,
                new SimpleMeterRegistry())) {
      LocalNamespace local = new LocalNamespace(disk.blobs(), metadata, clock);
      GarbageCollector.Report report =
          disk.collectStopped(
              local.uploadJanitor(), ServerConfig.defaults().uploadPurgeAge(), grace, dryRun);
      String verb = dryRun ? "would delete" : "deleted";
      out.printf(
          Locale.ROOT,
          "hoist gc: %s %d blobs (%s%s), %d abandoned uploads, %d spool files (%s) in %.1f s%n",
          verb,
          report.blobs(),
          bytes(report.bytes()),
          report.orphans() == 0 ? "" : ", " + report.orphans() + " named by no record",
          report.uploads(),
          report.spoolFiles(),
          bytes(report.spoolBytes()),
          report.took().toMillis() / 1000.0);
      out.flush();
      return ExitCodes.OK;
    }
  }

  /** Durations as the configuration writes them: {@code 30m}, {@code 1h}, {@code 0s}. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String text) {
      try {
        return Values.duration("--grace", text);
      } catch (ConfigException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  private static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
