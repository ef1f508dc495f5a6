package dev.hoist.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.client.Credentials;
import dev.hoist.images.ClientEnvironment;
import dev.hoist.images.DockerConfig;
import dev.hoist.images.ImageException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code hoist sync}: the sync rules of a running Hoist server, through its {@code /api/v1/sync}
 * API (plain HTTP; without auth the server serves it on loopback by default). When Docker's
 * config.json holds a username and password for the server's {@code host:port} (as {@code hoist
 * login} saves them), they are sent as HTTP Basic: a server with auth needs a user to read and an
 * admin to run. Uses no server code.
 */
@Command(
    name = "sync",
    mixinStandardHelpOptions = true,
    description = "Show or run the sync rules of a Hoist server.",
    subcommands = {SyncCommand.Status.class, SyncCommand.Run.class})
final class SyncCommand implements Runnable {
  @Spec CommandSpec spec;
  @ParentCommand HoistCommand parent;

  /** Made on first use: picocli creates every command object, each time hoist starts. */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Where the server is: the flag, else $HOIST_SERVER, else the default listen address. */
  static URI server(String flag) {
    String url = flag != null ? flag : System.getenv("HOIST_SERVER");
    if (url == null || url.isBlank()) {
      url = "http://127.0.0.1:5000";
    }
    if (!url.contains("://")) {
      url = "http://" + url;
    }
    return URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
  }

  /** The {@code Authorization} header for the server, from Docker's config.json, if any. */
  static Optional<String> authorization(ClientEnvironment env, URI server) throws ImageException {
    String host =
        server.getPort() > 0 ? server.getHost() + ":" + server.getPort() : server.getHost();
    return DockerConfig.load(env)
        .credentials(host)
        .filter(Credentials::isBasic)
        .map(
            c ->
                "Basic "
                    + Base64.getEncoder()
                        .encodeToString(
                            (c.username() + ":" + c.password()).getBytes(StandardCharsets.UTF_8)));
  }

  JsonNode call(URI server, String method, String path, Duration timeout)
      throws IOException, InterruptedException, ImageException {
    return call(server, authorization(parent.environment(), server), method, path, timeout);
  }

  static JsonNode call(
      URI server, Optional<String> authorization, String method, String path, Duration timeout)
      throws IOException, InterruptedException {
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(server + "/api/v1/sync" + path))
            .timeout(timeout)
            .method(method, HttpRequest.BodyPublishers.noBody());
    authorization.ifPresent(a -> builder.header("Authorization", a));
    HttpRequest request = builder.build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new SyncApiException(ExitCodes.NETWORK, "cannot reach the Hoist server at " + server);
    }
    JsonNode body;
    try {
      body = Json.MAPPER.readTree(response.body());
    } catch (IOException e) {
      body = null;
    }
    if (response.statusCode() >= 300) {
      // {"errors":[{"code","message"}]}, the one error shape of /api/v1; {"error": "…"} from
      // servers before it.
      JsonNode error = body == null ? null : body.path("errors").path(0).path("message");
      String message =
          error != null && error.isTextual()
              ? error.asText()
              : body != null && body.hasNonNull("error")
                  ? body.get("error").asText()
                  : "the server answered " + response.statusCode();
      if (response.statusCode() == 404 && body == null) {
        message = "the server at " + server + " does not serve the sync API (sync.api.enabled)";
      }
      if (response.statusCode() == 401) {
        message =
            message
                + (authorization.isEmpty()
                    ? " (sign in with 'hoist login " + server.getAuthority() + "')"
                    : "");
      }
      int exit =
          switch (response.statusCode()) {
            case 404 -> ExitCodes.NOT_FOUND;
            case 401, 403 -> ExitCodes.AUTH;
            default -> ExitCodes.ERROR;
          };
      throw new SyncApiException(exit, message);
    }
    return body;
  }

  /** A failure of the API, with the exit status it means. */
  static final class SyncApiException extends RuntimeException {
    final int exitCode;

    SyncApiException(int exitCode, String message) {
      super(message);
      this.exitCode = exitCode;
    }
  }

  static String line(JsonNode status) {
    return String.format(
        "%-20s %-8s %-24s %-24s %7d %7d %7d %12d  %s",
        status.path("rule").asText(),
        status.path("running").asBoolean() ? "running" : "idle",
        text(status.path("lastFinished")),
        text(status.path("nextRun")),
        status.path("copiedImages").asLong(),
        status.path("skippedImages").asLong(),
        status.path("failedImages").asLong(),
        status.path("copiedBytes").asLong(),
        status.path("lastError").isNull() ? "" : status.path("lastError").asText());
  }

  private static String text(JsonNode n) {
    return n == null || n.isNull() || n.isMissingNode() ? "-" : n.asText();
  }

  static final String HEADER =
      String.format(
          "%-20s %-8s %-24s %-24s %7s %7s %7s %12s  %s",
          "RULE",
          "STATE",
          "LAST RUN",
          "NEXT RUN",
          "COPIED",
          "SKIPPED",
          "FAILED",
          "BYTES",
          "LAST ERROR");

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Show every sync rule's last run, next run and counts.")
  static final class Status implements Callable<Integer> {
    @Spec CommandSpec spec;
    @ParentCommand SyncCommand sync;

    @Option(
        names = "--server",
        paramLabel = "URL",
        description = "The Hoist server (default: $HOIST_SERVER, else http://127.0.0.1:5000).")
    String server;

    @Option(names = "--json", description = "Print the API's JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      try {
        JsonNode rules = sync.call(server(server), "GET", "", Duration.ofSeconds(30));
        if (json) {
          out.println(rules);
        } else {
          out.println(HEADER);
          for (JsonNode rule : rules.path("rules")) {
            out.println(line(rule.path("status")));
          }
        }
        out.flush();
        return ExitCodes.OK;
      } catch (SyncApiException e) {
        spec.commandLine().getErr().println("Error: " + e.getMessage());
        return e.exitCode;
      }
    }
  }

  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description = "Run a sync rule now and wait for it to finish (or not, with --no-wait).")
  static final class Run implements Callable<Integer> {
    @Spec CommandSpec spec;
    @ParentCommand SyncCommand sync;

    @Option(
        names = "--server",
        paramLabel = "URL",
        description = "The Hoist server (default: $HOIST_SERVER, else http://127.0.0.1:5000).")
    String server;

    @Option(names = "--no-wait", description = "Start the run and return at once.")
    boolean noWait;

    @Parameters(paramLabel = "NAME", description = "The rule to run.")
    String name;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      try {
        JsonNode status =
            sync.call(
                server(server),
                "POST",
                "/" + name + "/run" + (noWait ? "" : "?wait=true"),
                Duration.ofHours(6));
        if (noWait) {
          out.println("started " + name);
        } else {
          out.println(HEADER);
          out.println(line(status));
        }
        out.flush();
        return !noWait && status.path("failedImages").asLong() > 0 ? ExitCodes.ERROR : ExitCodes.OK;
      } catch (SyncApiException e) {
        spec.commandLine().getErr().println("Error: " + e.getMessage());
        return e.exitCode;
      }
    }
  }
}
