package dev.hoist.sync;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How sync runs, validated once and then frozen.
 *
 * @param apiEnabled whether {@code /api/v1/sync} is served; null means "when the server has auth
 *     (then the API requires it), else only when listening on a loopback address"
 * @param rules rules declared in the configuration, each as its JSON (see {@link SyncRule}); they
 *     are stored at start, replacing stored rules of the same name
 * @param concurrency at most this many sync requests in flight per upstream
 * @param requestsPerMinute at most this many sync requests started per minute per upstream
 * @param maxBackoff the longest a run waits after a 429 before retrying an image
 * @param tick how often due rules and pre-warming are checked
 * @param prewarmTopK how many of the most pulled mirrored tags are kept warm (0: none)
 * @param prewarmWindow pulls are counted over this sliding window
 * @param prewarmLead a hot tag is revalidated when its fresh time ends within this much
 */
public record SyncConfig(
    Boolean apiEnabled,
    List<String> rules,
    int concurrency,
    int requestsPerMinute,
    Duration maxBackoff,
    Duration tick,
    int prewarmTopK,
    Duration prewarmWindow,
    Duration prewarmLead) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public SyncConfig {
    rules = List.copyOf(rules);
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    Objects.requireNonNull(tick, "tick");
    Objects.requireNonNull(prewarmWindow, "prewarmWindow");
    Objects.requireNonNull(prewarmLead, "prewarmLead");
    if (concurrency < 1) {
      throw new IllegalArgumentException("sync.concurrency must be at least 1");
    }
    if (requestsPerMinute < 1) {
      throw new IllegalArgumentException("sync.requestsPerMinute must be at least 1");
    }
    if (prewarmTopK < 0) {
      throw new IllegalArgumentException("sync.prewarm.topK must not be negative");
    }
    if (tick.isNegative() || tick.isZero()) {
      throw new IllegalArgumentException("sync.tick must be positive");
    }
    for (String rule : rules) {
      try {
        SyncRule.fromJson(JSON.readTree(rule));
      } catch (IOException e) {
        throw new IllegalArgumentException("sync rule is not JSON: " + e.getMessage());
      }
    }
  }

  public static SyncConfig defaults() {
    return new SyncConfig(
        null,
        List.of(),
        4,
        600,
        Duration.ofMinutes(5),
        Duration.ofSeconds(1),
        20,
        Duration.ofHours(24),
        Duration.ofSeconds(30));
  }

  public SyncConfig withApiEnabled(Boolean enabled) {
    return new SyncConfig(
        enabled,
        rules,
        concurrency,
        requestsPerMinute,
        maxBackoff,
        tick,
        prewarmTopK,
        prewarmWindow,
        prewarmLead);
  }

  public SyncConfig withRules(List<String> newRules) {
    return new SyncConfig(
        apiEnabled,
        newRules,
        concurrency,
        requestsPerMinute,
        maxBackoff,
        tick,
        prewarmTopK,
        prewarmWindow,
        prewarmLead);
  }

  public SyncConfig withLimits(int newConcurrency, int newRequestsPerMinute, Duration backoff) {
    return new SyncConfig(
        apiEnabled,
        rules,
        newConcurrency,
        newRequestsPerMinute,
        backoff,
        tick,
        prewarmTopK,
        prewarmWindow,
        prewarmLead);
  }

  public SyncConfig withTick(Duration newTick) {
    return new SyncConfig(
        apiEnabled,
        rules,
        concurrency,
        requestsPerMinute,
        maxBackoff,
        newTick,
        prewarmTopK,
        prewarmWindow,
        prewarmLead);
  }

  public SyncConfig withPrewarm(int topK, Duration window, Duration lead) {
    return new SyncConfig(
        apiEnabled, rules, concurrency, requestsPerMinute, maxBackoff, tick, topK, window, lead);
  }

  /**
   * The {@code sync} section of the configuration file (YAML read as a tree):
   *
   * <pre>
   * sync:
   *   api: {enabled: true}
   *   concurrency: 4
   *   requestsPerMinute: 600
   *   maxBackoff: 5m
   *   tick: 1s
   *   prewarm: {topK: 20, window: 24h, lead: 30s}
   *   rules: [ ...each as in SyncRule... ]
   * </pre>
   *
   * @throws IllegalArgumentException naming the setting that is wrong
   */
  public static SyncConfig fromTree(com.fasterxml.jackson.databind.JsonNode node) {
    if (!node.isObject()) {
      throw new IllegalArgumentException("must be a mapping");
    }
    java.util.Set<String> known =
        java.util.Set.of(
            "api", "concurrency", "requestsPerMinute", "maxBackoff", "tick", "prewarm", "rules");
    node.fieldNames()
        .forEachRemaining(
            f -> {
              if (!known.contains(f)) {
                throw new IllegalArgumentException("unknown setting sync." + f);
              }
            });
    SyncConfig c = defaults();
    if (node.path("api").has("enabled")) {
      c = c.withApiEnabled(node.path("api").get("enabled").asBoolean());
    }
    c =
        c.withLimits(
            node.path("concurrency").asInt(c.concurrency()),
            node.path("requestsPerMinute").asInt(c.requestsPerMinute()),
            node.has("maxBackoff")
                ? SyncRule.duration(node.get("maxBackoff").asText())
                : c.maxBackoff());
    if (node.has("tick")) {
      c = c.withTick(SyncRule.duration(node.get("tick").asText()));
    }
    com.fasterxml.jackson.databind.JsonNode p = node.path("prewarm");
    if (p.isObject()) {
      c =
          c.withPrewarm(
              p.path("topK").asInt(c.prewarmTopK()),
              p.has("window") ? SyncRule.duration(p.get("window").asText()) : c.prewarmWindow(),
              p.has("lead") ? SyncRule.duration(p.get("lead").asText()) : c.prewarmLead());
    }
    if (node.has("rules")) {
      java.util.List<String> rules = new java.util.ArrayList<>();
      for (com.fasterxml.jackson.databind.JsonNode rule : node.get("rules")) {
        rules.add(JSON.valueToTree(rule).toString());
      }
      c = c.withRules(rules);
    }
    return c;
  }

  /**
   * Whether to serve the API on {@code listenHost}: as set; else when the server has auth (the API
   * then needs a user, and an admin for changes), or, without auth, only on a loopback address.
   */
  public boolean apiEnabledOn(String listenHost, boolean authEnabled) {
    if (apiEnabled != null) {
      return apiEnabled;
    }
    return authEnabled || isLoopback(listenHost);
  }

  static boolean isLoopback(String listenHost) {
    return listenHost.equals("localhost")
        || listenHost.startsWith("127.")
        || listenHost.equals("::1")
        || listenHost.equals("[::1]");
  }
}
