package dev.hoist.app;

import dev.hoist.cli.ExitCodes;
import dev.hoist.lifecycle.Corruption;
import dev.hoist.lifecycle.ScrubReport;
import dev.hoist.lifecycle.Scrubber;
import dev.hoist.mirror.Upstream;
import dev.hoist.oci.RegistryHost;
import dev.hoist.server.ConfigLoader;
import dev.hoist.server.ServerConfig;
import dev.hoist.storage.CacheRepositories;
import dev.hoist.storage.ManifestKey;
import dev.hoist.storage.fs.FileSystemBlobStore;
import dev.hoist.storage.sql.SqliteMetadataStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hoist fsck}: one unthrottled scrub pass ({@link Scrubber}) over a stopped server's data
 * directory, with what it found on standard output.
 */
@Command(
    name = "fsck",
    mixinStandardHelpOptions = true,
    description = {
      "Check the stored blobs of a Hoist data directory: re-hash each against its digest and"
          + " compare its size with its record.",
      "Bytes that do not match are moved to <data-dir>/quarantine and forgotten: the mirror fetches"
          + " them again on the next pull, a hosted blob must be pushed again. Missing blobs are"
          + " reported.",
      "Stop the server first: fsck opens its stores itself.",
      "Exit status: 0 all sound, 1 corrupt, missing or unreadable blobs found, 2 usage error.",
    })
final class FsckCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--data-dir",
      required = true,
      paramLabel = "DIR",
      description = "The data directory to check (the server's --data-dir).")
  Path dataDir;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = {
        "The server's hoist.yaml (HOIST_* environment variables and --mirror apply too), to"
            + " tell the mirror's cache from hosted repositories.",
        "Without upstreams every repository counts as hosted: a missing blob is kept and"
            + " reported, never forgotten."
      })
  Path configFile;

  @Option(
      names = "--mirror",
      paramLabel = "NAME[=URL]",
      description = "An upstream the server mirrors, as serve was given it (repeatable).")
  List<String> mirrors;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isRegularFile(dataDir.resolve("hoist.db"))) {
      err.println("hoist fsck: " + dataDir + " is no Hoist data directory (it has no hoist.db)");
      err.flush();
      return ExitCodes.USAGE;
    }
    ServerConfig config =
        ConfigLoader.load(
            configFile, System.getenv(), new ConfigLoader.Flags(null, dataDir, mirrors));
    CacheRepositories cache =
        new CacheRepositories(
            config.mirror().enabled()
                ? config.mirror().upstreams().stream()
                    .map(Upstream::host)
                    .map(RegistryHost::cacheKey)
                    .distinct()
                    .toList()
                : List.of());
    ScrubReport report;
    try (SqliteMetadataStore metadata = SqliteMetadataStore.open(dataDir)) {
      Scrubber scrubber =
          new Scrubber(
              new FileSystemBlobStore(dataDir),
              metadata,
              cache::contains,
              0,
              new SimpleMeterRegistry(),
              InstantSource.system());
      report = scrubber.scrubAll();
    }
    print(out, report);
    out.flush();
    return report.clean() ? ExitCodes.OK : ExitCodes.ERROR;
  }

  private static void print(PrintWriter out, ScrubReport report) {
    out.printf(
        Locale.ROOT,
        "Checked %d blobs, %.2f GiB in %.1f s; %d corrupt%s%n",
        report.blobs(),
        report.bytes() / (1024.0 * 1024 * 1024),
        report.elapsed().toMillis() / 1000.0,
        report.corruptions().size(),
        report.unreadable() == 0 ? "" : ", " + report.unreadable() + " unreadable (see the log)");
    for (Corruption c : report.corruptions()) {
      out.println(c.digest() + ": " + what(c) + "; " + done(c));
      if (c.usedBy().isEmpty()) {
        out.println("  used by no manifest");
      }
      for (ManifestKey m : c.usedBy()) {
        out.println("  used by " + m.repository().value() + "@" + m.digest());
      }
    }
  }

  private static String what(Corruption c) {
    return switch (c.kind()) {
      case HASH -> "bytes do not match the digest (" + c.expectedSize() + " bytes)";
      case SIZE -> c.actualSize() + " bytes stored, " + c.expectedSize() + " recorded";
      case MISSING -> "missing (" + c.expectedSize() + " bytes recorded)";
    };
  }

  private static String done(Corruption c) {
    String fix =
        c.hosted()
            ? "a hosted manifest uses it: push it again"
            : c.usedBy().isEmpty()
                ? "no manifest uses it"
                : "the mirror fetches it again on the next pull";
    return switch (c.outcome()) {
      case QUARANTINED -> "moved to the quarantine, " + fix;
      case FORGOTTEN -> "record forgotten, " + fix;
      case KEPT -> "record kept, " + fix;
    };
  }
}
