package dev.hoist.testkit;

import dev.hoist.storage.ClusterTransaction;
import dev.hoist.storage.ClusterTransaction.ClusterNode;
import dev.hoist.storage.ClusterTransaction.Lease;
import dev.hoist.storage.ClusterTransaction.SessionRecord;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/** The cluster part of {@link MemoryMetadataStore}'s state: copied for each write transaction. */
final class MemoryCluster {
  private final Map<String, Lease> leases;
  private final TreeMap<String, ClusterNode> nodes;
  private final Map<String, SessionRecord> sessions;
  private final Map<String, List<Instant>> failures;

  MemoryCluster() {
    this(new HashMap<>(), new TreeMap<>(), new HashMap<>(), new HashMap<>());
  }

  private MemoryCluster(
      Map<String, Lease> leases,
      TreeMap<String, ClusterNode> nodes,
      Map<String, SessionRecord> sessions,
      Map<String, List<Instant>> failures) {
    this.leases = leases;
    this.nodes = nodes;
    this.sessions = sessions;
    this.failures = failures;
  }

  MemoryCluster copy() {
    Map<String, List<Instant>> failuresCopy = new HashMap<>();
    failures.forEach((k, v) -> failuresCopy.put(k, new ArrayList<>(v)));
    return new MemoryCluster(
        new HashMap<>(leases), new TreeMap<>(nodes), new HashMap<>(sessions), failuresCopy);
  }

  /** A view for one transaction; {@code check} runs before every call with whether it writes. */
  ClusterTransaction transaction(Consumer<Boolean> check) {
    return new ClusterTransaction() {
      @Override
      public Lease acquireLease(String name, String owner, Instant now, Instant until) {
        check.accept(true);
        Lease held = leases.get(name);
        if (held == null || held.owner().equals(owner) || held.expired(millis(now))) {
          leases.put(name, new Lease(name, owner, millis(until)));
        }
        return leases.get(name);
      }

      @Override
      public Optional<Lease> lease(String name) {
        check.accept(false);
        return Optional.ofNullable(leases.get(name));
      }

      @Override
      public boolean releaseLease(String name, String owner) {
        check.accept(true);
        Lease held = leases.get(name);
        if (held == null || !held.owner().equals(owner)) {
          return false;
        }
        leases.remove(name);
        return true;
      }

      @Override
      public void nodeAlive(String id, String address, Instant at) {
        check.accept(true);
        nodes.put(id, new ClusterNode(id, address, millis(at)));
      }

      @Override
      public Optional<ClusterNode> node(String id) {
        check.accept(false);
        return Optional.ofNullable(nodes.get(id));
      }

      @Override
      public List<ClusterNode> nodes(Instant since) {
        check.accept(false);
        return nodes.values().stream().filter(n -> !n.seen().isBefore(millis(since))).toList();
      }

      @Override
      public int forgetNodes(Instant before) {
        check.accept(true);
        int n = nodes.size();
        nodes.values().removeIf(node -> node.seen().isBefore(millis(before)));
        return n - nodes.size();
      }

      @Override
      public void putSession(SessionRecord s) {
        check.accept(true);
        sessions.put(
            s.key(), new SessionRecord(s.key(), s.accountId(), s.csrf(), millis(s.expires())));
      }

      @Override
      public Optional<SessionRecord> session(String key) {
        check.accept(false);
        return Optional.ofNullable(sessions.get(key));
      }

      @Override
      public boolean deleteSession(String key) {
        check.accept(true);
        return sessions.remove(key) != null;
      }

      @Override
      public int deleteExpiredSessions(Instant now) {
        check.accept(true);
        int n = sessions.size();
        sessions.values().removeIf(s -> s.expires().isBefore(millis(now)));
        return n - sessions.size();
      }

      @Override
      public void loginFailed(String key, Instant at) {
        check.accept(true);
        failures.computeIfAbsent(key, k -> new ArrayList<>()).add(millis(at));
      }

      @Override
      public List<Instant> loginFailures(String key, Instant since) {
        check.accept(false);
        return failures.getOrDefault(key, List.of()).stream()
            .filter(at -> !at.isBefore(millis(since)))
            .sorted()
            .toList();
      }

      @Override
      public void clearLoginFailures(String key) {
        check.accept(true);
        failures.remove(key);
      }

      @Override
      public int forgetLoginFailures(Instant before) {
        check.accept(true);
        int[] removed = {0};
        failures
            .values()
            .forEach(
                list -> {
                  int n = list.size();
                  list.removeIf(at -> at.isBefore(millis(before)));
                  removed[0] += n - list.size();
                });
        failures.values().removeIf(List::isEmpty);
        return removed[0];
      }
    };
  }

  private static Instant millis(Instant instant) {
    return instant.truncatedTo(ChronoUnit.MILLIS);
  }
}
