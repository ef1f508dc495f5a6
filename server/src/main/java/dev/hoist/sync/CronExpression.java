package dev.hoist.sync;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;

/**
 * A classic five-field cron expression, evaluated in UTC: minute (0-59), hour (0-23), day of month
 * (1-31), month (1-12), day of week (0-7, 0 and 7 are Sunday). Each field is {@code *}, a number, a
 * range {@code a-b}, a step {@code * /n} or {@code a-b/n}, or a comma-separated list of these. As
 * in cron, when both day fields are restricted a day matching either one is due. Names ({@code
 * MON}, {@code JAN}) and macros ({@code @daily}) are not supported.
 */
final class CronExpression {
  private final String text;
  private final BitSet minutes;
  private final BitSet hours;
  private final BitSet days;
  private final BitSet months;
  private final BitSet weekdays;
  private final boolean daysRestricted;
  private final boolean weekdaysRestricted;

  private CronExpression(String text, String[] f) {
    this.text = text;
    this.minutes = field(f[0], 0, 59, "minute");
    this.hours = field(f[1], 0, 23, "hour");
    this.days = field(f[2], 1, 31, "day of month");
    this.months = field(f[3], 1, 12, "month");
    BitSet w = field(f[4], 0, 7, "day of week");
    if (w.get(7)) {
      w.set(0);
    }
    this.weekdays = w;
    this.daysRestricted = !f[2].equals("*");
    this.weekdaysRestricted = !f[4].equals("*");
  }

  /**
   * @throws IllegalArgumentException naming the field that is wrong
   */
  static CronExpression parse(String text) {
    String[] f = text.trim().split("\\s+");
    if (f.length != 5) {
      throw new IllegalArgumentException(
          "cron '" + text + "' must have 5 fields (minute hour day month weekday)");
    }
    return new CronExpression(text.trim(), f);
  }

  /** The first minute strictly after {@code after} that the expression names. */
  Instant next(Instant after) {
    LocalDateTime t =
        LocalDateTime.ofInstant(after, ZoneOffset.UTC)
            .truncatedTo(ChronoUnit.MINUTES)
            .plusMinutes(1);
    // Four years of minutes covers every satisfiable expression (Feb 29 included).
    LocalDateTime limit = t.plusYears(5);
    while (t.isBefore(limit)) {
      if (!months.get(t.getMonthValue())) {
        t = t.withDayOfMonth(1).withHour(0).withMinute(0).plusMonths(1);
        continue;
      }
      if (!dayMatches(t)) {
        t = t.withHour(0).withMinute(0).plusDays(1);
        continue;
      }
      if (!hours.get(t.getHour())) {
        t = t.withMinute(0).plusHours(1);
        continue;
      }
      if (!minutes.get(t.getMinute())) {
        t = t.plusMinutes(1);
        continue;
      }
      return t.toInstant(ZoneOffset.UTC);
    }
    throw new IllegalStateException("cron '" + text + "' never fires");
  }

  private boolean dayMatches(LocalDateTime t) {
    boolean dom = days.get(t.getDayOfMonth());
    boolean dow = weekdays.get(t.getDayOfWeek().getValue() % 7);
    if (daysRestricted && weekdaysRestricted) {
      return dom || dow;
    }
    return dom && dow;
  }

  private static BitSet field(String spec, int min, int max, String what) {
    BitSet bits = new BitSet(max + 1);
    for (String part : spec.split(",")) {
      int step = 1;
      String range = part;
      int slash = part.indexOf('/');
      if (slash >= 0) {
        step = number(part.substring(slash + 1), what);
        range = part.substring(0, slash);
        if (step < 1) {
          throw new IllegalArgumentException("cron " + what + " step must be at least 1");
        }
      }
      int lo;
      int hi;
      if (range.equals("*")) {
        lo = min;
        hi = max;
      } else if (range.contains("-")) {
        String[] ab = range.split("-", 2);
        lo = number(ab[0], what);
        hi = number(ab[1], what);
      } else {
        lo = number(range, what);
        hi = slash >= 0 ? max : lo;
      }
      if (lo < min || hi > max || lo > hi) {
        throw new IllegalArgumentException(
            "cron " + what + " '" + part + "' is outside " + min + "-" + max);
      }
      for (int i = lo; i <= hi; i += step) {
        bits.set(i);
      }
    }
    return bits;
  }

  private static int number(String s, String what) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("cron " + what + " '" + s + "' is not a number");
    }
  }

  @Override
  public String toString() {
    return text;
  }
}
