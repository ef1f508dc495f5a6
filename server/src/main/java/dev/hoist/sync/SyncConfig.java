package dev.hoist.sync;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.config.ConfigException;
import dev.hoist.config.ConfigNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How sync runs, validated once and then frozen. {@link #read} reads the configuration file's
 * section; code makes one with {@link #builder()}.
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
      throw new ConfigException("sync.concurrency", "must be at least 1");
    }
    if (requestsPerMinute < 1) {
      throw new ConfigException("sync.requestsPerMinute", "must be at least 1");
    }
    if (prewarmTopK < 0) {
      throw new ConfigException("sync.prewarm.topK", "must not be negative");
    }
    if (tick.isNegative() || tick.isZero()) {
      throw new ConfigException("sync.tick", "must be positive");
    }
    for (int i = 0; i < rules.size(); i++) {
      String setting = "sync.rules[" + i + "]";
      try {
        SyncRule.fromJson(JSON.readTree(rules.get(i)));
      } catch (IOException e) {
        throw new ConfigException(setting, "is not JSON: " + e.getMessage());
      } catch (ConfigException e) {
        throw e.under(setting + ".");
      } catch (IllegalArgumentException e) {
        throw new ConfigException(setting, e.getMessage());
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

  /** A builder that starts from {@link #defaults()}. */
  public static Builder builder() {
    return defaults().toBuilder();
  }

  /** A builder that starts from this configuration. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Makes a {@link SyncConfig}; {@link #build()} validates it. */
  public static final class Builder {
    private Boolean apiEnabled;
    private List<String> rules;
    private int concurrency;
    private int requestsPerMinute;
    private Duration maxBackoff;
    private Duration tick;
    private int prewarmTopK;
    private Duration prewarmWindow;
    private Duration prewarmLead;

    private Builder(SyncConfig c) {
      apiEnabled = c.apiEnabled;
      rules = c.rules;
      concurrency = c.concurrency;
      requestsPerMinute = c.requestsPerMinute;
      maxBackoff = c.maxBackoff;
      tick = c.tick;
      prewarmTopK = c.prewarmTopK;
      prewarmWindow = c.prewarmWindow;
      prewarmLead = c.prewarmLead;
    }

    /** Whether the API is served; null: by the default rule of {@link #apiEnabledOn}. */
    public Builder apiEnabled(Boolean enabled) {
      apiEnabled = enabled;
      return this;
    }

    /** Rules, each as its JSON. */
    public Builder rules(List<String> list) {
      rules = list;
      return this;
    }

    public Builder concurrency(int n) {
      concurrency = n;
      return this;
    }

    public Builder requestsPerMinute(int n) {
      requestsPerMinute = n;
      return this;
    }

    public Builder maxBackoff(Duration d) {
      maxBackoff = d;
      return this;
    }

    public Builder tick(Duration d) {
      tick = d;
      return this;
    }

    public Builder prewarmTopK(int n) {
      prewarmTopK = n;
      return this;
    }

    public Builder prewarmWindow(Duration d) {
      prewarmWindow = d;
      return this;
    }

    public Builder prewarmLead(Duration d) {
      prewarmLead = d;
      return this;
    }

    /**
     * @throws ConfigException naming the setting that is wrong
     */
    public SyncConfig build() {
      return new SyncConfig(
          apiEnabled,
          rules,
          concurrency,
          requestsPerMinute,
          maxBackoff,
          tick,
          prewarmTopK,
          prewarmWindow,
          prewarmLead);
    }
  }

  /**
   * The {@code sync} section of the configuration file:
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
   * @throws ConfigException naming the setting that is wrong
   */
  public static SyncConfig read(ConfigNode node) {
    node.keys("api", "concurrency", "requestsPerMinute", "maxBackoff", "tick", "prewarm", "rules");
    Builder b = builder();
    node.mapping("api")
        .ifPresent(api -> api.keys("enabled").bool("enabled").ifPresent(b::apiEnabled));
    node.integer("concurrency").ifPresent(b::concurrency);
    node.integer("requestsPerMinute").ifPresent(b::requestsPerMinute);
    node.duration("maxBackoff").ifPresent(b::maxBackoff);
    node.duration("tick").ifPresent(b::tick);
    node.mapping("prewarm")
        .ifPresent(
            p -> {
              p.keys("topK", "window", "lead");
              p.integer("topK").ifPresent(b::prewarmTopK);
              p.duration("window").ifPresent(b::prewarmWindow);
              p.duration("lead").ifPresent(b::prewarmLead);
            });
    if (node.has("rules")) {
      List<String> rules = new ArrayList<>();
      for (ConfigNode rule : node.list("rules")) {
        rules.add(rule.tree().toString());
      }
      b.rules(rules);
    }
    return b.build();
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
