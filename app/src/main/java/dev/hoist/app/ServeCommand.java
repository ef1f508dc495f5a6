package dev.hoist.app;

import dev.hoist.cli.ExitCodes;
import dev.hoist.cli.VersionProvider;
import dev.hoist.server.ConfigLoader;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hoist serve}: runs the registry until SIGTERM or Ctrl-C. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Run Hoist's registry server on embedded storage (filesystem + SQLite).",
      "Settings come from defaults, then --config, then HOIST_* environment variables,"
          + " then flags.",
    })
final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      description = "Address to listen on (default 127.0.0.1:5000; env HOIST_LISTEN).")
  String listen;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Where blobs and metadata live (default ./hoist-data; env HOIST_DATA_DIR).")
  Path dataDir;

  @Option(names = "--config", paramLabel = "FILE", description = "A hoist.yaml file.")
  Path configFile;

  @Option(
      names = "--mirror",
      paramLabel = "NAME[=URL]",
      description = {
        "Mirror this registry (repeatable): docker.io, ghcr.io, quay.io, gcr.io,"
            + " registry.k8s.io and mcr.microsoft.com are known by name;",
        "others, or another URL, as NAME=URL (e.g. docker.io=http://127.0.0.1:5001)."
      })
  java.util.List<String> mirrors;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description =
          "Serve HTTPS with this PEM certificate (and its chain); needs --tls-key (env"
              + " HOIST_TLS_CERT).")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "The PEM private key of --tls-cert (env HOIST_TLS_KEY).")
  Path tlsKey;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    ServerConfig config =
        ConfigLoader.load(
            configFile,
            System.getenv(),
            new ConfigLoader.Flags(listen, dataDir, mirrors, tlsCert, tlsKey));
    Logging.apply(config.log());
    HoistServer server = HoistServer.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  out.println(
                      "Hoist: shutting down (in-flight transfers get up to "
                          + config.shutdownGrace().toSeconds()
                          + "s)");
                  out.flush();
                  server.close();
                  stopped.countDown();
                },
                "hoist-shutdown"));
    out.println("Hoist " + VersionProvider.version() + " listening on " + server.url());
    out.println("Data in " + server.dataDir());
    out.println("Registry " + server.url() + "/v2/");
    if (config.accelerator().enabled()) {
      out.println("Console  " + server.url() + "/console");
    }
    out.println("Metrics  " + server.url() + "/metrics");
    out.println("Health   " + server.url() + "/healthz, " + server.url() + "/readyz");
    if (config.mirror().enabled()) {
      for (var upstream : config.mirror().upstreams()) {
        out.println(
            "Mirroring "
                + upstream.name()
                + " from "
                + upstream.url()
                + (upstream.name().equals(config.mirror().defaultUpstream()) ? " (default)" : ""));
      }
    }
    out.println(
        "Try: skopeo inspect "
            + (config.tls().enabled() ? "" : "--tls-verify=false ")
            + "docker://"
            + server.address()
            + "/<name>:<tag>");
    out.flush();
    stopped.await();
    return ExitCodes.OK;
  }
}
