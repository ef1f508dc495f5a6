package dev.hoist.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.client.Credentials;
import dev.hoist.oci.RegistryHost;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Docker's client {@code config.json}, read and written the way the {@code docker} CLI does, so
 * that {@code hoist login} and {@code docker login} share credentials.
 *
 * <pre>
 * {"auths": {"https://index.docker.io/v1/": {"auth": base64("user:password")},
 *            "registry.example:5000": {"auth": "...", "identitytoken": "..."}},
 *  "credsStore": "pass",                      every registry through docker-credential-pass
 *  "credHelpers": {"ghcr.io": "ghcr"}}        this registry through docker-credential-ghcr
 * </pre>
 *
 * <p>Docker Hub is stored under {@value #DOCKER_HUB_KEY}; other registries under their {@code
 * host[:port]}. Keys are matched by {@link RegistryHost#forCredentials}: keys written with a scheme
 * or path ({@code https://host/v1/}) are found too, and every spelling of Docker Hub ({@code
 * index.docker.io}, {@code registry-1.docker.io}) finds Docker Hub's credentials. A credential
 * helper is run as {@code docker-credential-<name> get|store|erase} from {@code PATH}, with the
 * server URL or a {@code {"ServerURL","Username","Secret"}} document on standard input; a username
 * of {@code <token>} means the secret is an identity token. Other fields of the file are kept as
 * they are when it is rewritten (atomically, mode 0600).
 */
public final class DockerConfig {
  /** The key Docker uses for Docker Hub. */
  public static final String DOCKER_HUB_KEY = RegistryHost.DOCKER_HUB_CREDENTIALS_KEY;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long HELPER_TIMEOUT_SECONDS = 60;

  private final ClientEnvironment env;
  private final Path file;
  private final ObjectNode root;

  private DockerConfig(ClientEnvironment env, Path file, ObjectNode root) {
    this.env = env;
    this.file = file;
    this.root = root;
  }

  /** Reads {@code config.json} (an absent file is an empty configuration). */
  public static DockerConfig load(ClientEnvironment env) throws ImageException {
    Path file = env.dockerConfigFile();
    ObjectNode root;
    try {
      byte[] bytes = Files.readAllBytes(file);
      JsonNode parsed = bytes.length == 0 ? null : JSON.readTree(bytes);
      if (parsed == null || parsed.isMissingNode()) {
        root = JSON.createObjectNode();
      } else if (parsed instanceof ObjectNode o) {
        root = o;
      } else {
        throw new ImageException(ImageException.Kind.USAGE, file + " must hold a JSON object");
      }
    } catch (NoSuchFileException e) {
      root = JSON.createObjectNode();
    } catch (IOException e) {
      throw new ImageException(
          ImageException.Kind.USAGE, "cannot read " + file + ": " + e.getMessage(), e);
    }
    return new DockerConfig(env, file, root);
  }

  public Path file() {
    return file;
  }

  /**
   * The key (and credential helper server URL) for a registry name: {@link
   * RegistryHost#credentialsKey()}, or the text itself when it names no host.
   */
  public static String serverKey(String registry) {
    return RegistryHost.forCredentials(registry)
        .map(RegistryHost::credentialsKey)
        .orElse(registry.strip());
  }

  /** The credential helper for {@code registry} ({@code credHelpers}, else {@code credsStore}). */
  public Optional<String> helperFor(String registry) {
    Optional<RegistryHost> r = RegistryHost.forCredentials(registry);
    JsonNode helpers = root.path("credHelpers");
    for (Map.Entry<String, JsonNode> e : helpers.properties()) {
      if (sameRegistry(e.getKey(), r) && !e.getValue().asText().isBlank()) {
        return Optional.of(e.getValue().asText());
      }
    }
    String store = root.path("credsStore").asText("");
    return store.isBlank() ? Optional.empty() : Optional.of(store);
  }

  /**
   * The credentials for {@code registry} ({@code docker.io}, {@code host:port}): from its
   * credential helper when one is configured, else from {@code auths}; empty when there are none.
   */
  public Optional<Credentials> credentials(String registry) throws ImageException {
    Optional<String> helper = helperFor(registry);
    if (helper.isPresent()) {
      Optional<Credentials> fromHelper = helperGet(helper.get(), serverKey(registry));
      if (fromHelper.isPresent()) {
        return fromHelper;
      }
    }
    JsonNode entry = authEntry(registry);
    if (entry == null) {
      return Optional.empty();
    }
    String token = entry.path("identitytoken").asText("");
    if (!token.isEmpty()) {
      return Optional.of(Credentials.identityToken(token));
    }
    String auth = entry.path("auth").asText("");
    if (!auth.isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new ImageException(
            ImageException.Kind.USAGE,
            file + ": the auth of " + serverKey(registry) + " is not valid base64");
      }
      int colon = decoded.indexOf(':');
      if (colon <= 0) {
        throw new ImageException(
            ImageException.Kind.USAGE,
            file + ": the auth of " + serverKey(registry) + " is not user:password");
      }
      return Optional.of(
          Credentials.basic(decoded.substring(0, colon), decoded.substring(colon + 1)));
    }
    String user = entry.path("username").asText("");
    String password = entry.path("password").asText("");
    if (!user.isEmpty() && !password.isEmpty()) {
      return Optional.of(Credentials.basic(user, password));
    }
    return Optional.empty();
  }

  /**
   * Stores a login: through the registry's credential helper when one is configured (leaving an
   * empty {@code auths} entry, as Docker does), else as base64 {@code auth} in {@code auths}.
   * Returns where it went, for the message.
   */
  public String storeLogin(String registry, String username, String password)
      throws ImageException {
    String key = serverKey(registry);
    Optional<String> helper = helperFor(registry);
    ObjectNode auths = auths();
    removeAuthEntries(registry);
    if (helper.isPresent()) {
      ObjectNode doc = JSON.createObjectNode();
      doc.put("ServerURL", key);
      doc.put("Username", username);
      doc.put("Secret", password);
      runHelper(helper.get(), "store", doc.toString());
      auths.putObject(key);
      save();
      return "the credential helper docker-credential-" + helper.get();
    }
    auths
        .putObject(key)
        .put(
            "auth",
            Base64.getEncoder()
                .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)));
    save();
    return file.toString();
  }

  /** Removes a login; returns whether there was one. */
  public boolean erase(String registry) throws ImageException {
    boolean had = removeAuthEntries(registry);
    Optional<String> helper = helperFor(registry);
    if (helper.isPresent()) {
      HelperResult r = runHelperRaw(helper.get(), "erase", serverKey(registry));
      if (r.exit() == 0) {
        had = true;
      } else if (!r.notFound()) {
        throw helperFailed(helper.get(), "erase", r);
      }
    }
    if (had) {
      save();
    }
    return had;
  }

  // ---- helpers ----

  private ObjectNode auths() {
    JsonNode a = root.get("auths");
    if (a instanceof ObjectNode o) {
      return o;
    }
    return root.putObject("auths");
  }

  private JsonNode authEntry(String registry) {
    JsonNode auths = root.path("auths");
    JsonNode exact = auths.get(serverKey(registry));
    if (exact != null && exact.isObject()) {
      return exact;
    }
    Optional<RegistryHost> r = RegistryHost.forCredentials(registry);
    for (Map.Entry<String, JsonNode> e : auths.properties()) {
      if (sameRegistry(e.getKey(), r) && e.getValue().isObject()) {
        return e.getValue();
      }
    }
    return null;
  }

  private boolean removeAuthEntries(String registry) {
    JsonNode auths = root.get("auths");
    if (!(auths instanceof ObjectNode o)) {
      return false;
    }
    Optional<RegistryHost> r = RegistryHost.forCredentials(registry);
    List<String> keys = new java.util.ArrayList<>();
    for (Map.Entry<String, JsonNode> e : o.properties()) {
      if (sameRegistry(e.getKey(), r)) {
        keys.add(e.getKey());
      }
    }
    keys.forEach(o::remove);
    return !keys.isEmpty();
  }

  /** Whether a config.json key names {@code registry} (never when either names no host). */
  private static boolean sameRegistry(String key, Optional<RegistryHost> registry) {
    return registry.isPresent() && RegistryHost.forCredentials(key).equals(registry);
  }

  private void save() throws ImageException {
    try {
      Files.createDirectories(file.getParent());
      Path temp = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID());
      try {
        Files.createFile(
            temp,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(temp, JSON.writer(dockerStyle()).writeValueAsBytes(root));
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException | UnsupportedOperationException e) {
      throw new ImageException(ImageException.Kind.OTHER, "cannot write " + file + ": " + e, e);
    }
  }

  /** Tab indents and {@code "key": value}, as the docker CLI writes config.json. */
  private static com.fasterxml.jackson.core.util.DefaultPrettyPrinter dockerStyle() {
    com.fasterxml.jackson.core.util.DefaultIndenter tab =
        new com.fasterxml.jackson.core.util.DefaultIndenter("\t", "\n");
    return new com.fasterxml.jackson.core.util.DefaultPrettyPrinter()
        .withSeparators(
            com.fasterxml.jackson.core.util.Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(
                    com.fasterxml.jackson.core.util.Separators.Spacing.AFTER)
                .withObjectEmptySeparator(""))
        .withObjectIndenter(tab)
        .withArrayIndenter(tab);
  }

  private Optional<Credentials> helperGet(String helper, String serverUrl) throws ImageException {
    HelperResult r = runHelperRaw(helper, "get", serverUrl);
    if (r.exit() != 0) {
      if (r.notFound()) {
        return Optional.empty();
      }
      throw helperFailed(helper, "get", r);
    }
    JsonNode doc;
    try {
      doc = JSON.readTree(r.stdout());
    } catch (IOException e) {
      throw new ImageException(
          ImageException.Kind.AUTH,
          "docker-credential-" + helper + " get answered something that is not JSON");
    }
    String user = doc.path("Username").asText("");
    String secret = doc.path("Secret").asText("");
    if (secret.isEmpty()) {
      return Optional.empty();
    }
    if (user.equals("<token>")) {
      return Optional.of(Credentials.identityToken(secret));
    }
    if (user.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(Credentials.basic(user, secret));
  }

  private void runHelper(String helper, String verb, String input) throws ImageException {
    HelperResult r = runHelperRaw(helper, verb, input);
    if (r.exit() != 0) {
      throw helperFailed(helper, verb, r);
    }
  }

  private record HelperResult(int exit, String stdout, String stderr) {
    boolean notFound() {
      String all = (stdout + " " + stderr).toLowerCase(java.util.Locale.ROOT);
      return all.contains("credentials not found");
    }
  }

  private HelperResult runHelperRaw(String helper, String verb, String input)
      throws ImageException {
    String name = "docker-credential-" + helper;
    Path exe =
        env.findExecutable(name)
            .orElseThrow(
                () ->
                    new ImageException(
                        ImageException.Kind.AUTH,
                        "credential helper "
                            + name
                            + " (configured in "
                            + file
                            + ") is not on PATH"));
    ProcessBuilder pb = new ProcessBuilder(List.of(exe.toString(), verb));
    pb.environment().clear();
    pb.environment().putAll(env.env());
    try {
      Process p = pb.start();
      try (var in = p.getOutputStream()) {
        in.write(input.getBytes(StandardCharsets.UTF_8));
      }
      // Small outputs; read both before waiting.
      byte[] out = readAll(p.getInputStream());
      byte[] err = readAll(p.getErrorStream());
      if (!p.waitFor(HELPER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new ImageException(
            ImageException.Kind.AUTH, name + " " + verb + " did not finish in time");
      }
      return new HelperResult(
          p.exitValue(),
          new String(out, StandardCharsets.UTF_8).strip(),
          new String(err, StandardCharsets.UTF_8).strip());
    } catch (IOException e) {
      throw new ImageException(
          ImageException.Kind.AUTH, "cannot run " + name + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException(ImageException.Kind.OTHER, name + " interrupted", e);
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      return in.readNBytes(1 << 20);
    }
  }

  private static ImageException helperFailed(String helper, String verb, HelperResult r) {
    String said = !r.stdout().isEmpty() ? r.stdout() : r.stderr();
    return new ImageException(
        ImageException.Kind.AUTH,
        "docker-credential-"
            + helper
            + " "
            + verb
            + " failed (exit "
            + r.exit()
            + ")"
            + (said.isEmpty() ? "" : ": " + said.lines().findFirst().orElse("")));
  }
}
