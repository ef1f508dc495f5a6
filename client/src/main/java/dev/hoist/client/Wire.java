package dev.hoist.client;

import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The bottom of the transport: one HTTP exchange on {@link HttpClient}, its body streamed through
 * an {@link IdleTimeoutInputStream}. Requests carry the User-Agent; plain-HTTP requests are pinned
 * to HTTP/1.1 so no {@code h2c} upgrade is attempted; requests without a streamed body time out
 * when the response headers do not arrive within the first-byte timeout.
 *
 * <p>Every exchange of the client (registry, redirect hops, token realms) passes through {@link
 * #send}, which is why the {@link RequestObserver} is told here.
 */
final class Wire {
  private final HttpClient client;
  private final ScheduledExecutorService scheduler;
  private final Duration firstByteTimeout;
  private final Duration idleReadTimeout;
  private final String userAgent;
  private final RequestObserver observer;

  Wire(
      HttpClient client,
      ScheduledExecutorService scheduler,
      Duration firstByteTimeout,
      Duration idleReadTimeout,
      String userAgent) {
    this(client, scheduler, firstByteTimeout, idleReadTimeout, userAgent, RequestObserver.NONE);
  }

  Wire(
      HttpClient client,
      ScheduledExecutorService scheduler,
      Duration firstByteTimeout,
      Duration idleReadTimeout,
      String userAgent,
      RequestObserver observer) {
    this.client = client;
    this.scheduler = scheduler;
    this.firstByteTimeout = firstByteTimeout;
    this.idleReadTimeout = idleReadTimeout;
    this.userAgent = userAgent;
    this.observer = observer;
  }

  /** A request builder for {@code uri} with the common headers and, unless streaming, a timeout. */
  HttpRequest.Builder request(URI uri, boolean streamedBody) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("User-Agent", userAgent);
    if ("http".equalsIgnoreCase(uri.getScheme())) {
      b.version(HttpClient.Version.HTTP_1_1);
    }
    if (!streamedBody) {
      // Until the response headers arrive; the body is guarded by the idle read timeout.
      b.timeout(firstByteTimeout);
    }
    return b;
  }

  Response send(HttpRequest request) throws IOException, InterruptedException {
    if (observer == RequestObserver.NONE) {
      HttpResponse<InputStream> r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
      InputStream body = new IdleTimeoutInputStream(r.body(), idleReadTimeout, scheduler);
      return new Response(r.statusCode(), r.headers(), body, request.uri());
    }
    long started = System.nanoTime();
    HttpResponse<InputStream> r;
    try {
      r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException | InterruptedException | RuntimeException e) {
      try {
        observer.failure(request.method(), request.uri(), e);
      } catch (RuntimeException ignored) {
        // an observer never changes what the client does
      }
      throw e;
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
    try {
      observer.response(request.method(), request.uri(), r.statusCode(), elapsed);
    } catch (RuntimeException ignored) {
      // an observer never changes what the client does
    }
    InputStream body =
        new CountingInputStream(
            new IdleTimeoutInputStream(r.body(), idleReadTimeout, scheduler), observer);
    return new Response(r.statusCode(), r.headers(), body, request.uri());
  }

  /** A response whose body is still to be read; close it to release the connection. */
  record Response(int status, HttpHeaders headers, InputStream body, URI uri) implements Closeable {

    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    long contentLength() {
      return headers.firstValueAsLong("Content-Length").orElse(-1);
    }

    /**
     * Reads the body, at most {@code limit} bytes.
     *
     * @throws BodyTooLargeException when there is more
     */
    byte[] readBody(int limit) throws IOException {
      try (InputStream in = body) {
        byte[] bytes = in.readNBytes(limit);
        if (bytes.length == limit && in.read() >= 0) {
          throw new BodyTooLargeException(limit);
        }
        return bytes;
      }
    }

    @Override
    public void close() {
      try {
        body.close();
      } catch (IOException e) {
        // nothing more to release
      }
    }
  }

  /** A response body longer than the reader accepts. */
  static final class BodyTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    BodyTooLargeException(int limit) {
      super("response body is larger than " + limit + " bytes");
    }
  }

  /** Tells the observer how many body bytes each read and skip consumed. */
  static final class CountingInputStream extends FilterInputStream {
    private final RequestObserver observer;

    CountingInputStream(InputStream in, RequestObserver observer) {
      super(in);
      this.observer = observer;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = in.skip(n);
      if (skipped > 0) {
        count(skipped);
      }
      return skipped;
    }

    @Override
    public boolean markSupported() {
      return false; // a reset would count bytes twice
    }

    @Override
    public synchronized void mark(int readlimit) {}

    @Override
    public synchronized void reset() throws IOException {
      throw new IOException("mark/reset is not supported");
    }

    private void count(long n) {
      try {
        observer.bytesRead(n);
      } catch (RuntimeException ignored) {
        // an observer never changes what the client does
      }
    }
  }
}
