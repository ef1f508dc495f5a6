package dev.hoist.auth;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed password checks per user name and per client address. One instance is shared by every
 * place that checks a password (the token service, the console and the accelerator's JSON API), so
 * that guesses spread over them count together.
 *
 * <p>After {@code maxPerUser} failures for one name within {@code window}, attempts for that name
 * are refused until the oldest failure ages out; an address may fail {@code maxPerAddress} times,
 * more than a name, because many honest users can share one address (NAT, a CI fleet) and their
 * correct passwords should not be refused for one user's typos. Names are compared ignoring case.
 * In memory, per node.
 */
public final class LoginLimiter {
  public static final int MAX_FAILURES_PER_USER = 5;
  public static final int MAX_FAILURES_PER_ADDRESS = 30;
  public static final Duration WINDOW = Duration.ofMinutes(15);
  // Above this many keys, keys without recent failures are dropped, so that guessed names cannot
  // fill the memory.
  private static final int SWEEP_ABOVE = 10_000;

  private final InstantSource clock;
  private final int maxPerUser;
  private final int maxPerAddress;
  private final Duration window;
  private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

  public LoginLimiter(InstantSource clock, int maxPerUser, int maxPerAddress, Duration window) {
    if (maxPerUser < 1 || maxPerAddress < 1 || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("limits and window must be positive");
    }
    this.clock = clock;
    this.maxPerUser = maxPerUser;
    this.maxPerAddress = maxPerAddress;
    this.window = window;
  }

  /** 5 failures per name, 30 per address, in 15 minutes. */
  public static LoginLimiter standard(InstantSource clock) {
    return new LoginLimiter(clock, MAX_FAILURES_PER_USER, MAX_FAILURES_PER_ADDRESS, WINDOW);
  }

  /**
   * Seconds until {@code user} may try again from {@code address}; 0 when it may now.
   *
   * @param address the client's IP address, or null when unknown
   */
  public long blockedSeconds(String user, String address) {
    Instant now = clock.instant();
    return Math.max(
        wait(userKey(user), maxPerUser, now), wait(addressKey(address), maxPerAddress, now));
  }

  /** Counts one wrong password (or unknown name) for {@code user} from {@code address}. */
  public void failed(String user, String address) {
    Instant now = clock.instant();
    if (failures.size() > SWEEP_ABOVE) {
      sweep(now);
    }
    for (String key : new String[] {userKey(user), addressKey(address)}) {
      Deque<Instant> list = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
      synchronized (list) {
        prune(list, now);
        list.addLast(now);
      }
    }
  }

  /** A right password forgets the name's failures (not the address's). */
  public void succeeded(String user) {
    failures.remove(userKey(user));
  }

  private long wait(String key, int max, Instant now) {
    Deque<Instant> list = failures.get(key);
    if (list == null) {
      return 0;
    }
    synchronized (list) {
      prune(list, now);
      if (list.size() < max) {
        return 0;
      }
      // The attempt is free again once enough of the oldest failures have aged out.
      Instant free = list.stream().skip(list.size() - max).findFirst().orElseThrow().plus(window);
      return Math.max(1, Duration.between(now, free).toSeconds() + 1);
    }
  }

  private void sweep(Instant now) {
    failures
        .entrySet()
        .removeIf(
            e -> {
              synchronized (e.getValue()) {
                prune(e.getValue(), now);
                return e.getValue().isEmpty();
              }
            });
  }

  private void prune(Deque<Instant> list, Instant now) {
    while (!list.isEmpty() && !list.peekFirst().plus(window).isAfter(now)) {
      list.removeFirst();
    }
  }

  private static String userKey(String user) {
    return "user:" + (user == null ? "" : user.trim().toLowerCase(Locale.ROOT));
  }

  private static String addressKey(String address) {
    return "ip:" + (address == null ? "?" : address);
  }
}
