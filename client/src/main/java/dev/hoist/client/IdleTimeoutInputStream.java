package dev.hoist.client;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Fails a read that waits longer than {@code idle} for the next byte. {@code java.net.http} has no
 * read timeout once the headers have arrived, so a watchdog task checks a blocked read every
 * quarter of the timeout and closes the response stream, which wakes the reader. Time the caller
 * spends between reads does not count.
 */
final class IdleTimeoutInputStream extends FilterInputStream {
  private final Duration idle;
  private final long idleNanos;
  private final ScheduledFuture<?> watchdog;
  private volatile boolean reading;
  private volatile long readStartedAt;
  private volatile boolean timedOut;

  IdleTimeoutInputStream(InputStream in, Duration idle, ScheduledExecutorService scheduler) {
    super(in);
    this.idle = idle;
    this.idleNanos = idle.toNanos();
    long period = Math.max(idleNanos / 4, TimeUnit.MILLISECONDS.toNanos(5));
    this.watchdog =
        scheduler.scheduleWithFixedDelay(this::check, period, period, TimeUnit.NANOSECONDS);
  }

  private void check() {
    if (reading && System.nanoTime() - readStartedAt > idleNanos) {
      timedOut = true;
      watchdog.cancel(false);
      try {
        in.close();
      } catch (IOException e) {
        // the reader sees the failure
      }
    }
  }

  @Override
  public int read() throws IOException {
    begin();
    try {
      int b = in.read();
      if (b < 0) {
        watchdog.cancel(false);
      }
      return b;
    } catch (IOException e) {
      throw translate(e);
    } finally {
      reading = false;
    }
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    begin();
    try {
      int n = in.read(b, off, len);
      if (n < 0) {
        watchdog.cancel(false);
      }
      return n;
    } catch (IOException e) {
      throw translate(e);
    } finally {
      reading = false;
    }
  }

  @Override
  public long skip(long n) throws IOException {
    begin();
    try {
      return in.skip(n);
    } catch (IOException e) {
      throw translate(e);
    } finally {
      reading = false;
    }
  }

  @Override
  public void close() throws IOException {
    watchdog.cancel(false);
    in.close();
  }

  private void begin() throws IOException {
    if (timedOut) {
      throw timeout(null);
    }
    readStartedAt = System.nanoTime();
    reading = true;
  }

  private IOException translate(IOException e) {
    return timedOut ? timeout(e) : e;
  }

  private IOException timeout(IOException cause) {
    HttpTimeoutException t =
        new HttpTimeoutException("no response data for " + idle.toMillis() + " ms");
    if (cause != null) {
      t.initCause(cause);
    }
    return t;
  }
}
