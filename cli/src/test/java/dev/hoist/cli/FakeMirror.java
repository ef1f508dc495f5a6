package dev.hoist.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A stand-in mirror on {@code 127.0.0.1}: answers every request with one status, or forwards to a
 * real registry and optionally damages what blob requests return. Records every request it gets
 * (method, URI with query, {@code Authorization}).
 */
final class FakeMirror implements AutoCloseable {
  /** What a forwarding mirror does to blob bodies. */
  enum Damage {
    NONE,
    /** Flips one byte in the middle of every blob body. */
    FLIP_BYTES,
    /** Sends the headers of the whole blob, then half the body, then drops the connection. */
    BREAK_OFF
  }

  record Received(String method, String uri, String authorization) {}

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private FakeMirror(Handler handler) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.createContext(
        "/",
        exchange -> {
          received.add(
              new Received(
                  exchange.getRequestMethod(),
                  exchange.getRequestURI().toString(),
                  exchange.getRequestHeaders().getFirst("Authorization")));
          try {
            handler.handle(this, exchange);
          } catch (IOException | RuntimeException e) {
            // the client sees a broken connection
          } finally {
            exchange.close();
          }
        });
    server.start();
  }

  private interface Handler {
    void handle(FakeMirror self, HttpExchange exchange) throws IOException;
  }

  /** Answers every request with {@code status} and a registry error body. */
  static FakeMirror answering(int status) throws IOException {
    return new FakeMirror(
        (self, ex) -> {
          byte[] body =
              ("{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"fake mirror says "
                      + status
                      + "\"}]}")
                  .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "application/json");
          ex.sendResponseHeaders(status, body.length);
          ex.getResponseBody().write(body);
        });
  }

  /**
   * Challenges every {@code /v2/} request for a Bearer token from a realm on this same host, and
   * hands out tokens that never work: a mirror that wants credentials.
   */
  static FakeMirror challenging() throws IOException {
    return new FakeMirror(
        (self, ex) -> {
          if (ex.getRequestURI().getPath().equals("/token")) {
            byte[] body =
                "{\"token\":\"mirror-token\",\"expires_in\":300}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            return;
          }
          ex.getResponseHeaders()
              .set(
                  "WWW-Authenticate",
                  "Bearer realm=\"" + self.url() + "/token\",service=\"fake-mirror\"");
          byte[] body =
              "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}"
                  .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "application/json");
          ex.sendResponseHeaders(401, body.length);
          ex.getResponseBody().write(body);
        });
  }

  /** Forwards every request to {@code origin} (e.g. {@code http://127.0.0.1:5000}). */
  static FakeMirror forwardingTo(String origin, Damage damage) throws IOException {
    return new FakeMirror((self, ex) -> self.forward(origin, damage, ex));
  }

  private void forward(String origin, Damage damage, HttpExchange ex) throws IOException {
    URI target = URI.create(origin + ex.getRequestURI().toString());
    HttpRequest.Builder b =
        HttpRequest.newBuilder(target)
            .timeout(Duration.ofSeconds(30))
            .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
    for (String h : List.of("Accept", "Range", "Authorization")) {
      String v = ex.getRequestHeaders().getFirst(h);
      if (v != null) {
        b.header(h, v);
      }
    }
    HttpResponse<byte[]> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    for (String h :
        List.of(
            "Content-Type",
            "Docker-Content-Digest",
            "Content-Range",
            "WWW-Authenticate",
            "Location",
            "Accept-Ranges")) {
      r.headers().firstValue(h).ifPresent(v -> ex.getResponseHeaders().set(h, v));
    }
    byte[] body = r.body();
    boolean blob =
        ex.getRequestMethod().equals("GET")
            && ex.getRequestURI().getPath().contains("/blobs/")
            && (r.statusCode() == 200 || r.statusCode() == 206)
            && body.length > 1;
    boolean head = ex.getRequestMethod().equals("HEAD");
    if (head) {
      r.headers()
          .firstValue("Content-Length")
          .ifPresent(v -> ex.getResponseHeaders().set("Content-Length", v));
      ex.sendResponseHeaders(r.statusCode(), -1);
      return;
    }
    if (blob && damage == Damage.FLIP_BYTES) {
      body = body.clone();
      body[body.length / 2] ^= 0x5a;
    }
    ex.sendResponseHeaders(r.statusCode(), body.length == 0 ? -1 : body.length);
    OutputStream out = ex.getResponseBody();
    if (blob && damage == Damage.BREAK_OFF) {
      out.write(body, 0, body.length / 2);
      out.flush();
      throw new IOException("breaking off on purpose"); // the exchange is closed unfinished
    }
    out.write(body);
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  List<Received> received() {
    return List.copyOf(received);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    http.close();
  }
}
