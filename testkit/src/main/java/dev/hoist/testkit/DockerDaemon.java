package dev.hoist.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A Docker daemon of its own for a test: Debian's {@code /usr/sbin/dockerd} with the vfs storage
 * driver, no iptables and no bridge, its data root, exec root, pid file, socket, identity key and
 * {@code daemon.json} under {@code /tmp/hd-<random>} (short, since a unix socket path is limited to
 * about 108 bytes), driven with Debian's {@code /usr/bin/docker} on that socket. {@link #close()}
 * removes its containers, images and volumes, stops it (SIGTERM, then SIGKILL), unmounts what it
 * left mounted and deletes the directory, pulled layers included. Without a bridge, containers run
 * with {@code --network host}.
 *
 * <p>The daemon reads registry CAs from {@code /etc/docker/certs.d/<host:port>/ca.crt} only (it
 * runs as root); {@link #trustCa} puts one there for the length of a test. Docker counts
 * 127.0.0.0/8 as an insecure registry whatever {@code daemon.json} says: it speaks TLS to such a
 * registry first, without verifying it.
 *
 * <p>A missing dockerd is an error (tests never skip), reported with the path that was tried.
 */
public final class DockerDaemon implements AutoCloseable {
  public static final Path DOCKERD = Path.of("/usr/sbin/dockerd");
  public static final Path DOCKER = Path.of("/usr/bin/docker");
  public static final Path CERTS_D = Path.of("/etc/docker/certs.d");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);

  /** What one docker command did. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {
    public Result {
      command = List.copyOf(command);
    }

    public boolean succeeded() {
      return exitCode == 0;
    }

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

  private final Path dir;
  private final Process process;
  private final AtomicInteger runs = new AtomicInteger();

  private DockerDaemon(Path dir, Process process) {
    this.dir = dir;
    this.process = process;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** How the daemon is started. */
  public static final class Builder {
    private final List<String> registryMirrors = new ArrayList<>();
    private final List<String> insecureRegistries = new ArrayList<>();
    private final Map<String, String> environment = new java.util.LinkedHashMap<>();
    private boolean debug;
    private Duration startTimeout = Duration.ofSeconds(60);

    private Builder() {}

    /**
     * Sets a variable in the daemon's otherwise sealed environment: {@code HTTPS_PROXY} and {@code
     * SSL_CERT_FILE} let a test stand in for Docker Hub (the daemon's origin for docker.io names)
     * on loopback.
     */
    public Builder environment(String name, String value) {
      environment.put(name, value);
      return this;
    }

    /** Adds a {@code registry-mirrors} entry ({@code https://127.0.0.1:5000}), for docker.io. */
    public Builder registryMirror(String url) {
      registryMirrors.add(url);
      return this;
    }

    /** Adds an {@code insecure-registries} entry ({@code 127.0.0.1:5000}). */
    public Builder insecureRegistry(String hostPort) {
      insecureRegistries.add(hostPort);
      return this;
    }

    /** Debug logging in {@link #log()} (which endpoint each pull tried, and how). */
    public Builder debug(boolean debug) {
      this.debug = debug;
      return this;
    }

    public Builder startTimeout(Duration timeout) {
      this.startTimeout = timeout;
      return this;
    }

    /** Starts the daemon and returns once {@code docker version} answers on its socket. */
    public DockerDaemon start() {
      if (!Files.isExecutable(DOCKERD) || !Files.isExecutable(DOCKER)) {
        throw new IllegalStateException(
            DOCKERD
                + " and "
                + DOCKER
                + " are needed by this test (Debian: apt-get install docker.io)");
      }
      byte[] id = new byte[4];
      new Random().nextBytes(id);
      Path dir = Path.of("/tmp", "hd-" + HexFormat.of().formatHex(id));
      try {
        Files.createDirectories(dir.resolve("d"));
        Files.createDirectories(dir.resolve("e"));
        Files.createDirectories(dir.resolve("cli"));
        ObjectNode config = JSON.createObjectNode();
        config.putPOJO("registry-mirrors", registryMirrors);
        config.putPOJO("insecure-registries", insecureRegistries);
        config.put("debug", debug);
        // Else the daemon writes its identity key to /etc/docker/key.json (20.10 has no flag).
        config.put("deprecated-key-path", dir.resolve("key.json").toString());
        Files.writeString(dir.resolve("c.json"), JSON.writeValueAsString(config));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot prepare " + dir, e);
      }
      List<String> command =
          List.of(
              DOCKERD.toString(),
              "--storage-driver",
              "vfs",
              "--iptables=false",
              "--bridge=none",
              "--data-root",
              dir.resolve("d").toString(),
              "--exec-root",
              dir.resolve("e").toString(),
              "--pidfile",
              dir.resolve("p").toString(),
              "-H",
              "unix://" + dir.resolve("s"),
              "--config-file",
              dir.resolve("c.json").toString());
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("log").toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      sealedEnvironment(pb.environment(), dir);
      pb.environment().putAll(environment);
      Process process;
      try {
        process = pb.start();
      } catch (IOException e) {
        delete(dir);
        throw new UncheckedIOException("cannot run " + DOCKERD, e);
      }
      DockerDaemon daemon = new DockerDaemon(dir, process);
      try {
        daemon.awaitReady(startTimeout);
      } catch (RuntimeException e) {
        daemon.close();
        throw e;
      }
      return daemon;
    }
  }

  /** No proxy, no user configuration of the machine's: only PATH, and a private docker config. */
  private static void sealedEnvironment(Map<String, String> env, Path dir) {
    env.clear();
    env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.put("HOME", dir.resolve("cli").toString());
    env.put("DOCKER_CONFIG", dir.resolve("cli").toString());
    env.put("LC_ALL", "C");
  }

  private void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Result last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "dockerd exited with " + process.exitValue() + " while starting:\n" + tail(log()));
      }
      last = docker("version", "--format", "{{.Server.Version}}");
      if (last.succeeded()) {
        return;
      }
      sleep(250);
    }
    throw new IllegalStateException(
        "dockerd did not answer on "
            + socket()
            + " within "
            + timeout
            + (last == null ? "" : "\n" + last.describe())
            + "\n--- daemon log ---\n"
            + tail(log()));
  }

  /** The daemon's socket. */
  public Path socket() {
    return dir.resolve("s");
  }

  /** The daemon's output so far. */
  public String log() {
    try {
      return Files.readString(dir.resolve("log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static String tail(String log) {
    List<String> lines = log.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  /** Runs {@code docker -H unix://<socket> <args>}, whatever its exit code. */
  public Result docker(String... args) {
    List<String> command = new ArrayList<>();
    command.add(DOCKER.toString());
    command.add("-H");
    command.add("unix://" + socket());
    command.addAll(Arrays.asList(args));
    int n = runs.incrementAndGet();
    Path out = dir.resolve("cli").resolve(n + ".out");
    Path err = dir.resolve("cli").resolve(n + ".err");
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    sealedEnvironment(pb.environment(), dir);
    try {
      Process p = pb.start();
      if (!p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException(
            "timed out after " + COMMAND_TIMEOUT + ": " + String.join(" ", command));
      }
      return new Result(
          command,
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running docker", e);
    }
  }

  /** Like {@link #docker} but fails, with both outputs, unless it exits 0. */
  public Result checked(String... args) {
    Result result = docker(args);
    if (!result.succeeded()) {
      throw new IllegalStateException("docker failed:\n" + result.describe());
    }
    return result;
  }

  /** {@code docker pull <reference>}. */
  public Result pull(String reference) {
    return checked("pull", reference);
  }

  /** {@code repository:tag} of every image the daemon holds. */
  public List<String> images() {
    return checked("images", "--format", "{{.Repository}}:{{.Tag}}").stdout().lines().toList();
  }

  /** {@code docker image inspect <reference>}: the image's JSON object. */
  public JsonNode inspect(String reference) {
    String out = checked("image", "inspect", reference).stdout();
    try {
      return JSON.readTree(out).get(0);
    } catch (IOException e) {
      throw new IllegalStateException("docker image inspect printed no JSON: " + out, e);
    }
  }

  /**
   * Puts {@code caCertificate} where the daemon looks for the CA of the registry {@code hostPort}
   * ({@code /etc/docker/certs.d/<hostPort>/ca.crt}); closing it removes that directory again, and
   * {@code certs.d} too when this made it and it is left empty.
   */
  public static AutoCloseable trustCa(String hostPort, Path caCertificate) {
    Path hostDir = CERTS_D.resolve(hostPort);
    boolean madeCertsD = !Files.isDirectory(CERTS_D);
    try {
      if (Files.exists(hostDir)) {
        throw new IllegalStateException(hostDir + " exists already: another test's, or left over");
      }
      Files.createDirectories(hostDir);
      Files.copy(caCertificate, hostDir.resolve("ca.crt"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + hostDir, e);
    }
    return () -> {
      delete(hostDir);
      if (madeCertsD) {
        try (Stream<Path> left = Files.list(CERTS_D)) {
          if (left.findAny().isEmpty()) {
            Files.delete(CERTS_D);
          }
        }
      }
    };
  }

  /**
   * Removes every container, image and volume (vfs keeps a full copy of every layer), stops the
   * daemon (SIGTERM, then SIGKILL after 20 s) and the containerd it started, unmounts what it left
   * mounted under its directory (a container's network namespace) and deletes the directory.
   */
  @Override
  public void close() {
    List<ProcessHandle> children = process.descendants().toList();
    try {
      if (process.isAlive()) {
        removeEverything();
      }
    } catch (RuntimeException e) {
      // A daemon that no longer answers: stopping it and deleting its directory still go on.
    }
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
      // containerd, started by dockerd, stops with it; one that did not is killed.
      for (ProcessHandle child : children) {
        if (child.isAlive()) {
          child.destroyForcibly();
          child.onExit().get(10, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // A child that would not die: the directory is still removed below, as far as it can be.
    }
    unmountUnder(dir);
    delete(dir);
  }

  private void removeEverything() {
    String containers = docker("ps", "-aq").stdout().strip();
    if (!containers.isEmpty()) {
      List<String> rm = new ArrayList<>(List.of("rm", "-f", "-v"));
      rm.addAll(List.of(containers.split("\\s+")));
      docker(rm.toArray(String[]::new));
    }
    docker("system", "prune", "-a", "-f", "--volumes");
  }

  /** dockerd leaves a container's network namespace bind-mounted under its exec root. */
  private static void unmountUnder(Path dir) {
    List<String> mounts = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] fields = line.split(" ", -1);
        if (fields.length > 4 && fields[4].startsWith(dir + "/")) {
          mounts.add(fields[4]);
        }
      }
    } catch (IOException e) {
      return;
    }
    mounts.sort(Comparator.reverseOrder());
    for (String mount : mounts) {
      try {
        new ProcessBuilder("umount", "-l", mount)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start()
            .waitFor(10, TimeUnit.SECONDS);
      } catch (IOException e) {
        // Deleting the tree below then fails on it, and says so.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void delete(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
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

  @Override
  public String toString() {
    return "DockerDaemon[" + socket() + "]";
  }
}
