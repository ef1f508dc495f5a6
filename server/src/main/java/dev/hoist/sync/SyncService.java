package dev.hoist.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.repository.LocalNamespace;
import dev.hoist.storage.ClusterTransaction.Lease;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.SyncRuleRecord;
import dev.hoist.storage.SyncStatus;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sync: runs rules that copy chosen upstream images into hosted repositories or into the mirror
 * cache, on their schedule or on demand, and keeps the most pulled mirrored tags warm.
 *
 * <p>Rules and their status live in the metadata store ({@code MetadataTransaction.sync()}). One
 * run of a rule at a time; a run that fails midway (the upstream stopped, the breaker opened) has
 * committed only complete images, and the next run copies what is still missing. Upstream requests
 * go through the mirror's clients (their retries, Retry-After handling and circuit breaker are
 * shared with the mirror) and a per-upstream {@link UpstreamBudget}; a 429 that survives the
 * client's own retries makes the run wait (Retry-After, else exponential, at most {@link
 * SyncConfig#maxBackoff()}) and try the image again.
 *
 * <p>Several nodes sharing one metadata store run each rule once: a run takes the lease {@code
 * sync:<rule>} ({@code ClusterTransaction}) for this node, renews it while it lasts and releases it
 * at the end. A node that does not get the lease skips a scheduled run (an on-demand run is refused
 * with {@link RunningElsewhere}). Holding it, a node starts a scheduled run only if the stored
 * status says it is still due (nobody started one since), so two nodes ticking at the same time, or
 * one after the other, run a due time once. Every tick reads the rules from the store, so a rule
 * created, changed or deleted on one node is scheduled on all. Pull counts for pre-warming stay per
 * node (see {@link PullCounter}); a tag is warmed under the lease {@code prewarm:<tag>}, by one
 * node at a time.
 */
public final class SyncService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SyncService.class);

  /** How long a run's lease lasts unless renewed: a node that died frees its rules after this. */
  static final Duration LEASE = Duration.ofMinutes(1);

  /** How often a running node renews its lease. */
  static final Duration LEASE_RENEW = Duration.ofSeconds(20);

  private final SyncConfig config;
  private final MirrorAccess mirror;
  private final MetadataStore metadata;
  private final InstantSource clock;
  private final NodeLeases leases;
  private final Copies copies;
  private final Prewarmer prewarmer;
  private final SyncMetrics metrics;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<String, CompletableFuture<SyncStatus>> running = new ConcurrentHashMap<>();
  private final Map<String, Instant> nextRuns = new ConcurrentHashMap<>();
  // The definition each rule was last scheduled with, to see changes made on other nodes.
  private final Map<String, String> scheduled = new ConcurrentHashMap<>();
  private final ExecutorService workers =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("hoist-sync-", 0).factory());
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("hoist-sync-tick").factory());

  SyncService(
      SyncConfig config,
      MirrorAccess mirror,
      LocalNamespace local,
      MetadataStore metadata,
      InstantSource clock,
      MeterRegistry meters,
      String node) {
    this.config = config;
    this.mirror = mirror;
    this.metadata = metadata;
    this.clock = clock;
    this.metrics = new SyncMetrics(meters);
    this.leases = new NodeLeases(metadata, clock, node);
    this.copies = new Copies(config, mirror, local, clock);
    this.prewarmer =
        new Prewarmer(config, mirror, local.mirrorCache(), copies, leases, clock, metrics, workers);
  }

  /**
   * Stores the configured rules, schedules every rule, and starts the clock that runs them.
   *
   * @param node this process among the nodes sharing the store: the owner of its runs' leases
   * @throws IllegalArgumentException when a configured rule is invalid here (an unknown upstream)
   */
  public static SyncService start(
      SyncConfig config,
      MirrorAccess mirror,
      LocalNamespace local,
      MetadataStore metadata,
      InstantSource clock,
      MeterRegistry meters,
      String node) {
    SyncService service = new SyncService(config, mirror, local, metadata, clock, meters, node);
    for (String text : config.rules()) {
      try {
        service.save(SyncRule.fromJson(service.json.readTree(text)), true);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    service.refreshSchedules(service.metadata.read(tx -> tx.sync().rules()));
    long tick = config.tick().toMillis();
    service.ticker.scheduleWithFixedDelay(service::tick, tick, tick, TimeUnit.MILLISECONDS);
    return service;
  }

  // Rules.

  List<SyncRule> rules() {
    List<SyncRuleRecord> records = metadata.read(tx -> tx.sync().rules());
    List<SyncRule> out = new ArrayList<>();
    for (SyncRuleRecord r : records) {
      out.add(parse(r));
    }
    return out;
  }

  Optional<SyncRule> rule(String name) {
    return metadata.read(tx -> tx.sync().rule(name)).map(this::parse);
  }

  Optional<SyncStatus> status(String name) {
    return metadata.read(tx -> tx.sync().status(name));
  }

  /** Whether a run of the rule is going on, here or on another node. Blocks (one read). */
  boolean isRunning(String name) {
    if (running.containsKey(name)) {
      return true;
    }
    Instant now = clock.instant();
    return metadata
        .read(tx -> tx.cluster().lease(leaseName(name)))
        .filter(l -> !l.expired(now))
        .isPresent();
  }

  Instant nextRun(String name) {
    return nextRuns.get(name);
  }

  /**
   * When the rule runs next: as this node scheduled it, else as the stored status says (another
   * node scheduled it); null for a rule run on demand only.
   */
  @Nullable Instant nextRun(String name, @Nullable SyncStatus status) {
    Instant scheduledHere = nextRun(name);
    if (scheduledHere != null) {
      return scheduledHere;
    }
    return status == null ? null : status.nextRun();
  }

  /**
   * Creates a rule, or replaces one when {@code replace}; returns whether it was new.
   *
   * @throws IllegalArgumentException when it names an unknown upstream or a non-local destination
   * @throws IllegalStateException when it exists and {@code replace} is false
   */
  boolean save(SyncRule rule, boolean replace) {
    if (mirror.client(rule.upstream()).isEmpty()) {
      throw new IllegalArgumentException(
          "rule " + rule.name() + ": upstream " + rule.upstream() + " is not a configured mirror");
    }
    if (!rule.destination().mirrorCache()) {
      for (RepositoryName repository : rule.repositories()) {
        RepositoryName to = rule.destination().map(repository);
        if (!mirror.isLocal(to)) {
          throw new IllegalArgumentException(
              "rule "
                  + rule.name()
                  + ": destination "
                  + to
                  + " is a mirrored name; use a name under a mirror.hosted prefix");
        }
      }
    }
    String definition = rule.toJson(json).toString();
    boolean created =
        metadata.write(
            tx -> {
              boolean exists = tx.sync().rule(rule.name()).isPresent();
              if (exists && !replace) {
                throw new IllegalStateException("rule " + rule.name() + " exists");
              }
              tx.sync().putRule(new SyncRuleRecord(rule.name(), definition, clock.instant()));
              return !exists;
            });
    schedule(rule, status(rule.name()).orElse(null));
    scheduled.put(rule.name(), definition);
    metrics.watch(rule.name(), () -> status(rule.name()).orElse(null));
    return created;
  }

  boolean delete(String name) {
    boolean existed =
        metadata.write(
            tx -> {
              // What it kept in the mirror's cache may be evicted from now on.
              tx.lifecycle().releaseKeptMirrorTags(name);
              return tx.sync().deleteRule(name);
            });
    nextRuns.remove(name);
    scheduled.remove(name);
    metrics.forget(name);
    return existed;
  }

  private SyncRule parse(SyncRuleRecord record) {
    try {
      return SyncRule.fromJson(json.readTree(record.definition()));
    } catch (IOException e) {
      throw new UncheckedIOException("stored sync rule " + record.name() + " is not JSON", e);
    }
  }

  private void schedule(SyncRule rule, SyncStatus status) {
    Instant next =
        rule.enabled()
            ? rule.schedule().next(clock.instant(), status == null ? null : status.lastStarted())
            : null;
    if (next == null) {
      nextRuns.remove(rule.name());
    } else {
      nextRuns.put(rule.name(), next);
    }
  }

  // Runs.

  /**
   * Starts a run of the rule now (or joins the one in progress on this node); completes with its
   * status, or with {@link RunningElsewhere} when another node is running the rule.
   */
  CompletableFuture<SyncStatus> runNow(String name) {
    return start(name, null);
  }

  /**
   * Starts a run in the background unless one is going on here: a scheduled one ({@code due} is its
   * due time) or one on demand ({@code due} null).
   */
  CompletableFuture<SyncStatus> start(String name, @Nullable Instant due) {
    SyncRule rule =
        rule(name).orElseThrow(() -> new IllegalArgumentException("no sync rule " + name));
    return running.computeIfAbsent(
        name,
        n -> {
          CompletableFuture<SyncStatus> done = new CompletableFuture<>();
          workers.execute(
              () -> {
                SyncStatus status = null;
                Throwable failure = null;
                try {
                  status = runLeased(rule, due);
                } catch (RunningElsewhere e) {
                  failure = e;
                } catch (Throwable t) {
                  log.error("sync run failed: rule={} error={}", name, t.toString());
                  failure = t;
                }
                // No longer running before anyone waiting hears of the end.
                running.remove(n);
                if (failure == null) {
                  done.complete(status);
                } else {
                  done.completeExceptionally(failure);
                }
              });
          return done;
        });
  }

  /** Another node holds the rule's lease: it is running the rule. */
  static final class RunningElsewhere extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RunningElsewhere(String rule, String owner) {
      super("rule " + rule + " is running on node " + owner);
    }
  }

  static String leaseName(String rule) {
    return "sync:" + rule;
  }

  /**
   * A run under the rule's lease (see the class doc). A scheduled run that another node is running,
   * or already ran for its due time, is skipped: the rule is scheduled again from the stored
   * status, which is returned.
   */
  private @Nullable SyncStatus runLeased(SyncRule rule, @Nullable Instant due) {
    String lease = leaseName(rule.name());
    Lease held = leases.acquire(lease, LEASE);
    if (!leases.mine(held)) {
      if (due == null) {
        throw new RunningElsewhere(rule.name(), held.owner());
      }
      log.debug(
          "scheduled sync run skipped, running elsewhere: rule={} node={}",
          rule.name(),
          held.owner());
      SyncStatus stored = status(rule.name()).orElse(null);
      schedule(rule, stored);
      return stored;
    }
    long renewMillis = LEASE_RENEW.toMillis();
    ScheduledFuture<?> renewal =
        ticker.scheduleAtFixedRate(
            () -> renew(rule.name()), renewMillis, renewMillis, TimeUnit.MILLISECONDS);
    try {
      if (due != null) {
        SyncStatus stored = status(rule.name()).orElse(null);
        if (!stillDue(rule.schedule(), due, stored, clock.instant())) {
          log.debug("scheduled sync run skipped, already run: rule={} due={}", rule.name(), due);
          schedule(rule, stored);
          return stored;
        }
      }
      return run(rule);
    } finally {
      renewal.cancel(false);
      leases.releaseQuietly(lease);
    }
  }

  /**
   * Whether a scheduled run due at {@code due} must still start, given the stored status (which
   * another node may have written): with an interval, when the last start is an interval ago; with
   * a cron, when no run started since the due time.
   */
  static boolean stillDue(
      SyncRule.Schedule schedule, Instant due, @Nullable SyncStatus status, Instant now) {
    if (status == null || status.lastStarted() == null) {
      return true;
    }
    if (schedule.interval() != null) {
      return !status.lastStarted().plus(schedule.interval()).isAfter(now);
    }
    return status.lastStarted().isBefore(due);
  }

  private void renew(String rule) {
    try {
      Lease lease = leases.acquire(leaseName(rule), LEASE);
      if (!leases.mine(lease)) {
        log.warn("sync lease lost while running: rule={} owner={}", rule, lease.owner());
      }
    } catch (RuntimeException e) {
      log.warn("renewing a sync lease failed: rule={} error={}", rule, e.toString());
    }
  }

  private void tick() {
    try {
      List<SyncRuleRecord> records = metadata.read(tx -> tx.sync().rules());
      refreshSchedules(records);
      Instant now = clock.instant();
      for (Map.Entry<String, Instant> e : nextRuns.entrySet()) {
        if (!e.getValue().isAfter(now) && !running.containsKey(e.getKey())) {
          nextRuns.remove(e.getKey(), e.getValue());
          try {
            start(e.getKey(), e.getValue());
          } catch (IllegalArgumentException gone) {
            // Deleted on another node since the rules were read: the next tick forgets it.
          }
        }
      }
      prewarmer.prewarm(records.stream().map(this::parse).toList());
    } catch (RuntimeException e) {
      log.warn("sync tick failed: error={}", e.toString());
    }
  }

  /**
   * Schedules rules that are new or changed in the store (saved on this node or another), and
   * forgets deleted ones.
   */
  private void refreshSchedules(List<SyncRuleRecord> records) {
    Set<String> names = new HashSet<>();
    for (SyncRuleRecord record : records) {
      names.add(record.name());
      if (record.definition().equals(scheduled.get(record.name()))) {
        continue;
      }
      SyncRule rule = parse(record);
      if (!running.containsKey(rule.name())) {
        schedule(rule, status(rule.name()).orElse(null));
      }
      scheduled.put(rule.name(), record.definition());
      metrics.watch(rule.name(), () -> status(rule.name()).orElse(null));
    }
    for (String name : List.copyOf(scheduled.keySet())) {
      if (!names.contains(name)) {
        scheduled.remove(name);
        nextRuns.remove(name);
        metrics.forget(name);
      }
    }
  }

  /** One run: every selected tag of every repository, then vanished tags, then the status. */
  SyncStatus run(SyncRule rule) {
    Instant started = clock.instant();
    SyncStatus before = status(rule.name()).orElse(null);
    putStatus(
        new SyncStatus(
            rule.name(),
            started,
            before == null ? null : before.lastFinished(),
            null,
            before == null ? 0 : before.copiedImages(),
            before == null ? 0 : before.skippedImages(),
            before == null ? 0 : before.failedImages(),
            before == null ? 0 : before.copiedBytes(),
            before == null ? null : before.lastError()));
    log.info("sync run started: rule={}", rule.name());
    RuleRun.Counts counts =
        new RuleRun(rule, copies, mirror, config.maxBackoff(), metrics).copyAll();
    Instant finished = clock.instant();
    schedule(rule, finishedStatus(rule, started, finished, null, counts));
    SyncStatus status = finishedStatus(rule, started, finished, nextRuns.get(rule.name()), counts);
    putStatus(status);
    metrics.ran(rule.name(), counts.copied(), counts.skipped(), counts.failed(), counts.bytes());
    log.info(
        "sync run finished: rule={} copied={} skipped={} failed={} bytes={} error={}",
        rule.name(),
        counts.copied(),
        counts.skipped(),
        counts.failed(),
        counts.bytes(),
        counts.lastError());
    return status;
  }

  private static SyncStatus finishedStatus(
      SyncRule rule,
      Instant started,
      Instant finished,
      @Nullable Instant next,
      RuleRun.Counts counts) {
    return new SyncStatus(
        rule.name(),
        started,
        finished,
        next,
        counts.copied(),
        counts.skipped(),
        counts.failed(),
        counts.bytes(),
        counts.lastError());
  }

  private void putStatus(SyncStatus status) {
    metadata.write(
        tx -> {
          if (tx.sync().rule(status.rule()).isPresent()) {
            tx.sync().putStatus(status);
          }
          return null;
        });
  }

  // Pre-warming.

  /** Counts a pull of a mirrored tag (the mirror calls this for every manifest-by-tag request). */
  public void tagPulled(String upstream, RepositoryName repository, Tag tag) {
    prewarmer.tagPulled(upstream, repository, tag);
  }

  /**
   * Revalidates the top K pulled tags, and the {@code warm} tags of mirror-destination rules, whose
   * fresh time ends within the lead; runs in the background, one check per tag at a time.
   */
  void prewarm() {
    prewarmer.prewarm(rules());
  }

  /** For the API: a rule parsed from its JSON. */
  SyncRule parseRule(JsonNode node) {
    return SyncRule.fromJson(node);
  }

  ObjectMapper json() {
    return json;
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    workers.shutdownNow();
    try {
      workers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
