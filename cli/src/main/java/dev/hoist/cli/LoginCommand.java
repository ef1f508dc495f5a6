package dev.hoist.cli;

import dev.hoist.client.Credentials;
import dev.hoist.client.RegistryException;
import dev.hoist.images.ClientConfig;
import dev.hoist.images.ClientEnvironment;
import dev.hoist.images.DockerConfig;
import dev.hoist.images.ImageException;
import dev.hoist.images.RegistryAccess;
import dev.hoist.oci.RegistryHost;
import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hoist login}: checks credentials with a registry and stores them as Docker does. */
@Command(
    name = "login",
    mixinStandardHelpOptions = true,
    description = {
      "Log in to a registry (default docker.io): the credentials are checked against its /v2/,"
          + " then stored in Docker's config.json ($DOCKER_CONFIG or ~/.docker), or in the"
          + " credential helper that config.json names (credsStore, credHelpers)."
    })
final class LoginCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @ParentCommand HoistCommand parent;

  @Option(
      names = {"-u", "--username"},
      paramLabel = "USER",
      description = "The username (asked for on a terminal when missing).")
  String username;

  @Option(
      names = {"-p", "--password"},
      paramLabel = "PASSWORD",
      description =
          "The password; visible to other users of this machine, prefer --password-stdin.")
  String password;

  @Option(names = "--password-stdin", description = "Read the password from standard input.")
  boolean passwordStdin;

  @Option(
      names = "--insecure-registry",
      paramLabel = "HOST[:PORT]",
      description = "Allow plain HTTP or unverified TLS for this registry (repeatable).")
  List<String> insecureRegistries = new ArrayList<>();

  @Parameters(arity = "0..1", paramLabel = "REGISTRY", description = "host[:port], or docker.io.")
  String registry;

  @Override
  public Integer call() throws ImageException, IOException {
    ClientEnvironment env = parent.environment();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String name = registryName(registry);
    if (password != null && passwordStdin) {
      throw new ParameterException(
          spec.commandLine(), "--password and --password-stdin are mutually exclusive");
    }
    if (password != null) {
      err.println("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
      err.flush();
    }
    String user = username;
    String secret = password;
    Console console = System.console();
    if (passwordStdin) {
      if (user == null) {
        throw new ParameterException(spec.commandLine(), "--password-stdin needs --username");
      }
      secret = new String(env.stdin().readAllBytes(), StandardCharsets.UTF_8);
      secret = stripLineEnd(secret);
    }
    if (user == null || secret == null) {
      if (console == null || !env.terminal()) {
        throw new ImageException(
            ImageException.Kind.USAGE,
            "Cannot perform an interactive login from a non TTY device (use -u and"
                + " --password-stdin)");
      }
      if (user == null) {
        user = console.readLine("Username: ");
      }
      if (secret == null) {
        char[] p = console.readPassword("Password: ");
        secret = p == null ? "" : new String(p);
      }
    }
    if (user == null || user.isBlank()) {
      throw new ImageException(ImageException.Kind.USAGE, "a username is required");
    }
    if (secret.isEmpty()) {
      throw new ImageException(ImageException.Kind.USAGE, "a password is required");
    }
    Credentials credentials;
    try {
      credentials = Credentials.basic(user.strip(), secret);
    } catch (IllegalArgumentException e) {
      throw new ImageException(ImageException.Kind.USAGE, e.getMessage(), e);
    }
    DockerConfig docker = DockerConfig.load(env);
    ClientConfig config = ClientConfig.load(env).withInsecure(insecureRegistries);
    try (RegistryAccess access = new RegistryAccess(env, config, docker)) {
      access.origin(name, credentials).ping();
    } catch (RegistryException e) {
      ImageException.Kind kind =
          switch (ExitCodes.forRegistry(e)) {
            case ExitCodes.AUTH -> ImageException.Kind.AUTH;
            case ExitCodes.NETWORK -> ImageException.Kind.NETWORK;
            case ExitCodes.NOT_FOUND -> ImageException.Kind.NOT_FOUND;
            default -> ImageException.Kind.OTHER;
          };
      throw new ImageException(kind, "login to " + name + " failed: " + e.getMessage(), e);
    }
    docker.storeLogin(name, user.strip(), secret);
    out.println("Login Succeeded");
    out.flush();
    return ExitCodes.OK;
  }

  /**
   * {@code docker.io} for none or any Docker Hub spelling, else {@code host[:port]}: the registry
   * whose credentials are stored, read by {@link RegistryHost#forCredentials}.
   */
  static String registryName(String given) {
    if (given == null || given.isBlank()) {
      return RegistryHost.DOCKER_HUB.value();
    }
    return RegistryHost.forCredentials(given)
        .orElseThrow(() -> new IllegalArgumentException("invalid registry '" + given + "'"))
        .value();
  }

  private static String stripLineEnd(String s) {
    String r = s;
    if (r.endsWith("\n")) {
      r = r.substring(0, r.length() - 1);
    }
    if (r.endsWith("\r")) {
      r = r.substring(0, r.length() - 1);
    }
    return r;
  }
}
