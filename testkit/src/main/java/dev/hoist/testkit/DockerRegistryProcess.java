package dev.hoist.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's {@code docker-registry} (CNCF Distribution 2.8) as a real peer for integration tests:
 * {@code docker-registry serve <config.yml>} on a free {@code 127.0.0.1} port, storing into its own
 * directory, killed (with any children) on {@link #close()}.
 *
 * <pre>{@code
 * try (DockerRegistryProcess upstream = DockerRegistryProcess.builder().deleteEnabled(true).start()) {
 *   skopeo.copy(layout.ociReference(), "docker://" + upstream.hostPort() + "/app:v1");
 *   long served = upstream.bytesServedFor("/blobs/" + layerDigest);
 * }
 * }</pre>
 *
 * <p>The registry's stdout and stderr go to one file, {@link #logFile()}. Its access log is the
 * combined log format that Go's gorilla/handlers writes to stdout, one line per request:
 *
 * <pre>
 * 127.0.0.1 - - [30/Nov/2026:14:07:50 +0000] "GET /v2/foo/blobs/sha256:… HTTP/1.1" 200 1234 "" "skopeo/1.9.3"
 * </pre>
 *
 * <p>The byte count is what the handler wrote: for {@code HEAD} it is the length the body would
 * have had (no body is sent), so {@link #bytesServedFor} counts {@code GET} requests only. Its
 * other lines are logrus text ({@code time=… level=… msg=…}) on stderr.
 *
 * <p>A line is logged after its response has been sent, so {@link #accessLog()} first sends a
 * marker request and waits until that is logged; every earlier request is then in the log.
 *
 * <p>A missing {@code docker-registry} is an error, never a reason to skip a test.
 */
public final class DockerRegistryProcess implements AutoCloseable {
  public static final Path DEFAULT_EXECUTABLE = Path.of("/usr/bin/docker-registry");

  private static final String BARRIER_QUERY = "hoist-testkit-barrier=";
  private static final int OUTPUT_TAIL_CHARS = 20_000;
  // host ident user [time] "METHOD URI PROTO" status bytes "referer" "user agent"
  private static final Pattern ACCESS_LINE =
      Pattern.compile(
          "^(\\S+) \\S+ \\S+ \\[([^\\]]*)\\] \"(\\S+) ((?:[^\"\\\\]|\\\\.)*) (HTTP/[0-9.]+)\""
              + " (\\d{3}) (\\d+|-) \"((?:[^\"\\\\]|\\\\.)*)\" \"((?:[^\"\\\\]|\\\\.)*)\"$");

  // Replaced by restart(); read by the test thread and the access-log helpers.
  private volatile Process process;
  private final Path executable;
  private final Duration startTimeout;
  private final Path workDir;
  private final boolean ownsWorkDir;
  private final Path configFile;
  private final Path logFile;
  private final int port;
  private final HttpClient http;
  private int accessLogOffset;
  private boolean closed;

  private DockerRegistryProcess(
      Process process,
      Path executable,
      Duration startTimeout,
      Path workDir,
      boolean ownsWorkDir,
      Path configFile,
      Path logFile,
      int port,
      HttpClient http) {
    this.process = process;
    this.executable = executable;
    this.startTimeout = startTimeout;
    this.workDir = workDir;
    this.ownsWorkDir = ownsWorkDir;
    this.configFile = configFile;
    this.logFile = logFile;
    this.port = port;
    this.http = http;
  }

  /** One request from the access log; {@code path} is the request URI as logged, query included. */
  public record AccessLogEntry(
      String method, String path, int status, long bytes, String userAgent) {
    public AccessLogEntry {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(path, "path");
    }

    /** The path without its query string. */
    public String pathWithoutQuery() {
      int q = path.indexOf('?');
      return q < 0 ? path : path.substring(0, q);
    }
  }

  /** Distribution's {@code log.level} values. */
  public enum LogLevel {
    ERROR,
    WARN,
    INFO,
    DEBUG;

    String configValue() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A registry with the defaults: deletes refused, no proxy, no auth, log level info. */
  public static DockerRegistryProcess start() {
    return builder().start();
  }

  /** Options for one registry; {@link #start()} writes the config and starts the process. */
  public static final class Builder {
    private Path executable = DEFAULT_EXECUTABLE;
    private Path workDir;
    private boolean deleteEnabled;
    private String proxyRemoteUrl;
    private String proxyUsername;
    private String proxyPassword;
    private String tokenRealm;
    private String tokenService;
    private String tokenIssuer;
    private Path tokenRootCertBundle;
    private LogLevel logLevel = LogLevel.INFO;
    private Duration startTimeout = Duration.ofSeconds(30);

    private Builder() {}

    public Builder executable(Path executable) {
      this.executable = Objects.requireNonNull(executable);
      return this;
    }

    /**
     * Where config, storage root and log go; the caller owns it. Without one a temp directory is
     * created and deleted on close.
     */
    public Builder workDir(Path workDir) {
      this.workDir = Objects.requireNonNull(workDir);
      return this;
    }

    /** {@code storage.delete.enabled}: whether manifests and blobs may be deleted. */
    public Builder deleteEnabled(boolean enabled) {
      this.deleteEnabled = enabled;
      return this;
    }

    /** {@code proxy.remoteurl}: a pull-through cache of {@code remoteUrl}. */
    public Builder proxy(String remoteUrl) {
      return proxy(remoteUrl, null, null);
    }

    /** {@code proxy.remoteurl}, {@code proxy.username}, {@code proxy.password}. */
    public Builder proxy(String remoteUrl, String username, String password) {
      if ((username == null) != (password == null)) {
        throw new IllegalArgumentException("proxy username and password go together");
      }
      this.proxyRemoteUrl = Objects.requireNonNull(remoteUrl, "remoteUrl");
      this.proxyUsername = username;
      this.proxyPassword = password;
      return this;
    }

    /**
     * {@code auth.token}: clients need a Bearer token from {@code realm} for {@code service},
     * issued by {@code issuer} and signed by a key whose certificate is in {@code rootCertBundle}
     * (a PEM file). Distribution 2.8 refuses to start if the bundle holds no certificate.
     */
    public Builder tokenAuth(String realm, String service, String issuer, Path rootCertBundle) {
      this.tokenRealm = Objects.requireNonNull(realm, "realm");
      this.tokenService = Objects.requireNonNull(service, "service");
      this.tokenIssuer = Objects.requireNonNull(issuer, "issuer");
      this.tokenRootCertBundle = Objects.requireNonNull(rootCertBundle, "rootCertBundle");
      return this;
    }

    public Builder logLevel(LogLevel level) {
      this.logLevel = Objects.requireNonNull(level);
      return this;
    }

    /** How long to wait for {@code GET /v2/} to answer 200 or 401. */
    public Builder startTimeout(Duration timeout) {
      this.startTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    /**
     * Starts the registry and waits until it answers.
     *
     * @throws IllegalStateException if it is not installed, exits, or does not answer in time; the
     *     message holds its output
     */
    public DockerRegistryProcess start() {
      if (!Files.isExecutable(executable)) {
        throw new IllegalStateException(
            "docker-registry not found at "
                + executable
                + ": integration tests need it (Debian: apt-get install docker-registry)");
      }
      boolean owns = workDir == null;
      Path dir;
      try {
        dir = owns ? Files.createTempDirectory("hoist-docker-registry-") : workDir;
        Files.createDirectories(dir.resolve("root"));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create docker-registry work directory", e);
      }
      HttpClient http =
          HttpClient.newBuilder()
              .proxy(HttpClient.Builder.NO_PROXY)
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      IllegalStateException last = null;
      for (int attempt = 1; attempt <= 5; attempt++) {
        int port = freePort();
        try {
          return launch(dir, owns, port, http);
        } catch (PortTakenException e) {
          last = e; // another process took the port between our probe and the registry's bind
        } catch (RuntimeException e) {
          if (owns) {
            deleteTree(dir);
          }
          throw e;
        }
      }
      if (owns) {
        deleteTree(dir);
      }
      throw last;
    }

    private DockerRegistryProcess launch(Path dir, boolean owns, int port, HttpClient http) {
      Path config = dir.resolve("config.yml");
      Path log = dir.resolve("registry.log");
      try {
        Files.writeString(config, configYaml(dir.resolve("root"), port));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + config, e);
      }
      Process process = spawn(executable, dir, config, ProcessBuilder.Redirect.to(log.toFile()));
      DockerRegistryProcess registry =
          new DockerRegistryProcess(
              process, executable, startTimeout, dir, owns, config, log, port, http);
      try {
        registry.awaitReady(startTimeout);
        return registry;
      } catch (RuntimeException e) {
        registry.stopProcess();
        throw e;
      }
    }

    private String configYaml(Path root, int port) {
      StringBuilder y = new StringBuilder();
      y.append("version: 0.1\n");
      y.append("log:\n");
      y.append("  level: ").append(logLevel.configValue()).append('\n');
      y.append("  formatter: text\n");
      y.append("  accesslog:\n");
      y.append("    disabled: false\n");
      y.append("storage:\n");
      y.append("  filesystem:\n");
      y.append("    rootdirectory: ").append(quote(root.toString())).append('\n');
      y.append("  delete:\n");
      y.append("    enabled: ").append(deleteEnabled).append('\n');
      y.append("  maintenance:\n");
      y.append("    uploadpurging:\n");
      y.append("      enabled: false\n");
      y.append("http:\n");
      y.append("  addr: ").append(quote("127.0.0.1:" + port)).append('\n');
      y.append("  secret: ").append(quote(UUID.randomUUID().toString())).append('\n');
      if (proxyRemoteUrl != null) {
        y.append("proxy:\n");
        y.append("  remoteurl: ").append(quote(proxyRemoteUrl)).append('\n');
        if (proxyUsername != null) {
          y.append("  username: ").append(quote(proxyUsername)).append('\n');
          y.append("  password: ").append(quote(proxyPassword)).append('\n');
        }
      }
      if (tokenRealm != null) {
        y.append("auth:\n");
        y.append("  token:\n");
        y.append("    realm: ").append(quote(tokenRealm)).append('\n');
        y.append("    service: ").append(quote(tokenService)).append('\n');
        y.append("    issuer: ").append(quote(tokenIssuer)).append('\n');
        y.append("    rootcertbundle: ")
            .append(quote(tokenRootCertBundle.toAbsolutePath().toString()))
            .append('\n');
      }
      return y.toString();
    }
  }

  private static Process spawn(
      Path executable, Path dir, Path config, ProcessBuilder.Redirect output) {
    ProcessBuilder pb =
        new ProcessBuilder(executable.toString(), "serve", config.toString())
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    // Distribution reads REGISTRY_* variables as config overrides: start from a clean slate.
    Map<String, String> env = pb.environment();
    String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.clear();
    env.put("PATH", path);
    env.put("HOME", dir.toString());
    try {
      return pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + executable, e);
    }
  }

  /**
   * Stops the registry as an outage would: the process is killed (connections in flight are cut),
   * and its port, storage and log stay, for {@link #restart()}.
   */
  public synchronized void stop() {
    stopProcess();
  }

  /**
   * Starts the registry again on the same port with the same storage and configuration (after
   * {@link #stop()}), appending to the same log, and waits until it answers.
   *
   * @throws IllegalStateException if it is running, or does not come back in time
   */
  public synchronized void restart() {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    if (process.isAlive()) {
      throw new IllegalStateException("docker-registry is running; stop() it first");
    }
    IllegalStateException last = null;
    // The kernel may hold the port for a moment after the old process died.
    for (int attempt = 1; attempt <= 20; attempt++) {
      process =
          spawn(
              executable, workDir, configFile, ProcessBuilder.Redirect.appendTo(logFile.toFile()));
      try {
        awaitReady(startTimeout);
        return;
      } catch (PortTakenException e) {
        last = e;
        sleep(250);
      } catch (RuntimeException e) {
        stopProcess();
        throw e;
      }
    }
    throw last;
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://" + hostPort();
  }

  /** {@code 127.0.0.1:<port>}, as skopeo's {@code docker://} references want it. */
  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** The process id of {@code docker-registry}. */
  public long pid() {
    return process.pid();
  }

  /** The storage root ({@code storage.filesystem.rootdirectory}). */
  public Path rootDirectory() {
    return workDir.resolve("root");
  }

  public Path configFile() {
    return configFile;
  }

  /** stdout and stderr of the process, in one file. */
  public Path logFile() {
    return logFile;
  }

  /** Everything the process has written so far. */
  public String output() {
    try {
      return new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + logFile, e);
    }
  }

  /**
   * Every request logged since start (or since {@link #clearAccessLog()}), oldest first, not
   * counting this kit's own readiness and marker requests.
   */
  public synchronized List<AccessLogEntry> accessLog() {
    List<AccessLogEntry> all = allEntriesAfterBarrier();
    List<AccessLogEntry> out = new ArrayList<>();
    for (int i = accessLogOffset; i < all.size(); i++) {
      AccessLogEntry e = all.get(i);
      if (!e.path().contains(BARRIER_QUERY)) {
        out.add(e);
      }
    }
    return out;
  }

  /** Makes {@link #accessLog()} and its helpers forget the requests logged so far. */
  public synchronized void clearAccessLog() {
    accessLogOffset = allEntriesAfterBarrier().size();
  }

  /**
   * Body bytes sent by {@code GET} requests whose path contains {@code pathSubstring} (e.g. {@code
   * "/blobs/sha256:ab…"} or a repository name); HEADs send no body and are not counted.
   */
  public long bytesServedFor(String pathSubstring) {
    return accessLog().stream()
        .filter(e -> e.method().equals("GET") && e.path().contains(pathSubstring))
        .mapToLong(AccessLogEntry::bytes)
        .sum();
  }

  /** Body bytes sent by every {@code GET} request. */
  public long bytesServed() {
    return bytesServedFor("");
  }

  /**
   * How many requests had {@code method} (e.g. {@code "GET"}; {@code null} for any) and a path
   * (query excluded) matching {@code pathRegex} as a whole, e.g. {@code "/v2/app/blobs/.*"}.
   */
  public int requestCount(String method, String pathRegex) {
    Pattern p = Pattern.compile(pathRegex);
    return (int)
        accessLog().stream()
            .filter(e -> method == null || e.method().equals(method))
            .filter(e -> p.matcher(e.pathWithoutQuery()).matches())
            .count();
  }

  /** Parses access-log lines out of the registry's combined output; other lines are skipped. */
  static List<AccessLogEntry> parseAccessLog(String output) {
    List<AccessLogEntry> entries = new ArrayList<>();
    int start = 0;
    for (int nl; (nl = output.indexOf('\n', start)) >= 0; start = nl + 1) {
      // Only complete lines: the process may be half-way through writing the last one.
      AccessLogEntry e = parseAccessLine(output.substring(start, nl));
      if (e != null) {
        entries.add(e);
      }
    }
    return entries;
  }

  static AccessLogEntry parseAccessLine(String line) {
    Matcher m = ACCESS_LINE.matcher(line);
    if (!m.matches()) {
      return null;
    }
    String bytes = m.group(7);
    return new AccessLogEntry(
        m.group(3),
        unescape(m.group(4)),
        Integer.parseInt(m.group(6)),
        bytes.equals("-") ? 0 : Long.parseLong(bytes),
        unescape(m.group(9)));
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopProcess();
    if (ownsWorkDir) {
      deleteTree(workDir);
    }
  }

  @Override
  public String toString() {
    return "docker-registry at " + url() + " (" + workDir + ")";
  }

  private List<AccessLogEntry> allEntriesAfterBarrier() {
    if (!process.isAlive()) {
      return parseAccessLog(output());
    }
    String marker = BARRIER_QUERY + UUID.randomUUID();
    get("/v2/?" + marker);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      String text = output();
      if (text.contains(marker)) {
        return parseAccessLog(text);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "docker-registry did not log the marker request " + marker + "\n" + tail(text));
      }
      sleep(10);
    }
  }

  private void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String lastProblem = "no answer yet";
    while (true) {
      if (!process.isAlive()) {
        String text = output();
        String message =
            "docker-registry exited with code "
                + process.exitValue()
                + " before answering on "
                + url()
                + "\n--- output ("
                + logFile
                + ") ---\n"
                + tail(text)
                + "\n--- config ---\n"
                + readConfig();
        if (text.contains("address already in use")) {
          throw new PortTakenException(message);
        }
        throw new IllegalStateException(message);
      }
      try {
        int status = get("/v2/?" + BARRIER_QUERY + "ready");
        if (status == 200 || status == 401) {
          return;
        }
        lastProblem = "GET /v2/ answered " + status;
      } catch (UncheckedIOException e) {
        lastProblem = e.getCause().toString();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "docker-registry did not answer GET "
                + url()
                + "/v2/ with 200 or 401 within "
                + timeout
                + " ("
                + lastProblem
                + ")\n--- output ("
                + logFile
                + ") ---\n"
                + tail(output())
                + "\n--- config ---\n"
                + readConfig());
      }
      sleep(50);
    }
  }

  private int get(String pathAndQuery) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url() + pathAndQuery))
            .timeout(Duration.ofSeconds(5))
            .header("User-Agent", "hoist-testkit")
            .GET()
            .build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private void stopProcess() {
    List<ProcessHandle> children = process.descendants().toList();
    children.forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        children.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      children.forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  private String readConfig() {
    try {
      return Files.readString(configFile);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  private static String tail(String text) {
    return text.length() <= OUTPUT_TAIL_CHARS
        ? text
        : "…" + text.substring(text.length() - OUTPUT_TAIL_CHARS);
  }

  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        c = s.charAt(++i);
      }
      b.append(c);
    }
    return b.toString();
  }

  /** A YAML double-quoted scalar. */
  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\x%02x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on 127.0.0.1", e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.delete(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
              Files.delete(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      // Best effort: a leftover temp directory must not fail a test.
    }
  }

  private static final class PortTakenException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    PortTakenException(String message) {
      super(message);
    }
  }
}
