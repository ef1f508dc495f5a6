package dev.hoist.sync;

import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts pulls of mirrored tags over a sliding window, in memory (counts restart with the node).
 * Each tag keeps one counter per slice of the window (a sixtieth of it, at least a second), so
 * memory grows with the number of hot tags, not with the number of pulls.
 *
 * <p>Per node, also in a cluster: behind a load balancer every node sees a fair sample of the
 * pulls, so each node's top K is the cluster's, and sharing the counts would cost a write per pull
 * or a batch that ages them. What must not happen twice is the warming itself, and that is shared:
 * a node warms a tag under a lease, and every node reads the tag's check time from the store.
 */
final class PullCounter {
  /** A mirrored tag: its upstream, its name there, and the tag. */
  record HotTag(String upstream, RepositoryName repository, Tag tag) {}

  private final InstantSource clock;
  private final long windowMillis;
  private final long sliceMillis;
  private final Map<HotTag, Slices> pulls = new ConcurrentHashMap<>();

  PullCounter(InstantSource clock, Duration window) {
    this.clock = clock;
    this.windowMillis = Math.max(1, window.toMillis());
    this.sliceMillis = Math.max(1_000, windowMillis / 60);
  }

  void pulled(String upstream, RepositoryName repository, Tag tag) {
    long slice = clock.millis() / sliceMillis;
    pulls.computeIfAbsent(new HotTag(upstream, repository, tag), k -> new Slices()).add(slice);
  }

  /** The {@code k} most pulled tags in the window, most pulled first. */
  List<HotTag> top(int k) {
    long oldest = (clock.millis() - windowMillis) / sliceMillis;
    List<Map.Entry<HotTag, Long>> counted = new ArrayList<>();
    for (Map.Entry<HotTag, Slices> e : pulls.entrySet()) {
      long n = e.getValue().countSince(oldest);
      if (n == 0) {
        pulls.remove(e.getKey(), e.getValue());
      } else {
        counted.add(Map.entry(e.getKey(), n));
      }
    }
    counted.sort(
        Map.Entry.<HotTag, Long>comparingByValue(Comparator.reverseOrder())
            .thenComparing(e -> e.getKey().toString()));
    List<HotTag> out = new ArrayList<>();
    for (int i = 0; i < Math.min(k, counted.size()); i++) {
      out.add(counted.get(i).getKey());
    }
    return out;
  }

  long count(HotTag tag) {
    Slices s = pulls.get(tag);
    return s == null ? 0 : s.countSince((clock.millis() - windowMillis) / sliceMillis);
  }

  /** Per-slice counts of one tag, oldest first. */
  private static final class Slices {
    private final ArrayDeque<long[]> slices = new ArrayDeque<>();

    synchronized void add(long slice) {
      long[] last = slices.peekLast();
      if (last != null && last[0] == slice) {
        last[1]++;
      } else {
        slices.addLast(new long[] {slice, 1});
      }
    }

    synchronized long countSince(long oldest) {
      while (!slices.isEmpty() && slices.peekFirst()[0] < oldest) {
        slices.pollFirst();
      }
      long n = 0;
      for (long[] s : slices) {
        n += s[1];
      }
      return n;
    }
  }
}
