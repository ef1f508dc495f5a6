package dev.hoist.auth;

import dev.hoist.storage.MetadataStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Failed password checks per user name and per client address. One instance is shared by every
 * place that checks a password (the token service, the console and the accelerator's JSON API), so
 * that guesses spread over them count together.
 *
 * <p>After {@code maxPerUser} failures for one name within {@code window}, attempts for that name
 * are refused until the oldest failure ages out; an address may fail {@code maxPerAddress} times,
 * more than a name, because many honest users can share one address (NAT, a CI fleet) and their
 * correct passwords should not be refused for one user's typos. Names are compared ignoring case.
 *
 * <p>Failures live in the metadata store, so guesses spread over the nodes sharing it count
 * together, and a restart forgets nothing. Attempts checked at the same moment (on one node or
 * several) may each pass before either failure is recorded: the limit can be passed by the number
 * of attempts in flight, never more. Failures older than the window are deleted now and then by the
 * node that records the next failure. Every method blocks (the database): call them off the event
 * loop.
 */
public final class LoginLimiter {
  public static final int MAX_FAILURES_PER_USER = 5;
  public static final int MAX_FAILURES_PER_ADDRESS = 30;
  public static final Duration WINDOW = Duration.ofMinutes(15);

  /** How often a node deletes failures that aged out (when it records one). */
  static final Duration PURGE_EVERY = Duration.ofMinutes(1);

  private final MetadataStore store;
  private final InstantSource clock;
  private final int maxPerUser;
  private final int maxPerAddress;
  private final Duration window;
  private final AtomicReference<Instant> lastPurge = new AtomicReference<>(Instant.MIN);

  public LoginLimiter(
      MetadataStore store,
      InstantSource clock,
      int maxPerUser,
      int maxPerAddress,
      Duration window) {
    if (maxPerUser < 1 || maxPerAddress < 1 || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("limits and window must be positive");
    }
    this.store = store;
    this.clock = clock;
    this.maxPerUser = maxPerUser;
    this.maxPerAddress = maxPerAddress;
    this.window = window;
  }

  /** 5 failures per name, 30 per address, in 15 minutes. */
  public static LoginLimiter standard(MetadataStore store, InstantSource clock) {
    return new LoginLimiter(store, clock, MAX_FAILURES_PER_USER, MAX_FAILURES_PER_ADDRESS, WINDOW);
  }

  /**
   * Seconds until {@code user} may try again from {@code address}; 0 when it may now. Blocks.
   *
   * @param address the client's IP address, or null when unknown
   */
  public long blockedSeconds(String user, String address) {
    Instant now = clock.instant();
    // A failure counts while it is younger than the window (the store keeps milliseconds).
    Instant since = now.minus(window).plusMillis(1);
    List<List<Instant>> both =
        store.read(
            tx ->
                List.of(
                    tx.cluster().loginFailures(userKey(user), since),
                    tx.cluster().loginFailures(addressKey(address), since)));
    return Math.max(wait(both.get(0), maxPerUser, now), wait(both.get(1), maxPerAddress, now));
  }

  /** Counts one wrong password (or unknown name) for {@code user} from {@code address}. Blocks. */
  public void failed(String user, String address) {
    Instant now = clock.instant();
    Instant last = lastPurge.get();
    boolean purge = !now.isBefore(last.plus(PURGE_EVERY)) && lastPurge.compareAndSet(last, now);
    store.write(
        tx -> {
          tx.cluster().loginFailed(userKey(user), now);
          tx.cluster().loginFailed(addressKey(address), now);
          if (purge) {
            tx.cluster().forgetLoginFailures(now.minus(window));
          }
          return null;
        });
  }

  /** A right password forgets the name's failures (not the address's). Blocks. */
  public void succeeded(String user) {
    String key = userKey(user);
    // Most sign-ins follow no failure: a read then, not a write (SQLite has one writer).
    if (store.read(tx -> tx.cluster().loginFailures(key, Instant.EPOCH)).isEmpty()) {
      return;
    }
    store.write(
        tx -> {
          tx.cluster().clearLoginFailures(key);
          return null;
        });
  }

  /** Seconds until one of {@code failures} (oldest first, all in the window) ages out. */
  private long wait(List<Instant> failures, int max, Instant now) {
    if (failures.size() < max) {
      return 0;
    }
    // The attempt is free again once enough of the oldest failures have aged out.
    Instant free = failures.get(failures.size() - max).plus(window);
    return Math.max(1, Duration.between(now, free).toSeconds() + 1);
  }

  private static String userKey(String user) {
    return "user:" + (user == null ? "" : user.trim().toLowerCase(Locale.ROOT));
  }

  private static String addressKey(String address) {
    return "ip:" + (address == null ? "?" : address);
  }
}
