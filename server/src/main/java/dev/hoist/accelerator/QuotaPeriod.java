package dev.hoist.accelerator;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;

/** When a tenant's traffic count starts again. Periods follow UTC calendar dates. */
public enum QuotaPeriod {
  /** Never: the quota is for all time (invitations and admins raise it). */
  NONE,
  /** On the first day of every month, 00:00 UTC. */
  MONTHLY;

  /** The first day that counts towards the quota on {@code today}. */
  LocalDate start(LocalDate today) {
    return this == MONTHLY ? today.withDayOfMonth(1) : LocalDate.EPOCH;
  }

  /** When the count next starts again after {@code now}; empty for {@link #NONE}. */
  Optional<Instant> nextReset(Instant now) {
    if (this == NONE) {
      return Optional.empty();
    }
    LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
    return Optional.of(
        today.withDayOfMonth(1).plusMonths(1).atStartOfDay().toInstant(ZoneOffset.UTC));
  }

  static QuotaPeriod parse(String text) {
    return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "none" -> NONE;
      case "monthly" -> MONTHLY;
      default -> throw new IllegalArgumentException("must be none or monthly: " + text);
    };
  }
}
