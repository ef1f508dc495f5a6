package dev.hoist.storage;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the nodes of a cluster share besides registry content, in one transaction of {@link
 * MetadataStore}: leases (one owner at a time for a name, such as a blob's fill or a scheduled
 * job), the nodes themselves, console sessions and failed logins. A single node uses the same
 * tables; they are small and rows expire. Methods that write throw {@link IllegalStateException} in
 * a read transaction.
 */
public interface ClusterTransaction {

  /**
   * Takes the lease {@code name} for {@code owner} until {@code until} when it is free, expired at
   * {@code now}, or already {@code owner}'s (then it is renewed); returns the lease as it stands
   * afterwards, whoever holds it.
   */
  Lease acquireLease(String name, String owner, Instant now, Instant until);

  /** The lease {@code name}, expired or not; empty when nobody took it or it was released. */
  Optional<Lease> lease(String name);

  /** Gives up {@code owner}'s lease; false when {@code owner} does not hold it. */
  boolean releaseLease(String name, String owner);

  /** Records that node {@code id} is alive at {@code at} and reachable at {@code address}. */
  void nodeAlive(String id, String address, Instant at);

  /** A node's last heartbeat; empty for a node never seen (or forgotten). */
  Optional<ClusterNode> node(String id);

  /** Nodes whose last heartbeat is at or after {@code since}, by id. */
  List<ClusterNode> nodes(Instant since);

  /** Forgets nodes silent since before {@code before}; returns how many. */
  int forgetNodes(Instant before);

  /** Stores a console session under {@code key} (a hash of its token, never the token itself). */
  void putSession(SessionRecord session);

  Optional<SessionRecord> session(String key);

  boolean deleteSession(String key);

  /** Deletes sessions that expired before {@code now}; returns how many. */
  int deleteExpiredSessions(Instant now);

  /** Counts one failed login for {@code key} (a user name or an address) at {@code at}. */
  void loginFailed(String key, Instant at);

  /** When {@code key}'s failures since {@code since} happened, oldest first. */
  List<Instant> loginFailures(String key, Instant since);

  /** Forgets {@code key}'s failures (a right password). */
  void clearLoginFailures(String key);

  /** Forgets every failure before {@code before}; returns how many. */
  int forgetLoginFailures(Instant before);

  /** One owner of a name until a time. */
  record Lease(String name, String owner, Instant expires) {
    public boolean heldBy(String node, Instant now) {
      return owner.equals(node) && expires.isAfter(now);
    }

    public boolean expired(Instant now) {
      return !expires.isAfter(now);
    }
  }

  /** A node of the cluster: how to reach it, and when it last said it was alive. */
  record ClusterNode(String id, String address, Instant seen) {}

  /** A console session: its token's hash, the account, the CSRF token and when it expires. */
  record SessionRecord(String key, String accountId, String csrf, Instant expires) {}
}
