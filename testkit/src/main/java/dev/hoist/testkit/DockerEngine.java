package dev.hoist.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private Docker daemon (Debian's {@code dockerd}) for integration tests, and its CLI.
 *
 * <p>{@code dockerd --storage-driver vfs --iptables=false --bridge=none} with its own data root,
 * exec root, pid file, empty {@code daemon.json} and {@code unix://} socket, all in one directory
 * under {@code /tmp} (a short path: a unix socket's path is limited to about 100 bytes). Without a
 * bridge, containers run with {@code --network host} and listen on 127.0.0.1. The CLI runs with a
 * private {@code DOCKER_CONFIG}, so neither the machine's daemon nor its settings are touched.
 *
 * <p>{@link #close()} removes every container, image and volume, stops the daemon (and the
 * containerd it started), unmounts what it left mounted and deletes the directory: vfs keeps a full
 * copy of every layer.
 *
 * <p>A missing {@code dockerd} or {@code docker} is an error (tests never skip), as is a daemon
 * that does not answer within 60 seconds; both say what was tried, with the daemon's log.
 */
public final class DockerEngine implements AutoCloseable {
  public static final Path DOCKERD = Path.of("/usr/sbin/dockerd");
  public static final Path DOCKER = Path.of("/usr/bin/docker");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(3);

  private final Path dir;
  private final Process daemon;
  private boolean closed;

  /** What one {@code docker} command did. */
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

  private DockerEngine(Path dir, Process daemon) {
    this.dir = dir;
    this.daemon = daemon;
  }

  /** Starts a daemon and waits until it answers {@code docker version}. */
  public static DockerEngine start() {
    for (Path tool : List.of(DOCKERD, DOCKER)) {
      if (!Files.isExecutable(tool)) {
        throw new IllegalStateException(
            tool + " not found: integration tests need Docker (Debian: apt-get install docker.io)");
      }
    }
    Path dir;
    try {
      dir = Files.createTempDirectory(Path.of("/tmp"), "hd-");
      Files.createDirectories(dir.resolve("data"));
      Files.createDirectories(dir.resolve("exec"));
      Files.createDirectories(dir.resolve("cli"));
      Files.writeString(dir.resolve("daemon.json"), "{}\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare a directory for dockerd", e);
    }
    Process daemon;
    try {
      daemon =
          new ProcessBuilder(
                  DOCKERD.toString(),
                  "--config-file",
                  dir.resolve("daemon.json").toString(),
                  "--storage-driver",
                  "vfs",
                  "--iptables=false",
                  "--ip6tables=false",
                  "--bridge=none",
                  "--data-root",
                  dir.resolve("data").toString(),
                  "--exec-root",
                  dir.resolve("exec").toString(),
                  "--pidfile",
                  dir.resolve("dockerd.pid").toString(),
                  "-H",
                  "unix://" + dir.resolve("s"))
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("dockerd.log").toFile())
              .start();
    } catch (IOException e) {
      deleteTree(dir);
      throw new UncheckedIOException("cannot start " + DOCKERD, e);
    }
    DockerEngine engine = new DockerEngine(dir, daemon);
    try {
      engine.awaitReady();
    } catch (RuntimeException e) {
      engine.close();
      throw e;
    }
    return engine;
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!daemon.isAlive()) {
        throw new IllegalStateException("dockerd exited at start:\n" + logTail());
      }
      if (Files.exists(dir.resolve("s")) && run("version").succeeded()) {
        return;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for dockerd", e);
      }
    }
    throw new IllegalStateException(
        "dockerd did not answer within " + START_TIMEOUT.toSeconds() + " s:\n" + logTail());
  }

  /** The daemon's address, for {@code docker -H}. */
  public String host() {
    return "unix://" + dir.resolve("s");
  }

  /** The last part of the daemon's log, for failure messages. */
  public String logTail() {
    try {
      String log = Files.readString(dir.resolve("dockerd.log"), StandardCharsets.UTF_8);
      return log.length() > 8000 ? log.substring(log.length() - 8000) : log;
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Runs {@code docker ARGS} against this daemon. */
  public synchronized Result run(String... args) {
    List<String> command = new ArrayList<>();
    command.add(DOCKER.toString());
    command.add("-H");
    command.add(host());
    command.addAll(List.of(args));
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectOutput(dir.resolve("cli.out").toFile())
              .redirectError(dir.resolve("cli.err").toFile());
      Map<String, String> env = builder.environment();
      env.put("DOCKER_CONFIG", dir.resolve("cli").toString());
      env.remove("DOCKER_HOST");
      env.remove("DOCKER_CONTEXT");
      Process p = builder.start();
      if (!p.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        return new Result(command, -1, read("cli.out"), read("cli.err") + "\n(timed out)");
      }
      return new Result(command, p.exitValue(), read("cli.out"), read("cli.err"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command, e);
    }
  }

  /** Runs {@code docker ARGS} and fails with its output unless it succeeds; returns stdout. */
  public String checked(String... args) {
    Result r = run(args);
    if (!r.succeeded()) {
      throw new IllegalStateException("docker failed:\n" + r.describe());
    }
    return r.stdout();
  }

  private String read(String name) throws IOException {
    return Files.readString(dir.resolve(name), StandardCharsets.UTF_8);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (daemon.isAlive()) {
        String containers = run("ps", "-aq").stdout().strip();
        if (!containers.isEmpty()) {
          List<String> rm = new ArrayList<>(List.of("rm", "-f", "-v"));
          rm.addAll(List.of(containers.split("\\s+")));
          run(rm.toArray(String[]::new));
        }
        run("system", "prune", "-a", "-f", "--volumes");
        daemon.destroy();
        if (!daemon.waitFor(30, TimeUnit.SECONDS)) {
          daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      daemon.destroyForcibly();
    } finally {
      unmountUnder(dir);
      deleteTree(dir);
    }
  }

  /** dockerd leaves its network namespace bind-mounted under the exec root; unmount it. */
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

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete dockerd's directory " + dir, e);
    }
  }
}
