package dev.hoist.accelerator;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;

/**
 * One account's traffic in the current quota period, exact under concurrency: every change happens
 * under this object's lock (a handful of operations per request, never during I/O).
 *
 * <p>Admission rule: a manifest or blob body may start only while {@code used + reserved < limit},
 * where {@code reserved} is the full length of every admitted transfer still in flight. The
 * transfer that crosses the limit completes (the client gets what it was promised) and the tenant
 * is then over quota; every later one is refused. So parallel requests, ranges and retries can
 * exceed the limit by at most one transfer.
 */
final class TenantUsage {
  private final String accountId;
  private final QuotaPeriod period;
  private long limit;
  private boolean disabled;
  private LocalDate periodStart;
  private long used;
  private long reserved;
  private int inFlight;
  private final Map<LocalDate, Long> unflushed = new HashMap<>();

  TenantUsage(
      String accountId,
      QuotaPeriod period,
      long limit,
      boolean disabled,
      LocalDate today,
      long usedThisPeriod) {
    this.accountId = accountId;
    this.period = period;
    this.limit = limit;
    this.disabled = disabled;
    this.periodStart = period.start(today);
    this.used = usedThisPeriod;
  }

  String accountId() {
    return accountId;
  }

  synchronized long limit() {
    return limit;
  }

  synchronized boolean disabled() {
    return disabled;
  }

  synchronized void update(long limit, boolean disabled) {
    this.limit = limit;
    this.disabled = disabled;
  }

  /** Bytes used in the period that contains {@code today}, recorded or not yet. */
  synchronized long used(LocalDate today) {
    roll(today);
    return used;
  }

  synchronized int inFlight() {
    return inFlight;
  }

  /** Whether a new metered request may even start: false at or over the limit. */
  synchronized boolean underLimit(LocalDate today) {
    roll(today);
    return used + reserved < limit;
  }

  /** Reserves a transfer of {@code length} body bytes when it may start (see the class doc). */
  synchronized boolean reserve(long length, LocalDate today) {
    roll(today);
    if (used + reserved >= limit) {
      return false;
    }
    reserved += length;
    inFlight++;
    return true;
  }

  /** Ends a reserved transfer: its reservation goes, the bytes it actually wrote stay. */
  synchronized void release(long length) {
    reserved -= length;
    inFlight--;
  }

  /**
   * Ends a reserved transfer of {@code length} that wrote {@code bytes}, in one step: were the
   * reservation dropped before the bytes were added, another request could start in between.
   */
  synchronized void settle(long length, long bytes, LocalDate today) {
    release(length);
    charge(bytes, today);
  }

  /** Adds bytes written to the client on {@code today}. */
  synchronized void charge(long bytes, LocalDate today) {
    if (bytes <= 0) {
      return;
    }
    roll(today);
    used += bytes;
    unflushed.merge(today, bytes, Long::sum);
  }

  /** Takes the bytes not yet written to the database, per day. */
  synchronized Map<LocalDate, Long> drain() {
    Map<LocalDate, Long> copy = Map.copyOf(unflushed);
    unflushed.clear();
    return copy;
  }

  /** Gives back what {@link #drain()} took, when writing it failed. */
  synchronized void restore(Map<LocalDate, Long> days) {
    days.forEach((day, bytes) -> unflushed.merge(day, bytes, Long::sum));
  }

  private void roll(LocalDate today) {
    LocalDate start = period.start(today);
    if (start.isAfter(periodStart)) {
      periodStart = start;
      long carried = 0;
      for (Map.Entry<LocalDate, Long> e : unflushed.entrySet()) {
        if (!e.getKey().isBefore(start)) {
          carried += e.getValue();
        }
      }
      used = carried;
    }
  }
}
