package dev.hoist.client;

import java.io.Closeable;
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
 */
final class Wire {
  private final HttpClient client;
  private final ScheduledExecutorService scheduler;
  private final Duration firstByteTimeout;
  private final Duration idleReadTimeout;
  private final String userAgent;

  Wire(
      HttpClient client,
      ScheduledExecutorService scheduler,
      Duration firstByteTimeout,
      Duration idleReadTimeout,
      String userAgent) {
    this.client = client;
    this.scheduler = scheduler;
    this.firstByteTimeout = firstByteTimeout;
    this.idleReadTimeout = idleReadTimeout;
    this.userAgent = userAgent;
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
    HttpResponse<InputStream> r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    InputStream body = new IdleTimeoutInputStream(r.body(), idleReadTimeout, scheduler);
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
}
