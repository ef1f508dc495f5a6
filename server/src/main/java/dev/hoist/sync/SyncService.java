package dev.hoist.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.client.RegistryClient;
import dev.hoist.client.RegistryException;
import dev.hoist.client.copy.ImageCopier;
import dev.hoist.client.copy.ImageDestination;
import dev.hoist.client.copy.ImageSource;
import dev.hoist.client.copy.ReferrersTag;
import dev.hoist.client.copy.RegistrySource;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.repository.CachedTag;
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
import java.util.LinkedHashSet;
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
  private static final int MAX_ATTEMPTS = 6;

  /** How long a run's lease lasts unless renewed: a node that died frees its rules after this. */
  static final Duration LEASE = Duration.ofMinutes(1);

  /** How often a running node renews its lease. */
  static final Duration LEASE_RENEW = Duration.ofSeconds(20);

  /** How long a pre-warm of one tag holds its lease (released when it ends). */
  static final Duration WARM_LEASE = Duration.ofMinutes(5);

  private final SyncConfig config;
  private final MirrorAccess mirror;
  private final LocalNamespace local;
  private final MetadataStore metadata;
  private final InstantSource clock;
  private final String node;
  private final SyncMetrics metrics;
  private final ObjectMapper json = new ObjectMapper();
  private final PullCounter pulls;
  private final Map<String, UpstreamBudget> budgets = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<SyncStatus>> running = new ConcurrentHashMap<>();
  private final Map<String, Instant> nextRuns = new ConcurrentHashMap<>();
  // The definition each rule was last scheduled with, to see changes made on other nodes.
  private final Map<String, String> scheduled = new ConcurrentHashMap<>();
  private final Set<PullCounter.HotTag> warming = ConcurrentHashMap.newKeySet();
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
    this.local = local;
    this.metadata = metadata;
    this.clock = clock;
    this.node = node;
    this.metrics = new SyncMetrics(meters);
    this.pulls = new PullCounter(clock, config.prewarmWindow());
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
    Instant now = clock.instant();
    Lease held = metadata.write(tx -> tx.cluster().acquireLease(lease, node, now, now.plus(LEASE)));
    if (!held.heldBy(node, now)) {
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
      releaseQuietly(lease);
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
      Instant now = clock.instant();
      Lease lease =
          metadata.write(
              tx -> tx.cluster().acquireLease(leaseName(rule), node, now, now.plus(LEASE)));
      if (!lease.heldBy(node, now)) {
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
      prewarm(records.stream().map(this::parse).toList());
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
    Counts counts = new Counts();
    Optional<RegistryClient> client = mirror.client(rule.upstream());
    if (client.isEmpty()) {
      counts.error("upstream " + rule.upstream() + " is not configured");
    } else {
      ImageSource source = source(client.get(), rule.upstream(), rule.destination().mirrorCache());
      ImageDestination destination = destination(rule.destination().mirrorCache(), rule.name());
      ImageCopier copier = new ImageCopier(source, destination);
      for (RepositoryName repository : rule.repositories()) {
        syncRepository(rule, repository, source, destination, copier, counts);
      }
    }
    Instant finished = clock.instant();
    SyncStatus status =
        new SyncStatus(
            rule.name(),
            started,
            finished,
            null,
            counts.copied,
            counts.skipped,
            counts.failed,
            counts.bytes,
            counts.lastError);
    schedule(rule, status);
    status =
        new SyncStatus(
            rule.name(),
            started,
            finished,
            nextRuns.get(rule.name()),
            counts.copied,
            counts.skipped,
            counts.failed,
            counts.bytes,
            counts.lastError);
    putStatus(status);
    metrics.ran(rule.name(), counts.copied, counts.skipped, counts.failed, counts.bytes);
    log.info(
        "sync run finished: rule={} copied={} skipped={} failed={} bytes={} error={}",
        rule.name(),
        counts.copied,
        counts.skipped,
        counts.failed,
        counts.bytes,
        counts.lastError);
    return status;
  }

  private void syncRepository(
      SyncRule rule,
      RepositoryName repository,
      ImageSource source,
      ImageDestination destination,
      ImageCopier copier,
      Counts counts) {
    // The run checked that the upstream is configured, so a mirror-cache name exists.
    RepositoryName to =
        rule.destination().mirrorCache()
            ? mirror.cacheName(rule.upstream(), repository).orElseThrow()
            : rule.destination().map(repository);
    List<String> upstreamTags;
    try {
      upstreamTags = withBackoff(rule, () -> source.tags(repository));
    } catch (Exception e) {
      counts.failed++;
      counts.error("listing tags of " + repository + ": " + message(e));
      return;
    }
    List<String> warm = rule.warm().stream().map(Tag::value).toList();
    // Referrers tags (sha256-<hex>) hold signatures of other images, copied with those images.
    List<String> imageTags = upstreamTags.stream().filter(t -> !ReferrersTag.matches(t)).toList();
    for (String name : rule.tags().select(imageTags, warm)) {
      Tag tag = Tag.of(name);
      try {
        Optional<ImageCopier.Result> result =
            withBackoff(rule, () -> copier.copyTag(repository, tag, to, rule.platforms()));
        if (result.isEmpty()) {
          continue; // gone between the listing and the HEAD: the next run sees it vanished
        }
        if (result.get().copied()) {
          counts.copied++;
          counts.bytes += result.get().bytes();
        } else {
          counts.skipped++;
        }
      } catch (Exception e) {
        counts.failed++;
        counts.error(repository + ":" + name + ": " + message(e));
        log.warn(
            "sync of a tag failed: rule={} repository={} tag={} error={}",
            rule.name(),
            repository,
            name,
            message(e));
      }
    }
    if (rule.deleteVanished()) {
      try {
        Set<String> present = new HashSet<>(upstreamTags);
        for (Tag tag : destination.tags(to)) {
          if (!present.contains(tag.value())
              && rule.tags().matches(tag.value())
              && destination.deleteTag(to, tag)) {
            log.info(
                "sync removed a tag gone upstream: rule={} repository={} tag={}",
                rule.name(),
                to,
                tag);
          }
        }
      } catch (Exception e) {
        counts.error("removing vanished tags of " + to + ": " + message(e));
      }
    }
  }

  /** Calls {@code work}, waiting and trying again while the upstream answers 429. */
  private <T> T withBackoff(SyncRule rule, Work<T> work) throws Exception {
    Duration wait = Duration.ofSeconds(1);
    for (int attempt = 1; ; attempt++) {
      try {
        return work.call();
      } catch (RegistryException e) {
        boolean throttled = e.code() == ErrorCode.TOOMANYREQUESTS || e.httpStatus() == 429;
        if (!throttled || attempt >= MAX_ATTEMPTS) {
          throw e;
        }
        Duration pause = e.retryAfter().orElse(wait);
        if (pause.compareTo(config.maxBackoff()) > 0) {
          pause = config.maxBackoff();
        }
        metrics.backedOff(rule.name());
        log.info(
            "sync backing off, upstream throttled: rule={} upstream={} pause={}",
            rule.name(),
            rule.upstream(),
            pause);
        Thread.sleep(pause.toMillis());
        wait = wait.multipliedBy(2);
      }
    }
  }

  @FunctionalInterface
  private interface Work<T> {
    T call() throws Exception;
  }

  /**
   * Where a copy reads from: the upstream, through the mirror's fills when it goes into the mirror
   * cache (where a client may be pulling the same blobs).
   */
  private ImageSource source(RegistryClient client, String upstream, boolean intoMirrorCache) {
    ImageSource registry = new RegistrySource(client, budget(upstream));
    return intoMirrorCache
        ? new MirrorCacheSource(registry, mirror, upstream, budget(upstream))
        : registry;
  }

  /** Where a copy writes: the mirror's cache (paired with {@link MirrorCacheSource}), or hosted. */
  private ImageDestination destination(boolean intoMirrorCache, @Nullable String keptBy) {
    return intoMirrorCache
        ? new MirrorCacheDestination(local.mirrorCache(), clock, keptBy)
        : new LocalDestination(local);
  }

  private UpstreamBudget budget(String upstream) {
    return budgets.computeIfAbsent(
        upstream, u -> new UpstreamBudget(config.concurrency(), config.requestsPerMinute()));
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

  private static String message(Exception e) {
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  private static final class Counts {
    long copied;
    long skipped;
    long failed;
    long bytes;
    String lastError;

    void error(String message) {
      lastError = message;
    }
  }

  // Pre-warming.

  /** Counts a pull of a mirrored tag (the mirror calls this for every manifest-by-tag request). */
  public void tagPulled(String upstream, RepositoryName repository, Tag tag) {
    pulls.pulled(upstream, repository, tag);
  }

  /**
   * Revalidates the top K pulled tags, and the {@code warm} tags of mirror-destination rules, whose
   * fresh time ends within the lead; runs in the background, one check per tag at a time.
   */
  void prewarm() {
    prewarm(rules());
  }

  private void prewarm(List<SyncRule> rules) {
    Set<PullCounter.HotTag> candidates = new LinkedHashSet<>(pulls.top(config.prewarmTopK()));
    Set<PullCounter.HotTag> named = new HashSet<>();
    for (SyncRule rule : rules) {
      if (rule.enabled() && rule.destination().mirrorCache()) {
        for (RepositoryName repository : rule.repositories()) {
          for (Tag tag : rule.warm()) {
            named.add(new PullCounter.HotTag(rule.upstream(), repository, tag));
          }
        }
      }
    }
    candidates.addAll(named);
    Instant now = clock.instant();
    for (PullCounter.HotTag hot : candidates) {
      Optional<RepositoryName> cached = mirror.cacheName(hot.upstream(), hot.repository());
      if (cached.isEmpty()) {
        continue; // a rule naming an upstream that is not configured: its runs say so
      }
      RepositoryName cacheName = cached.get();
      Optional<CachedTag> state = local.mirrorCache().tag(cacheName, hot.tag());
      if (state.isEmpty() && !named.contains(hot)) {
        // Counted but not cached yet: the pull that counted it is filling the cache right now,
        // and a copy beside it would fetch every blob from the upstream a second time.
        continue;
      }
      if (state.isPresent()) {
        Duration fresh = mirror.freshFor(cacheName, hot.tag());
        Instant staleAt = state.get().checked().plus(fresh);
        // Never sooner than half-way through the fresh time, so a short one is not hammered.
        Duration lead = config.prewarmLead();
        if (lead.compareTo(fresh.dividedBy(2)) > 0) {
          lead = fresh.dividedBy(2);
        }
        if (staleAt.minus(lead).isAfter(now)) {
          continue;
        }
      }
      if (warming.add(hot)) {
        workers.execute(() -> warm(hot, cacheName));
      }
    }
  }

  private void warm(PullCounter.HotTag hot, RepositoryName cacheName) {
    String lease = "prewarm:" + cacheName + ":" + hot.tag();
    boolean leased = false;
    try {
      Instant now = clock.instant();
      // One node warms a tag at a time; the others see its fresh check time afterwards.
      leased =
          metadata
              .write(tx -> tx.cluster().acquireLease(lease, node, now, now.plus(WARM_LEASE)))
              .heldBy(node, now);
      if (!leased) {
        return;
      }
      Optional<RegistryClient> client = mirror.client(hot.upstream());
      if (client.isEmpty()) {
        return;
      }
      ImageCopier copier =
          new ImageCopier(source(client.get(), hot.upstream(), true), destination(true, null));
      Optional<ImageCopier.Result> result =
          copier.copyTag(hot.repository(), hot.tag(), cacheName, List.of());
      metrics.warmed(result.map(ImageCopier.Result::copied).orElse(false));
    } catch (Exception e) {
      log.warn(
          "pre-warming a tag failed: upstream={} repository={} tag={} error={}",
          hot.upstream(),
          hot.repository(),
          hot.tag(),
          message(e));
    } finally {
      if (leased) {
        releaseQuietly(lease);
      }
      warming.remove(hot);
    }
  }

  /** Gives up a lease; when that fails, the lease expires by itself. */
  private void releaseQuietly(String lease) {
    try {
      metadata.write(tx -> tx.cluster().releaseLease(lease, node));
    } catch (RuntimeException e) {
      log.warn("releasing a lease failed: lease={} error={}", lease, e.toString());
    }
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
