package dev.hoist.images;

import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the client commands read from the outside world, gathered in one value so tests can supply
 * their own: environment variables, the home directory, standard input, and whether standard output
 * is a terminal.
 *
 * <p>Files it locates, each overridable by an environment variable:
 *
 * <ul>
 *   <li>the image store: {@code $HOIST_ROOT}, {@code $XDG_DATA_HOME/hoist}, {@code
 *       ~/.local/share/hoist};
 *   <li>Hoist's client config: {@code $HOIST_CONFIG}, {@code $XDG_CONFIG_HOME/hoist/client.json},
 *       {@code ~/.config/hoist/client.json};
 *   <li>Docker's client config: {@code $DOCKER_CONFIG/config.json}, {@code ~/.docker/config.json};
 *   <li>Docker's daemon config (for {@code registry-mirrors}): {@code $HOIST_DOCKER_DAEMON_JSON},
 *       {@code /etc/docker/daemon.json}.
 * </ul>
 */
public record ClientEnvironment(
    Map<String, String> env, Path home, InputStream stdin, boolean terminal) {

  public ClientEnvironment {
    env = Map.copyOf(env);
    Objects.requireNonNull(home, "home");
    Objects.requireNonNull(stdin, "stdin");
  }

  /** The real process environment; a terminal as {@link #consoleIsTerminal} decides. */
  public static ClientEnvironment system() {
    return new ClientEnvironment(
        System.getenv(),
        Path.of(System.getProperty("user.home", "/")),
        System.in,
        consoleIsTerminal());
  }

  /**
   * Whether standard input and output are a terminal. Up to JDK 21 {@link System#console()} is null
   * otherwise; JDK 22 returns a console for redirected streams too (its JLine console), and says
   * which with {@code Console.isTerminal()}, called by reflection as the build targets Java 21.
   */
  @SuppressWarnings("SystemConsoleNull") // null is one answer; isTerminal() is the other
  static boolean consoleIsTerminal() {
    java.io.Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true; // before JDK 22: a console exists only for a terminal
    }
  }

  public ClientEnvironment withEnv(String name, String value) {
    java.util.HashMap<String, String> e = new java.util.HashMap<>(env);
    e.put(name, value);
    return new ClientEnvironment(e, home, stdin, terminal);
  }

  public ClientEnvironment withStdin(InputStream in) {
    return new ClientEnvironment(env, home, in, terminal);
  }

  public Optional<String> get(String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v);
  }

  /** The default image store root. */
  public Path storeRoot() {
    return ImageStore.defaultRoot(env, home);
  }

  /** Hoist's client configuration file (may not exist). */
  public Path hoistConfigFile() {
    Optional<String> explicit = get("HOIST_CONFIG");
    if (explicit.isPresent()) {
      return Path.of(explicit.get());
    }
    Optional<String> xdg = get("XDG_CONFIG_HOME").filter(p -> Path.of(p).isAbsolute());
    Path base = xdg.map(Path::of).orElse(home.resolve(".config"));
    return base.resolve("hoist").resolve("client.json");
  }

  /** Docker's {@code config.json} (may not exist). */
  public Path dockerConfigFile() {
    return get("DOCKER_CONFIG")
        .map(Path::of)
        .orElse(home.resolve(".docker"))
        .resolve("config.json");
  }

  /** Docker daemon's {@code daemon.json} (may not exist). */
  public Path dockerDaemonJson() {
    return get("HOIST_DOCKER_DAEMON_JSON").map(Path::of).orElse(Path.of("/etc/docker/daemon.json"));
  }

  /** An executable named {@code name} on {@code $PATH}, if there is one. */
  public Optional<Path> findExecutable(String name) {
    String path = env.getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir).resolve(name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
