package dev.hoist.sync;

import dev.hoist.client.RegistryClient;
import dev.hoist.client.RegistryException;
import dev.hoist.client.copy.ImageCopier;
import dev.hoist.client.copy.ImageDestination;
import dev.hoist.client.copy.ImageSource;
import dev.hoist.client.copy.ReferrersTag;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The copying of one run of a rule: every selected tag of every repository, then the tags gone
 * upstream. A tag that fails is counted and the run goes on; a 429 that survives the client's own
 * retries makes the run wait (Retry-After, else exponential, at most {@link
 * SyncConfig#maxBackoff()}) and try the tag again.
 */
final class RuleRun {
  private static final Logger log = LoggerFactory.getLogger(RuleRun.class);
  private static final int MAX_ATTEMPTS = 6;

  /** What a run did, for its status and metrics. */
  record Counts(long copied, long skipped, long failed, long bytes, @Nullable String lastError) {}

  private final SyncRule rule;
  private final Copies copies;
  private final MirrorAccess mirror;
  private final Duration maxBackoff;
  private final SyncMetrics metrics;
  private long copied;
  private long skipped;
  private long failed;
  private long bytes;
  private @Nullable String lastError;

  RuleRun(
      SyncRule rule, Copies copies, MirrorAccess mirror, Duration maxBackoff, SyncMetrics metrics) {
    this.rule = rule;
    this.copies = copies;
    this.mirror = mirror;
    this.maxBackoff = maxBackoff;
    this.metrics = metrics;
  }

  Counts copyAll() {
    Optional<RegistryClient> client = copies.client(rule.upstream());
    if (client.isEmpty()) {
      lastError = "upstream " + rule.upstream() + " is not configured";
    } else {
      boolean intoMirrorCache = rule.destination().mirrorCache();
      ImageSource source = copies.source(client.get(), rule.upstream(), intoMirrorCache);
      ImageDestination destination = copies.destination(intoMirrorCache, rule.name());
      ImageCopier copier = copies.copier(source, destination);
      for (RepositoryName repository : rule.repositories()) {
        copyRepository(repository, source, destination, copier);
      }
    }
    return new Counts(copied, skipped, failed, bytes, lastError);
  }

  private void copyRepository(
      RepositoryName repository,
      ImageSource source,
      ImageDestination destination,
      ImageCopier copier) {
    // The run checked that the upstream is configured, so a mirror-cache name exists.
    RepositoryName to =
        rule.destination().mirrorCache()
            ? mirror.cacheName(rule.upstream(), repository).orElseThrow()
            : rule.destination().map(repository);
    List<String> upstreamTags;
    try {
      upstreamTags = withBackoff(() -> source.tags(repository));
    } catch (Exception e) {
      failed++;
      lastError = "listing tags of " + repository + ": " + message(e);
      return;
    }
    List<String> warm = rule.warm().stream().map(Tag::value).toList();
    // Referrers tags (sha256-<hex>) hold signatures of other images, copied with those images.
    List<String> imageTags = upstreamTags.stream().filter(t -> !ReferrersTag.matches(t)).toList();
    for (String name : rule.tags().select(imageTags, warm)) {
      copyTag(repository, Tag.of(name), to, copier);
    }
    if (rule.deleteVanished()) {
      deleteVanished(upstreamTags, to, destination);
    }
  }

  private void copyTag(RepositoryName repository, Tag tag, RepositoryName to, ImageCopier copier) {
    try {
      Optional<ImageCopier.Result> result =
          withBackoff(() -> copier.copyTag(repository, tag, to, rule.platforms()));
      if (result.isEmpty()) {
        return; // gone between the listing and the HEAD: the next run sees it vanished
      }
      if (result.get().copied()) {
        copied++;
        bytes += result.get().bytes();
      } else {
        skipped++;
      }
    } catch (Exception e) {
      failed++;
      lastError = repository + ":" + tag + ": " + message(e);
      log.warn(
          "sync of a tag failed: rule={} repository={} tag={} error={}",
          rule.name(),
          repository,
          tag,
          message(e));
    }
  }

  private void deleteVanished(
      List<String> upstreamTags, RepositoryName to, ImageDestination destination) {
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
      lastError = "removing vanished tags of " + to + ": " + message(e);
    }
  }

  /** Calls {@code work}, waiting and trying again while the upstream answers 429. */
  private <T> T withBackoff(Work<T> work) throws Exception {
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
        if (pause.compareTo(maxBackoff) > 0) {
          pause = maxBackoff;
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

  static String message(Exception e) {
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }
}
