package dev.hoist.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A tiny HTTP server on 127.0.0.1 for unit tests: every request is recorded and handed to the
 * test's handler. {@code localhost} reaches the same socket under another host name, which is how
 * tests get two origins.
 */
final class FakeServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile Handler handler;

  /** One recorded request; header names are case-insensitive. */
  record Request(String method, URI uri, Map<String, List<String>> headers, byte[] body) {
    String header(String name) {
      List<String> v = headers.get(name);
      return v == null || v.isEmpty() ? null : v.get(0);
    }

    String path() {
      return uri.getRawPath();
    }

    String query() {
      return uri.getRawQuery();
    }

    @Override
    public String toString() {
      return method + " " + uri;
    }
  }

  interface Handler {
    void handle(Request request, HttpExchange exchange) throws IOException;
  }

  private FakeServer(Handler handler) throws IOException {
    this.handler = handler;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
    server.setExecutor(executor);
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
              body = in.readAllBytes();
            }
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k, new ArrayList<>(v)));
            Request r = new Request(ex.getRequestMethod(), ex.getRequestURI(), headers, body);
            requests.add(r);
            this.handler.handle(r, ex);
          } catch (IOException | RuntimeException e) {
            // a handler that breaks the connection on purpose ends up here
          }
        });
    server.start();
  }

  static FakeServer start(Handler handler) {
    try {
      return new FakeServer(handler);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void handler(Handler h) {
    this.handler = h;
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://127.0.0.1:<port>}. */
  URI base() {
    return base("127.0.0.1");
  }

  /** {@code http://<host>:<port>}, e.g. {@code localhost} for a second host name. */
  URI base(String host) {
    return URI.create("http://" + host + ":" + port());
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  /** Requests whose path contains {@code part}. */
  List<Request> requests(String part) {
    return requests.stream().filter(r -> r.path().contains(part)).toList();
  }

  void clear() {
    requests.clear();
  }

  static void reply(HttpExchange ex, int status, String body, String... headers)
      throws IOException {
    reply(ex, status, body == null ? null : body.getBytes(StandardCharsets.UTF_8), headers);
  }

  /**
   * Sends a response; {@code headers} alternate names and values. A HEAD answer carries the body's
   * length but no body.
   */
  static void reply(HttpExchange ex, int status, byte[] body, String... headers)
      throws IOException {
    for (int i = 0; i + 1 < headers.length; i += 2) {
      ex.getResponseHeaders().add(headers[i], headers[i + 1]);
    }
    if (ex.getRequestMethod().equals("HEAD")) {
      if (body != null) {
        ex.getResponseHeaders().set("Content-Length", Long.toString(body.length));
      }
      ex.sendResponseHeaders(status, -1);
      return;
    }
    if (body == null || body.length == 0) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
