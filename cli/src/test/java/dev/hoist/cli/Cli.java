package dev.hoist.cli;

import dev.hoist.images.ClientEnvironment;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * Runs {@code hoist} in-process against a private environment under one directory: its own HOME,
 * image store, Docker config, Hoist client config and daemon.json path, so nothing of the machine's
 * configuration is read.
 */
final class Cli {
  /** The client commands: {@code serve} is {@code app}'s, and runs as a process there. */
  static final List<Class<?>> CLIENT_COMMANDS = HoistCli.subcommands(List.of());

  record Run(int exit, String out, String err) {
    String all() {
      return out + err;
    }
  }

  private final Path dir;
  private final Map<String, String> env = new HashMap<>();
  private String stdin = "";
  private boolean terminal;
  private ByteArrayOutputStream stdout = new ByteArrayOutputStream();

  Cli(Path dir) throws IOException {
    this.dir = dir;
    Files.createDirectories(dir.resolve("home"));
    env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    env.put("HOME", dir.resolve("home").toString());
    env.put("HOIST_ROOT", store().toString());
    env.put("DOCKER_CONFIG", dir.resolve("docker").toString());
    env.put("HOIST_CONFIG", dir.resolve("client.json").toString());
    env.put("HOIST_DOCKER_DAEMON_JSON", dir.resolve("daemon.json").toString());
    env.put("HOIST_MIRROR_TIMEOUT", "5");
  }

  Path store() {
    return dir.resolve("store");
  }

  Path dockerConfigJson() {
    return dir.resolve("docker").resolve("config.json");
  }

  Path clientJson() {
    return dir.resolve("client.json");
  }

  Path daemonJson() {
    return dir.resolve("daemon.json");
  }

  Map<String, String> env() {
    return env;
  }

  Cli env(String name, String value) {
    env.put(name, value);
    return this;
  }

  Cli stdin(String text) {
    this.stdin = text;
    return this;
  }

  /** Whether the commands see standard output as a terminal (not by default). */
  Cli terminal(boolean terminal) {
    this.terminal = terminal;
    return this;
  }

  /** What the last run wrote to standard output as bytes (save's archive), not as text. */
  byte[] stdoutBytes() {
    return stdout.toByteArray();
  }

  Run run(String... args) {
    ClientEnvironment e =
        new ClientEnvironment(
            env,
            dir.resolve("home"),
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            terminal);
    stdout = new ByteArrayOutputStream();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = HoistCli.commandLine(CLIENT_COMMANDS, new HoistCommand(e, stdout), args);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }
}
