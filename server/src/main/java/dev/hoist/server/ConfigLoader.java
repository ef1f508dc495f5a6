package dev.hoist.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hoist.accelerator.AcceleratorConfig;
import dev.hoist.auth.AccessRule;
import dev.hoist.auth.AnonymousPull;
import dev.hoist.auth.AuthConfig;
import dev.hoist.mirror.FreshnessRule;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.oci.RepositoryName;
import dev.hoist.sync.SyncConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a {@link ServerConfig}: defaults, then the YAML file, then environment variables, then
 * flags; each later source wins. Every value is checked here, and a bad one fails with a message
 * that names the setting.
 *
 * <pre>
 * # hoist.yaml                       environment variable
 * listen: 127.0.0.1:5000             HOIST_LISTEN
 * dataDir: ./hoist-data              HOIST_DATA_DIR
 * shutdownGrace: 10s                 HOIST_SHUTDOWN_GRACE
 * registry:
 *   deleteEnabled: true              HOIST_DELETE_ENABLED
 *   uploadPurgeAge: 24h              HOIST_UPLOAD_PURGE_AGE
 * mirror:                            HOIST_MIRROR=docker.io=http://127.0.0.1:5001,ghcr.io
 *   upstreams:                       (flag: --mirror NAME[=URL], repeatable)
 *     - name: docker.io              known: docker.io ghcr.io quay.io gcr.io registry.k8s.io
 *       url: https://...             mcr.microsoft.com (their URL is known); others need url
 *       username: ...                optional credentials for the upstream
 *       password: ...
 *       authHosts: [auth.docker.io]  other hosts allowed to receive them (token services)
 *   defaultUpstream: docker.io       where names that name no registry go; "none": stay local
 *   hosted: [team]                   prefixes that stay local and writable
 *   negativeTtl: 30s                 how long an upstream's "no such tag" is remembered
 *   prefetchSiblings: false          fetch every platform of an index when one is pulled
 *   freshness:                       first match wins; then 5m fresh, 0s SWR, 7d stale-if-error
 *     - {repository: "docker.io/library/*", tag: "latest", fresh: 1m,
 *        staleWhileRevalidate: 30s, staleIfError: 7d}
 * sync:                              see dev.hoist.sync.SyncConfig#fromTree
 *   api: {enabled: true}             default: true only when listening on loopback
 *   concurrency: 4                   sync requests in flight per upstream
 *   requestsPerMinute: 600           sync requests started per minute per upstream
 *   maxBackoff: 5m                   longest wait after a 429
 *   prewarm: {topK: 20, window: 24h, lead: 30s}
 *   rules: [{name: alpine, upstream: docker.io, repositories: [library/alpine], ...}]
 * auth:                              token auth for /v2/ (dev.hoist.auth)
 *   enabled: false                   HOIST_AUTH_ENABLED
 *   htpasswd: ./users.htpasswd       HOIST_AUTH_HTPASSWD (bcrypt entries only; relative to file)
 *   service: hoist                   the service name in challenges
 *   issuer: hoist                    the tokens' iss (default: the service)
 *   tokenTtl: 5m                     at least 60s
 *   tokenKey: ./token-key.pem        PKCS#8 RSA key; default <dataDir>/auth/token-key.pem (made)
 *   anonymousPull: mirrored          mirrored | all | none
 *   admins: [root]                   users that may do everything
 *   trustedProxies: [10.0.0.1]       addresses/CIDRs whose X-Forwarded-Host/-Proto count
 *   rules:                           more access per repository prefix
 *     - {prefix: "team/", users: [alice, bob], groups: [dev], actions: [pull, push]}
 * accelerator:                       tenants, quotas, console (dev.hoist.accelerator; docs/api.md)
 *   enabled: true                    a present section means true
 *   baseDomain: m.example.com        tenants at <id>.m.example.com (and /m/<id>/v2/ always)
 *   defaultQuota: 10GiB              per tenant and period
 *   inviteBonus: 5GiB                added to both inviter and invitee
 *   period: none                     none | monthly (resets on the 1st, 00:00 UTC)
 *   signup: open                     open | closed (closed: only with an invitation)
 *   serveWithoutTenant: true         false: /v2/ only through tenant addresses
 *   trustedProxies: [10.0.0.1]       whose X-Forwarded-Host/-Proto count
 *   admins: [ops@example.com]        accounts that administer the accelerator
 *   flushInterval: 2s                usage written to the database this often
 *   publicUrl: https://hoist.example.com   for the snippets (default: from each request)
 * </pre>
 */
public final class ConfigLoader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> TOP_LEVEL =
      Set.of(
          "listen",
          "dataDir",
          "shutdownGrace",
          "registry",
          "mirror",
          "auth",
          "sync",
          "accelerator");
  private static final Set<String> MIRROR =
      Set.of(
          "upstreams", "defaultUpstream", "hosted", "negativeTtl", "prefetchSiblings", "freshness");
  private static final Set<String> UPSTREAM =
      Set.of("name", "url", "username", "password", "authHosts");
  private static final Set<String> FRESHNESS =
      Set.of("repository", "tag", "fresh", "staleWhileRevalidate", "staleIfError");
  private static final Set<String> REGISTRY = Set.of("deleteEnabled", "uploadPurgeAge");
  private static final Set<String> AUTH =
      Set.of(
          "enabled",
          "htpasswd",
          "service",
          "issuer",
          "tokenTtl",
          "rules",
          "trustedProxies",
          "anonymousPull",
          "admins",
          "tokenKey");
  private static final Set<String> AUTH_RULE = Set.of("prefix", "users", "groups", "actions");
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  private static final Pattern HOST_PORT =
      Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[^:\\[\\]]*):(\\d{1,5})");

  /** Command-line values; null (or empty) means "not given". */
  public record Flags(String listen, Path dataDir, List<String> mirrors) {
    public Flags {
      mirrors = mirrors == null ? List.of() : List.copyOf(mirrors);
    }

    public Flags(String listen, Path dataDir) {
      this(listen, dataDir, List.of());
    }

    public static Flags none() {
      return new Flags(null, null, List.of());
    }
  }

  private ConfigLoader() {}

  public static ServerConfig load(Path file, Map<String, String> env, Flags flags) {
    ServerConfig config = ServerConfig.defaults();
    if (file != null) {
      config = applyFile(config, file);
    }
    config = applyEnv(config, env);
    if (flags.listen() != null) {
      config = withListen(config, "--listen", flags.listen());
    }
    if (flags.dataDir() != null) {
      config = config.withDataDir(flags.dataDir());
    }
    if (!flags.mirrors().isEmpty()) {
      config = withMirrorSpecs(config, "--mirror", flags.mirrors());
    }
    return config;
  }

  private static ServerConfig applyFile(ServerConfig config, Path file) {
    JsonNode root;
    try {
      root = YAML.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new ConfigException("--config", "cannot read " + file + ": " + e.getMessage());
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return config;
    }
    if (!root.isObject()) {
      throw new ConfigException("--config", file + " is not a YAML mapping");
    }
    checkKeys(root, TOP_LEVEL, "");
    if (root.has("listen")) {
      config = withListen(config, "listen", text(root, "listen", "listen"));
    }
    if (root.has("dataDir")) {
      Path dir = Path.of(text(root, "dataDir", "dataDir"));
      // A relative dataDir in a file means relative to that file, not to wherever hoist started.
      Path base = file.toAbsolutePath().getParent();
      config = config.withDataDir(dir.isAbsolute() || base == null ? dir : base.resolve(dir));
    }
    if (root.has("shutdownGrace")) {
      config =
          config.withShutdownGrace(
              duration("shutdownGrace", text(root, "shutdownGrace", "shutdownGrace")));
    }
    JsonNode mirror = root.get("mirror");
    if (mirror != null && !mirror.isNull()) {
      config = config.withMirror(mirror(mirror));
    }
    JsonNode auth = root.get("auth");
    if (auth != null && !auth.isNull()) {
      config = config.withAuth(auth(config.auth(), auth, file.toAbsolutePath().getParent()));
    }
    JsonNode accelerator = root.get("accelerator");
    if (accelerator != null && !accelerator.isNull()) {
      try {
        config = config.withAccelerator(AcceleratorConfig.fromTree(accelerator));
      } catch (IllegalArgumentException | ArithmeticException e) {
        throw new ConfigException("accelerator", e.getMessage());
      }
    }
    JsonNode sync = root.get("sync");
    if (sync != null && !sync.isNull()) {
      try {
        config = config.withSync(SyncConfig.fromTree(sync));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("sync", e.getMessage());
      }
    }
    JsonNode registry = root.get("registry");
    if (registry != null && !registry.isNull()) {
      if (!registry.isObject()) {
        throw new ConfigException("registry", "must be a mapping");
      }
      checkKeys(registry, REGISTRY, "registry.");
      if (registry.has("deleteEnabled")) {
        config =
            config.withDeleteEnabled(
                bool("registry.deleteEnabled", registry.get("deleteEnabled").asText()));
      }
      if (registry.has("uploadPurgeAge")) {
        config =
            config.withUploadPurgeAge(
                duration(
                    "registry.uploadPurgeAge",
                    text(registry, "uploadPurgeAge", "registry.uploadPurgeAge")));
      }
    }
    return config;
  }

  private static ServerConfig applyEnv(ServerConfig config, Map<String, String> env) {
    String listen = env.get("HOIST_LISTEN");
    if (listen != null) {
      config = withListen(config, "HOIST_LISTEN", listen);
    }
    String dataDir = env.get("HOIST_DATA_DIR");
    if (dataDir != null) {
      if (dataDir.isBlank()) {
        throw new ConfigException("HOIST_DATA_DIR", "must not be empty");
      }
      config = config.withDataDir(Path.of(dataDir));
    }
    String delete = env.get("HOIST_DELETE_ENABLED");
    if (delete != null) {
      config = config.withDeleteEnabled(bool("HOIST_DELETE_ENABLED", delete));
    }
    String purge = env.get("HOIST_UPLOAD_PURGE_AGE");
    if (purge != null) {
      config = config.withUploadPurgeAge(duration("HOIST_UPLOAD_PURGE_AGE", purge));
    }
    String mirrors = env.get("HOIST_MIRROR");
    if (mirrors != null && !mirrors.isBlank()) {
      config = withMirrorSpecs(config, "HOIST_MIRROR", List.of(mirrors.split(",")));
    }
    String authEnabled = env.get("HOIST_AUTH_ENABLED");
    if (authEnabled != null) {
      config = config.withAuth(config.auth().withEnabled(bool("HOIST_AUTH_ENABLED", authEnabled)));
    }
    String htpasswd = env.get("HOIST_AUTH_HTPASSWD");
    if (htpasswd != null && !htpasswd.isBlank()) {
      config = config.withAuth(config.auth().withHtpasswd(Path.of(htpasswd)));
    }
    String grace = env.get("HOIST_SHUTDOWN_GRACE");
    if (grace != null) {
      config = config.withShutdownGrace(duration("HOIST_SHUTDOWN_GRACE", grace));
    }
    return config;
  }

  private static MirrorConfig mirror(JsonNode node) {
    if (!node.isObject()) {
      throw new ConfigException("mirror", "must be a mapping");
    }
    checkKeys(node, MIRROR, "mirror.");
    List<Upstream> upstreams = new ArrayList<>();
    JsonNode list = node.get("upstreams");
    if (list != null && !list.isNull()) {
      if (!list.isArray()) {
        throw new ConfigException("mirror.upstreams", "must be a list");
      }
      for (int i = 0; i < list.size(); i++) {
        upstreams.add(upstream(list.get(i), "mirror.upstreams[" + i + "]"));
      }
    }
    MirrorConfig config;
    try {
      config = MirrorConfig.of(upstreams);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("mirror.upstreams", e.getMessage());
    }
    if (node.has("defaultUpstream")) {
      String name = text(node, "defaultUpstream", "mirror.defaultUpstream");
      try {
        config = config.withDefaultUpstream(name.equals("none") ? null : name);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("mirror.defaultUpstream", e.getMessage());
      }
    }
    if (node.has("hosted")) {
      List<String> prefixes = new ArrayList<>();
      JsonNode hosted = node.get("hosted");
      if (!hosted.isArray()) {
        throw new ConfigException("mirror.hosted", "must be a list of repository prefixes");
      }
      for (JsonNode p : hosted) {
        try {
          prefixes.add(RepositoryName.of(p.asText()).value());
        } catch (IllegalArgumentException e) {
          throw new ConfigException("mirror.hosted", e.getMessage());
        }
      }
      try {
        config = config.withHostedPrefixes(prefixes);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("mirror.hosted", e.getMessage());
      }
    }
    if (node.has("negativeTtl")) {
      config =
          config.withNegativeTtl(
              duration("mirror.negativeTtl", text(node, "negativeTtl", "mirror.negativeTtl")));
    }
    if (node.has("prefetchSiblings")) {
      config =
          config.withPrefetchSiblings(
              bool("mirror.prefetchSiblings", node.get("prefetchSiblings").asText()));
    }
    JsonNode freshness = node.get("freshness");
    if (freshness != null && !freshness.isNull()) {
      if (!freshness.isArray()) {
        throw new ConfigException("mirror.freshness", "must be a list of rules");
      }
      List<FreshnessRule> rules = new ArrayList<>();
      for (int i = 0; i < freshness.size(); i++) {
        rules.add(freshnessRule(freshness.get(i), "mirror.freshness[" + i + "]"));
      }
      config = config.withFreshnessRules(rules);
    }
    return config;
  }

  private static AuthConfig auth(AuthConfig defaults, JsonNode node, Path base) {
    if (!node.isObject()) {
      throw new ConfigException("auth", "must be a mapping");
    }
    checkKeys(node, AUTH, "auth.");
    try {
      List<AccessRule> rules = new ArrayList<>();
      JsonNode list = node.get("rules");
      if (list != null && !list.isNull()) {
        if (!list.isArray()) {
          throw new ConfigException("auth.rules", "must be a list of rules");
        }
        for (int i = 0; i < list.size(); i++) {
          String setting = "auth.rules[" + i + "]";
          JsonNode r = list.get(i);
          if (!r.isObject()) {
            throw new ConfigException(setting, "must be a mapping");
          }
          checkKeys(r, AUTH_RULE, setting + ".");
          try {
            rules.add(
                new AccessRule(
                    r.has("prefix") ? r.get("prefix").asText() : "",
                    Set.copyOf(strings(r, "users", setting + ".users")),
                    Set.copyOf(strings(r, "groups", setting + ".groups")),
                    Set.copyOf(strings(r, "actions", setting + ".actions"))));
          } catch (IllegalArgumentException e) {
            if (e instanceof ConfigException ce) {
              throw ce;
            }
            throw new ConfigException(setting, e.getMessage());
          }
        }
      }
      return new AuthConfig(
          node.has("enabled")
              ? bool("auth.enabled", node.get("enabled").asText())
              : defaults.enabled(),
          node.has("htpasswd")
              ? relativeTo(base, text(node, "htpasswd", "auth.htpasswd"))
              : defaults.htpasswd(),
          node.has("service") ? text(node, "service", "auth.service") : defaults.service(),
          node.has("issuer") ? text(node, "issuer", "auth.issuer") : null,
          node.has("tokenTtl")
              ? duration("auth.tokenTtl", text(node, "tokenTtl", "auth.tokenTtl"))
              : defaults.tokenTtl(),
          rules,
          node.has("trustedProxies")
              ? strings(node, "trustedProxies", "auth.trustedProxies")
              : defaults.trustedProxies(),
          node.has("anonymousPull")
              ? anonymousPull(text(node, "anonymousPull", "auth.anonymousPull"))
              : defaults.anonymousPull(),
          node.has("admins")
              ? Set.copyOf(strings(node, "admins", "auth.admins"))
              : defaults.admins(),
          node.has("tokenKey")
              ? relativeTo(base, text(node, "tokenKey", "auth.tokenKey"))
              : defaults.tokenKey());
    } catch (ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      // AuthConfig's messages start with the setting they are about.
      String message = e.getMessage();
      int colon = message.indexOf(": ");
      if (message.startsWith("auth.") && colon > 0) {
        throw new ConfigException(message.substring(0, colon), message.substring(colon + 2));
      }
      throw new ConfigException("auth", message);
    }
  }

  private static AnonymousPull anonymousPull(String value) {
    try {
      return AnonymousPull.parse(value);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("auth.anonymousPull", e.getMessage());
    }
  }

  private static Path relativeTo(Path base, String value) {
    Path p = Path.of(value);
    return p.isAbsolute() || base == null ? p : base.resolve(p);
  }

  private static List<String> strings(JsonNode node, String field, String setting) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!v.isArray()) {
      throw new ConfigException(setting, "must be a list");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : v) {
      if (e.isContainerNode() || e.asText().isBlank()) {
        throw new ConfigException(setting, "must be a list of non-empty values");
      }
      out.add(e.asText().trim());
    }
    return out;
  }

  private static Upstream upstream(JsonNode node, String setting) {
    if (node.isTextual()) {
      return upstreamSpec(setting, node.asText());
    }
    if (!node.isObject()) {
      throw new ConfigException(setting, "must be a name or a mapping with name and url");
    }
    checkKeys(node, UPSTREAM, setting + ".");
    String name = text(node, "name", setting + ".name");
    Upstream upstream =
        node.has("url")
            ? upstreamSpec(setting, name + "=" + text(node, "url", setting + ".url"))
            : upstreamSpec(setting, name);
    try {
      if (node.has("username") || node.has("password")) {
        upstream =
            upstream.withCredentials(
                text(node, "username", setting + ".username"),
                text(node, "password", setting + ".password"));
      }
      if (node.has("authHosts")) {
        List<String> hosts = new ArrayList<>(upstream.authHosts());
        node.get("authHosts").forEach(h -> hosts.add(h.asText()));
        upstream =
            new Upstream(
                upstream.name(), upstream.url(), upstream.username(), upstream.password(), hosts);
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(setting, e.getMessage());
    }
    return upstream;
  }

  private static FreshnessRule freshnessRule(JsonNode node, String setting) {
    if (!node.isObject()) {
      throw new ConfigException(setting, "must be a mapping");
    }
    checkKeys(node, FRESHNESS, setting + ".");
    FreshnessRule d = FreshnessRule.DEFAULT;
    return new FreshnessRule(
        node.has("repository") ? text(node, "repository", setting + ".repository") : "**",
        node.has("tag") ? text(node, "tag", setting + ".tag") : "*",
        node.has("fresh")
            ? duration(setting + ".fresh", text(node, "fresh", setting + ".fresh"))
            : d.fresh(),
        node.has("staleWhileRevalidate")
            ? duration(
                setting + ".staleWhileRevalidate",
                text(node, "staleWhileRevalidate", setting + ".staleWhileRevalidate"))
            : d.staleWhileRevalidate(),
        node.has("staleIfError")
            ? duration(
                setting + ".staleIfError", text(node, "staleIfError", setting + ".staleIfError"))
            : d.staleIfError());
  }

  /** {@code NAME} (a registry Hoist knows) or {@code NAME=URL}. */
  static Upstream upstreamSpec(String setting, String spec) {
    String s = spec.trim();
    int eq = s.indexOf('=');
    String name = (eq < 0 ? s : s.substring(0, eq)).trim();
    try {
      if (eq < 0) {
        return Upstream.known(name)
            .orElseThrow(
                () ->
                    new ConfigException(
                        setting,
                        "'"
                            + name
                            + "' is not a registry Hoist knows; give its URL as "
                            + name
                            + "=https://..."));
      }
      URI url = URI.create(s.substring(eq + 1).trim());
      Upstream known = Upstream.known(name).orElse(null);
      return known != null
          ? known.withUrl(url)
          : new Upstream(name.toLowerCase(Locale.ROOT), url, null, null, List.of());
    } catch (IllegalArgumentException e) {
      if (e instanceof ConfigException ce) {
        throw ce;
      }
      throw new ConfigException(setting, "'" + spec + "': " + e.getMessage());
    }
  }

  /** Adds upstreams given as specs; one with the name of an existing upstream replaces it. */
  static ServerConfig withMirrorSpecs(ServerConfig config, String setting, List<String> specs) {
    MirrorConfig mirror = config.mirror();
    List<Upstream> upstreams = new ArrayList<>(mirror.upstreams());
    for (String spec : specs) {
      if (spec.isBlank()) {
        continue;
      }
      Upstream u = upstreamSpec(setting, spec);
      upstreams.removeIf(existing -> existing.name().equals(u.name()));
      upstreams.add(u);
    }
    MirrorConfig fresh = MirrorConfig.of(upstreams);
    String defaultUpstream =
        mirror.enabled()
                && upstreams.stream().anyMatch(u -> u.name().equals(mirror.defaultUpstream()))
            ? mirror.defaultUpstream()
            : fresh.defaultUpstream();
    try {
      return config.withMirror(
          new MirrorConfig(
              upstreams,
              defaultUpstream,
              mirror.hostedPrefixes(),
              mirror.freshnessRules(),
              mirror.negativeTtl(),
              mirror.prefetchSiblings()));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(setting, e.getMessage());
    }
  }

  static ServerConfig withListen(ServerConfig config, String setting, String value) {
    Matcher m = HOST_PORT.matcher(value.trim());
    if (!m.matches()) {
      throw new ConfigException(setting, "'" + value + "' is not HOST:PORT (e.g. 127.0.0.1:5000)");
    }
    String host = m.group(1);
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.isEmpty()) {
      host = "0.0.0.0";
    }
    int port = Integer.parseInt(m.group(2));
    if (port > 65535) {
      throw new ConfigException(setting, "port " + port + " is not between 0 and 65535");
    }
    return config.withListen(host, port);
  }

  static Duration duration(String setting, String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    Matcher m = DURATION.matcher(v);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      switch (m.group(2)) {
        case "ms":
          return Duration.ofMillis(n);
        case "s":
          return Duration.ofSeconds(n);
        case "m":
          return Duration.ofMinutes(n);
        case "h":
          return Duration.ofHours(n);
        default:
          return Duration.ofDays(n);
      }
    }
    try {
      return Duration.parse(value.trim());
    } catch (DateTimeParseException e) {
      throw new ConfigException(
          setting, "'" + value + "' is not a duration (e.g. 500ms, 10s, 30m, 24h, 7d)");
    }
  }

  static boolean bool(String setting, String value) {
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true":
      case "yes":
      case "on":
      case "1":
        return true;
      case "false":
      case "no":
      case "off":
      case "0":
        return false;
      default:
        throw new ConfigException(setting, "'" + value + "' is not true or false");
    }
  }

  private static String text(JsonNode node, String field, String setting) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull() || v.isContainerNode() || v.asText().isBlank()) {
      throw new ConfigException(setting, "must be a non-empty value");
    }
    return v.asText();
  }

  private static void checkKeys(JsonNode node, Set<String> allowed, String prefix) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        throw new ConfigException(
            prefix + key,
            "unknown setting (known: "
                + String.join(", ", allowed.stream().sorted().toList())
                + ")");
      }
    }
  }
}
