package dev.hoist.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs {@code /usr/bin/skopeo} in a sealed environment: a private {@code HOME}, {@code
 * XDG_RUNTIME_DIR}, {@code XDG_CONFIG_HOME}, auth file, {@code registries.conf}, {@code
 * registries.d} and signature policy under a work directory, so the machine's configuration is
 * never read. Every registry is spoken to over plain HTTP without TLS verification (the helpers add
 * {@code --tls-verify=false}, {@code --src-tls-verify=false}, {@code --dest-tls-verify=false}).
 *
 * <p>A missing skopeo is an error (tests never skip), reported with the path that was tried.
 */
public final class Skopeo {
  public static final Path DEFAULT_EXECUTABLE = Path.of("/usr/bin/skopeo");
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(3);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path executable;
  private final Path workDir;
  private final Duration timeout;
  private final AtomicInteger runs;

  private Skopeo(Path executable, Path workDir, Duration timeout, AtomicInteger runs) {
    this.executable = executable;
    this.workDir = workDir;
    this.timeout = timeout;
    this.runs = runs;
  }

  /** What one skopeo run did. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {
    public Result {
      command = List.copyOf(command);
    }

    public boolean succeeded() {
      return exitCode == 0;
    }

    /** The command, exit code and both outputs, for failure messages. */
    public String describe() {
      return String.join(" ", command)
          + "\nexit code: "
          + exitCode
          + "\n--- stdout ---\n"
          + stdout
          + "\n--- stderr ---\n"
          + stderr;
    }
  }

  /** Thrown by the checked variants when skopeo exits non-zero or times out. */
  public static final class SkopeoException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Result result;

    SkopeoException(String message, Result result) {
      super(message + "\n" + result.describe());
      this.result = result;
    }

    public Result result() {
      return result;
    }
  }

  /**
   * A skopeo using {@code /usr/bin/skopeo} whose configuration and scratch files live under {@code
   * workDir} (created if needed; a JUnit {@code @TempDir} is a good choice).
   *
   * @throws IllegalStateException if skopeo is not installed
   */
  public static Skopeo create(Path workDir) {
    return create(DEFAULT_EXECUTABLE, workDir);
  }

  public static Skopeo create(Path executable, Path workDir) {
    if (!Files.isExecutable(executable)) {
      throw new IllegalStateException(
          "skopeo not found at "
              + executable
              + ": integration tests need it (Debian: apt-get install skopeo)");
    }
    try {
      Path home = workDir.resolve("home");
      Files.createDirectories(home);
      Path run = workDir.resolve("run");
      Files.createDirectories(run);
      // Like a real XDG_RUNTIME_DIR: private to its owner.
      Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx------"));
      Files.createDirectories(workDir.resolve("config"));
      Files.createDirectories(workDir.resolve("registries.d"));
      Files.createDirectories(workDir.resolve("out"));
      Files.createDirectories(workDir.resolve("tmp"));
      Files.writeString(workDir.resolve("auth.json"), "{\"auths\":{}}");
      Files.writeString(workDir.resolve("registries.conf"), "unqualified-search-registries = []\n");
      Files.writeString(
          workDir.resolve("policy.json"), "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare skopeo work directory " + workDir, e);
    }
    return new Skopeo(executable, workDir, DEFAULT_TIMEOUT, new AtomicInteger());
  }

  /** The same skopeo with another timeout per run. */
  public Skopeo withTimeout(Duration timeout) {
    return new Skopeo(executable, workDir, Objects.requireNonNull(timeout), runs);
  }

  /** The auth file skopeo reads ({@code REGISTRY_AUTH_FILE}); empty unless a test writes it. */
  public Path authFile() {
    return workDir.resolve("auth.json");
  }

  /**
   * Runs {@code skopeo <global options> <args>} and returns what happened, whatever the exit code.
   * The global options point skopeo at the private policy and registries.d.
   *
   * @throws SkopeoException if the run exceeds the timeout (the process is killed)
   */
  public Result run(String... args) {
    return execute(Arrays.asList(args)).result();
  }

  /** Like {@link #run} but throws {@link SkopeoException}, with the full output, unless exit 0. */
  public Result checked(String... args) {
    Result result = run(args);
    if (!result.succeeded()) {
      throw new SkopeoException("skopeo failed", result);
    }
    return result;
  }

  /**
   * {@code skopeo copy} from {@code source} to {@code destination} (e.g. {@code oci:/tmp/l:v1},
   * {@code docker://127.0.0.1:5000/app:v1}); {@code extraArgs} go before the two references, e.g.
   * {@code --all} or {@code --format v2s2}.
   */
  public Result copy(String source, String destination, String... extraArgs) {
    List<String> args = new ArrayList<>();
    args.add("copy");
    args.add("--src-tls-verify=false");
    args.add("--dest-tls-verify=false");
    args.addAll(Arrays.asList(extraArgs));
    args.add(source);
    args.add(destination);
    return checked(args.toArray(String[]::new));
  }

  /** The manifest (or index) of {@code ref} exactly as the registry serves it. */
  public byte[] inspectRaw(String ref, String... extraArgs) {
    List<String> args = new ArrayList<>(List.of("inspect", "--raw", "--tls-verify=false"));
    args.addAll(Arrays.asList(extraArgs));
    args.add(ref);
    return executeChecked(args).stdout;
  }

  /** {@code skopeo inspect}: the image's digest, tags, layers, architecture etc. as JSON. */
  public JsonNode inspect(String ref, String... extraArgs) {
    List<String> args = new ArrayList<>(List.of("inspect", "--tls-verify=false"));
    args.addAll(Arrays.asList(extraArgs));
    args.add(ref);
    return parseJson(checked(args.toArray(String[]::new)));
  }

  /**
   * The tags of a repository, e.g. {@code docker://127.0.0.1:5000/app}, as the registry lists them.
   */
  public List<String> listTags(String repositoryRef) {
    JsonNode json = parseJson(checked("list-tags", "--tls-verify=false", repositoryRef));
    List<String> tags = new ArrayList<>();
    json.path("Tags").forEach(t -> tags.add(t.asText()));
    return tags;
  }

  /** {@code skopeo delete} of an image reference (by tag or digest). */
  public Result delete(String ref) {
    return checked("delete", "--tls-verify=false", ref);
  }

  /**
   * {@code skopeo sync --src <srcTransport> --dest <destTransport>} with TLS verification off on
   * both sides; {@code extraArgs} go before the two locations (e.g. {@code --scoped}, {@code
   * --all}).
   */
  public Result sync(
      String srcTransport,
      String source,
      String destTransport,
      String destination,
      String... extraArgs) {
    List<String> args = new ArrayList<>();
    args.add("sync");
    args.add("--src=" + srcTransport);
    args.add("--dest=" + destTransport);
    args.add("--src-tls-verify=false");
    args.add("--dest-tls-verify=false");
    args.addAll(Arrays.asList(extraArgs));
    args.add(source);
    args.add(destination);
    return checked(args.toArray(String[]::new));
  }

  /**
   * {@code skopeo sync --src docker --dest docker}: copies {@code sourceRepository} (e.g. {@code
   * 127.0.0.1:5000/app}, every tag, or one {@code :tag}) into the registry namespace {@code
   * destination} (e.g. {@code 127.0.0.1:6000/mirror}).
   */
  public Result syncDocker(String sourceRepository, String destination, String... extraArgs) {
    return sync("docker", sourceRepository, "docker", destination, extraArgs);
  }

  private static JsonNode parseJson(Result result) {
    try {
      return JSON.readTree(result.stdout());
    } catch (IOException e) {
      throw new SkopeoException("skopeo printed no valid JSON: " + e.getMessage(), result);
    }
  }

  /** The raw bytes of stdout next to the decoded result. */
  private record Raw(Result result, byte[] stdout) {}

  private Raw executeChecked(List<String> args) {
    Raw raw = execute(args);
    if (!raw.result().succeeded()) {
      throw new SkopeoException("skopeo failed", raw.result());
    }
    return raw;
  }

  private Raw execute(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(executable.toString());
    command.add("--policy=" + workDir.resolve("policy.json"));
    command.add("--registries.d=" + workDir.resolve("registries.d"));
    command.addAll(args);
    int n = runs.incrementAndGet();
    Path out = workDir.resolve("out").resolve(n + ".stdout");
    Path err = workDir.resolve("out").resolve(n + ".stderr");
    ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile());
    pb.redirectError(err.toFile());
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.directory(workDir.toFile());
    Map<String, String> env = pb.environment();
    String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.clear();
    env.put("PATH", path);
    env.put("HOME", workDir.resolve("home").toString());
    env.put("XDG_RUNTIME_DIR", workDir.resolve("run").toString());
    env.put("XDG_CONFIG_HOME", workDir.resolve("config").toString());
    env.put("TMPDIR", workDir.resolve("tmp").toString());
    env.put("REGISTRY_AUTH_FILE", authFile().toString());
    env.put("CONTAINERS_REGISTRIES_CONF", workDir.resolve("registries.conf").toString());
    env.put("LC_ALL", "C");
    try {
      Process process = pb.start();
      boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!finished) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        throw new SkopeoException(
            "skopeo timed out after " + timeout, result(command, -1, out, err).result());
      }
      return result(command, process.exitValue(), out, err);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running skopeo", e);
    }
  }

  private static Raw result(List<String> command, int exitCode, Path out, Path err)
      throws IOException {
    byte[] stdout = Files.readAllBytes(out);
    String stderr = new String(Files.readAllBytes(err), StandardCharsets.UTF_8);
    return new Raw(
        new Result(command, exitCode, new String(stdout, StandardCharsets.UTF_8), stderr), stdout);
  }
}
