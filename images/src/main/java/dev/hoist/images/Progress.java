package dev.hoist.images;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Docker-style transfer progress: one line per layer, {@code <id>: <status> [<progress>]}, e.g.
 *
 * <pre>
 * 4f4fb700ef54: Already exists
 * 8a1e25ce7c4f: Downloading [==========>                                        ]  6.291MB/29.54MB
 * 2b1c9e0d7a33: Waiting
 * </pre>
 *
 * <p>On a terminal the lines are redrawn in place (cursor up, clear line, rewrite, as Docker's
 * {@code jsonmessage} does) and the bar moves; elsewhere (output redirected, {@link
 * System#console()} null) every status change is printed as a plain line and the bar is left out.
 * Quiet progress prints nothing. Thread-safe: layer downloads report from many threads.
 */
public final class Progress {
  private static final int BAR_WIDTH = 50;
  private static final long REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final String ESC = "\u001b[";

  private final PrintWriter out;
  private final boolean terminal;
  private final boolean quiet;
  private final LongSupplier nanoClock;
  private final List<Line> lines = new ArrayList<>();

  public Progress(PrintWriter out, boolean terminal, boolean quiet) {
    this(out, terminal, quiet, System::nanoTime);
  }

  Progress(PrintWriter out, boolean terminal, boolean quiet, LongSupplier nanoClock) {
    this.out = Objects.requireNonNull(out, "out");
    this.terminal = terminal;
    this.quiet = quiet;
    this.nanoClock = nanoClock;
  }

  /** Progress that prints nothing. */
  public static Progress silent(PrintWriter out) {
    return new Progress(out, false, true);
  }

  public boolean quiet() {
    return quiet;
  }

  /**
   * Prints a message line. Lines already shown stay where they are; the message goes below them,
   * and later redraws account for it.
   */
  public synchronized void println(String message) {
    if (quiet) {
      return;
    }
    out.println(message);
    out.flush();
    if (terminal) {
      lines.add(null); // a line that is no longer redrawn, but counts for cursor moves
    }
  }

  /** Adds a line for {@code id} (shortened to 12 characters as Docker does) with a status. */
  public synchronized Line line(String id, String status) {
    Line l = new Line(shortId(id), status);
    if (quiet) {
      return l;
    }
    if (terminal) {
      lines.add(l);
      l.index = lines.size() - 1;
    }
    out.println(l.render());
    out.flush();
    return l;
  }

  /** Docker's short form of an ID or digest: the first 12 hex characters. */
  public static String shortId(String id) {
    String s = id;
    int colon = s.indexOf(':');
    if (colon >= 0) {
      s = s.substring(colon + 1);
    }
    return s.length() > 12 ? s.substring(0, 12) : s;
  }

  /**
   * Docker's progress text ({@code JSONProgress.String} for a wide terminal, without the time
   * left): {@code [=====> ] 1.2MB/3.4MB}; just the current size when the total is unknown; the
   * current size alone when it exceeds the total.
   */
  public static String bar(long current, long total) {
    if (current <= 0 && total <= 0) {
      return "";
    }
    if (total <= 0) {
      return String.format("%8s", HumanUnits.transferSize(current));
    }
    int percentage = (int) ((double) current / total * 100) / 2;
    if (percentage > BAR_WIDTH) {
      percentage = BAR_WIDTH;
    }
    String box = "[" + "=".repeat(percentage) + ">" + " ".repeat(BAR_WIDTH - percentage) + "] ";
    String numbers =
        current > total
            ? String.format("%8s", HumanUnits.transferSize(current))
            : String.format(
                "%8s/%s", HumanUnits.transferSize(current), HumanUnits.transferSize(total));
    return box + numbers;
  }

  private void redraw(Line l) {
    if (quiet) {
      return;
    }
    if (!terminal) {
      out.println(l.render());
      out.flush();
      return;
    }
    int up = lines.size() - l.index;
    out.print(ESC + up + "A\r" + ESC + "2K" + l.render() + "\r" + ESC + up + "B");
    out.flush();
  }

  /** One layer's line. */
  public final class Line {
    private final String id;
    private String status;
    private String detail = "";
    private int index = -1;
    private long lastDraw;

    private Line(String id, String status) {
      this.id = id;
      this.status = status;
    }

    public String id() {
      return id;
    }

    /** Sets the status ("Waiting", "Verifying Checksum", ...) and clears the progress. */
    public void status(String newStatus) {
      status(newStatus, "");
    }

    /** Sets the status with a detail after it (a progress bar, "from mirror ..."). */
    public void status(String newStatus, String newDetail) {
      synchronized (Progress.this) {
        boolean changed = !newStatus.equals(status) || !newDetail.equals(detail);
        status = newStatus;
        detail = newDetail;
        if (changed) {
          lastDraw = nanoClock.getAsLong();
          redraw(this);
        }
      }
    }

    /**
     * Reports bytes transferred: on a terminal the bar is redrawn (at most every 100 ms, and at the
     * end); elsewhere nothing is printed.
     */
    public void progress(String activity, long current, long total) {
      synchronized (Progress.this) {
        if (!terminal || quiet) {
          if (!activity.equals(status)) {
            status = activity;
            detail = "";
            redraw(this);
          }
          return;
        }
        long now = nanoClock.getAsLong();
        boolean first = !activity.equals(status);
        boolean done = total > 0 && current >= total;
        status = activity;
        detail = bar(current, total);
        if (first || done || now - lastDraw >= REDRAW_NANOS) {
          lastDraw = now;
          redraw(this);
        }
      }
    }

    String render() {
      return id + ": " + status + (detail.isEmpty() ? "" : " " + detail);
    }
  }
}
