package dev.hoist.testkit;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * An HTTP/1.1 reverse proxy on {@code 127.0.0.1} in front of an upstream registry that breaks
 * chosen responses on purpose, for testing the mirror and the client against faults, and logs every
 * exchange for assertions.
 *
 * <pre>{@code
 * try (DockerRegistryProcess upstream = DockerRegistryProcess.start();
 *     TamperingProxy proxy = TamperingProxy.start(upstream.url())) {
 *   proxy.on("GET", "/v2/.+/blobs/sha256:.*").once().flipByte(100);
 *   proxy.on("GET", "/v2/.+/manifests/.*").times(2).tooManyRequests(Duration.ofSeconds(1));
 *   // ... point the code under test at proxy.url() ...
 *   assertThat(proxy.requestCount("GET", "/v2/.+/blobs/.*")).isEqualTo(2);
 * }
 * }</pre>
 *
 * <p><b>Forwarding.</b> Every request is sent upstream with its method, path and query, and its
 * headers except the hop-by-hop ones ({@code Connection} and those it names, {@code Keep-Alive},
 * {@code Transfer-Encoding}, {@code TE}, {@code Trailer}, {@code Upgrade}, {@code Proxy-*}, {@code
 * Expect}); {@code Host} becomes the upstream's. Bodies are streamed both ways, never buffered: a
 * {@code Content-Length} body is copied as it is, a chunked one is re-chunked. Each request gets
 * its own upstream connection; the client's connection is kept alive. {@code Location} and {@code
 * Link} headers pointing at the upstream's origin are rewritten to the proxy's, so upload sessions
 * started through the proxy stay on it. The upstream must be plain {@code http://host:port} with no
 * path.
 *
 * <p><b>Rules.</b> {@link #on(String, String)} starts a rule matching a method ({@code null} or
 * {@code "*"} for any) and a regular expression over the whole path (query excluded); {@link
 * RuleBuilder#once()}, {@link RuleBuilder#times(int)} or {@link RuleBuilder#always()} (the default)
 * say how often it fires; the fault method ends the rule and installs it. For each request the
 * rules are tried in the order they were added and the first one that matches and has not run out
 * fires; the others wait for later requests. A throttle rule fires only when its budget is spent,
 * else the next rules are tried.
 *
 * <p><b>Faults</b> (see {@link RuleBuilder}): flip one byte of the response body, truncate the body
 * and close the connection, trickle the body slowly, delay the response headers, answer a status
 * (429 with {@code Retry-After}, 500, 502, 503, ...) without forwarding, refuse (close the
 * connection without an answer), and throttle to a request budget per sliding window.
 *
 * <p><b>Log.</b> {@link #exchanges()} lists every request: method, target, status sent, body bytes
 * sent to the client, the {@code Authorization} header it carried, the fault that fired, whether
 * the response was sent in full. The query methods first wait (up to 5 s) until no exchange is in
 * flight, so an exchange whose response a client has just read is in the log; do not call them
 * while a client is still reading a slow response.
 *
 * <p>Threads: one virtual thread per client connection (and one per streamed request body). Rules
 * may be added and removed while requests flow. {@link #close()} drops every connection.
 */
public final class TamperingProxy implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(TamperingProxy.class.getName());
  private static final int SETTLE_SECONDS = 5;
  private static final int MAX_LINE = 64 * 1024;
  private static final int MAX_HEADERS = 256;
  private static final int BUFFER = 64 * 1024;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration UPSTREAM_READ_TIMEOUT = Duration.ofMinutes(5);
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-authenticate",
          "proxy-authorization",
          "proxy-connection",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "expect");

  private final URI upstream;
  private final String upstreamOrigin;
  private final String upstreamAuthority;
  private final ServerSocket server;
  private final String origin;
  private final ExecutorService threads;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  private final List<Exchange> log = new CopyOnWriteArrayList<>();
  private final AtomicLong sequence = new AtomicLong();
  private final Object idle = new Object();
  private int inFlight; // guarded by idle
  private volatile boolean closed;

  /**
   * One request as the proxy handled it.
   *
   * @param sequence the order in which requests arrived, from 1
   * @param method e.g. {@code GET}
   * @param target the path and query as the client sent them
   * @param status the status sent to the client; 0 when none was (refused, or the upstream failed
   *     after the connection was lost)
   * @param bytesSent response body bytes written to the client
   * @param authorization the request's {@code Authorization} header, or null
   * @param fault the rule's fault that fired (e.g. {@code "flipByte(100)"}), or null
   * @param complete whether the client got the whole response (false when truncated, refused or
   *     broken)
   * @param elapsed from the request's headers to the response's last byte
   */
  public record Exchange(
      long sequence,
      String method,
      String target,
      int status,
      long bytesSent,
      String authorization,
      String fault,
      boolean complete,
      Duration elapsed) {

    /** The path without its query string. */
    public String path() {
      int q = target.indexOf('?');
      return q < 0 ? target : target.substring(0, q);
    }
  }

  private TamperingProxy(URI upstream) throws IOException {
    String scheme = Objects.toString(upstream.getScheme(), "").toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") || upstream.getHost() == null) {
      throw new IllegalArgumentException("upstream must be http://host:port: " + upstream);
    }
    String path = Objects.toString(upstream.getRawPath(), "");
    if (!path.isEmpty() && !path.equals("/")
        || upstream.getRawQuery() != null
        || upstream.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "upstream must be http://host:port without path, query or user: " + upstream);
    }
    int port = upstream.getPort() < 0 ? 80 : upstream.getPort();
    this.upstream = URI.create("http://" + upstream.getHost() + ":" + port);
    this.upstreamAuthority = upstream.getRawAuthority();
    this.upstreamOrigin = "http://" + upstreamAuthority;
    this.server = new ServerSocket(0, 128, InetAddress.getByName("127.0.0.1"));
    this.origin = "http://127.0.0.1:" + server.getLocalPort();
    this.threads =
        Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("tampering-proxy-" + server.getLocalPort() + "-", 0).factory());
    threads.execute(this::acceptLoop);
  }

  /** A proxy on a free {@code 127.0.0.1} port in front of {@code upstreamUrl}. */
  public static TamperingProxy start(String upstreamUrl) {
    return start(URI.create(upstreamUrl));
  }

  /** A proxy on a free {@code 127.0.0.1} port in front of {@code upstream}. */
  public static TamperingProxy start(URI upstream) {
    try {
      return new TamperingProxy(Objects.requireNonNull(upstream, "upstream"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the tampering proxy", e);
    }
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return origin;
  }

  /** {@code 127.0.0.1:<port>}, as skopeo's {@code docker://} references want it. */
  public String hostPort() {
    return "127.0.0.1:" + port();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Where requests are forwarded: {@code http://host:port}. */
  public URI upstream() {
    return upstream;
  }

  // ---- rules ----

  /**
   * Starts a rule for requests with {@code method} ({@code null} or {@code "*"} for any) whose path
   * (query excluded) matches {@code pathRegex} as a whole, e.g. {@code "/v2/.+/blobs/sha256:.*"}.
   */
  public RuleBuilder on(String method, String pathRegex) {
    return new RuleBuilder(method, Pattern.compile(Objects.requireNonNull(pathRegex, "pathRegex")));
  }

  /**
   * Answers {@code 429} with {@code Retry-After} to every request beyond {@code
   * maxRequestsPerWindow} in any sliding {@code window}; the answered ones do not count. The same
   * as {@code on("*", ".*").always().throttle(maxRequestsPerWindow, window)}; remove it with {@link
   * Rule#remove()}.
   */
  public Rule throttle(int maxRequestsPerWindow, Duration window) {
    return on(null, ".*").always().throttle(maxRequestsPerWindow, window);
  }

  /** The installed rules, in the order they are tried. */
  public List<Rule> rules() {
    return List.copyOf(rules);
  }

  /** Removes every rule: from now on requests are forwarded untouched. */
  public void clearRules() {
    rules.clear();
  }

  /** How often a rule fires; ended by the fault, which installs the rule. */
  public final class RuleBuilder {
    private final String method;
    private final Pattern path;
    private long limit = Long.MAX_VALUE;

    private RuleBuilder(String method, Pattern path) {
      this.method =
          method == null || method.equals("*") ? null : method.toUpperCase(Locale.ROOT).strip();
      this.path = path;
    }

    /** Fires for the first matching request only. */
    public RuleBuilder once() {
      return times(1);
    }

    /** Fires for the first {@code n} matching requests. */
    public RuleBuilder times(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("times must be at least 1");
      }
      this.limit = n;
      return this;
    }

    /** Fires for every matching request (the default). */
    public RuleBuilder always() {
      this.limit = Long.MAX_VALUE;
      return this;
    }

    /**
     * Forwards, then inverts every bit of the response body's byte at {@code offset} (from 0);
     * {@code Content-Length} is kept. A shorter body is sent unchanged.
     */
    public Rule flipByte(long offset) {
      if (offset < 0) {
        throw new IllegalArgumentException("offset must be >= 0");
      }
      return install(new FlipByte(offset));
    }

    /**
     * Forwards, sends the response headers unchanged (the full {@code Content-Length}) and the
     * first {@code bytes} bytes of the body, then closes the connection. A body no longer than that
     * is sent whole.
     */
    public Rule truncateAfter(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("bytes must be >= 0");
      }
      return install(new Truncate(bytes));
    }

    /** Forwards, sending the body {@code bytes} at a time with {@code pause} between them. */
    public Rule trickle(int bytes, Duration pause) {
      if (bytes < 1) {
        throw new IllegalArgumentException("bytes must be at least 1");
      }
      return install(new Trickle(bytes, nonNegative(pause, "pause")));
    }

    /** Forwards, but holds the response headers back for {@code delay}. */
    public Rule delayHeaders(Duration delay) {
      return install(new DelayHeaders(nonNegative(delay, "delay")));
    }

    /**
     * Answers {@code 429 TOOMANYREQUESTS} with {@code Retry-After: <seconds>} (rounded up) without
     * forwarding.
     */
    public Rule tooManyRequests(Duration retryAfter) {
      return respond(429, retryAfter);
    }

    /**
     * Answers {@code status} (400..599, e.g. 500, 502, 503) with an OCI error body, without
     * forwarding. A request body is read and dropped (unless the client sent {@code Expect:
     * 100-continue}: then the connection is closed after the answer).
     */
    public Rule respond(int status) {
      return respond(status, null);
    }

    /**
     * Like {@link #respond(int)} with {@code Retry-After: <seconds>} (rounded up) when not null.
     */
    public Rule respond(int status, Duration retryAfter) {
      if (status < 400 || status > 599) {
        throw new IllegalArgumentException("status must be 400..599: " + status);
      }
      return install(
          new Respond(status, retryAfter == null ? null : nonNegative(retryAfter, "retryAfter")));
    }

    /** Closes the connection as soon as the request's headers have arrived; nothing is answered. */
    public Rule refuse() {
      return install(new Refuse());
    }

    /**
     * Counts the matching requests in a sliding {@code window}; beyond {@code maxRequestsPerWindow}
     * answers {@code 429} with {@code Retry-After} (whole seconds, at least 1) until the oldest
     * counted request leaves the window. The answered requests are not counted; {@link #times(int)}
     * limits how many are answered so.
     */
    public Rule throttle(int maxRequestsPerWindow, Duration window) {
      if (maxRequestsPerWindow < 0) {
        throw new IllegalArgumentException("maxRequestsPerWindow must be >= 0");
      }
      Objects.requireNonNull(window, "window");
      if (window.isNegative() || window.isZero()) {
        throw new IllegalArgumentException("window must be positive");
      }
      return install(new Throttle(maxRequestsPerWindow, window));
    }

    private Rule install(Fault fault) {
      Rule rule = new Rule(method, path, limit, fault);
      rules.add(rule);
      return rule;
    }
  }

  /** An installed rule: what it matches, its fault, and how often it has fired. */
  public final class Rule {
    private final String method;
    private final Pattern path;
    private final long limit;
    private final Fault fault;
    private final AtomicLong fired = new AtomicLong();

    private Rule(String method, Pattern path, long limit, Fault fault) {
      this.method = method;
      this.path = path;
      this.limit = limit;
      this.fault = fault;
    }

    /** How many requests this rule has acted on. */
    public long fired() {
      return fired.get();
    }

    /** Whether it has fired as often as it may. */
    public boolean exhausted() {
      return fired.get() >= limit;
    }

    /** Uninstalls the rule. */
    public void remove() {
      rules.remove(this);
    }

    private boolean matches(String requestMethod, String requestPath) {
      return (method == null || method.equals(requestMethod))
          && path.matcher(requestPath).matches();
    }

    private boolean tryFire() {
      for (; ; ) {
        long f = fired.get();
        if (f >= limit) {
          return false;
        }
        if (fired.compareAndSet(f, f + 1)) {
          return true;
        }
      }
    }

    @Override
    public String toString() {
      return (method == null ? "*" : method)
          + " "
          + path.pattern()
          + " -> "
          + fault
          + (limit == Long.MAX_VALUE ? " always" : " " + fired() + "/" + limit);
    }
  }

  // ---- faults ----

  private sealed interface Fault
      permits FlipByte, Truncate, Trickle, DelayHeaders, Respond, Refuse, Throttle {}

  private record FlipByte(long offset) implements Fault {
    @Override
    public String toString() {
      return "flipByte(" + offset + ")";
    }
  }

  private record Truncate(long after) implements Fault {
    @Override
    public String toString() {
      return "truncateAfter(" + after + ")";
    }
  }

  private record Trickle(int bytes, Duration pause) implements Fault {
    @Override
    public String toString() {
      return "trickle(" + bytes + ", " + pause.toMillis() + " ms)";
    }
  }

  private record DelayHeaders(Duration delay) implements Fault {
    @Override
    public String toString() {
      return "delayHeaders(" + delay.toMillis() + " ms)";
    }
  }

  private record Respond(int status, Duration retryAfter) implements Fault {
    @Override
    public String toString() {
      return "respond("
          + status
          + (retryAfter == null ? "" : ", Retry-After " + retryAfterSeconds(retryAfter))
          + ")";
    }
  }

  private record Refuse() implements Fault {
    @Override
    public String toString() {
      return "refuse";
    }
  }

  /** A sliding-window request budget. */
  private static final class Throttle implements Fault {
    private final int max;
    private final long windowNanos;
    private final ArrayDeque<Long> admitted = new ArrayDeque<>();

    Throttle(int max, Duration window) {
      this.max = max;
      this.windowNanos = window.toNanos();
    }

    /** Null when the request is within the budget (and now counted), else the wait to tell. */
    synchronized Duration admit() {
      long now = System.nanoTime();
      while (!admitted.isEmpty() && now - admitted.peekFirst() >= windowNanos) {
        admitted.removeFirst();
      }
      if (admitted.size() < max) {
        admitted.addLast(now);
        return null;
      }
      long oldest = admitted.isEmpty() ? now : admitted.peekFirst();
      return Duration.ofNanos(Math.max(1, oldest + windowNanos - now));
    }

    @Override
    public String toString() {
      return "throttle(" + max + " per " + Duration.ofNanos(windowNanos).toMillis() + " ms)";
    }
  }

  /** The fault to apply to a request, and the rule that chose it; both null to just forward. */
  private record Decision(Rule rule, Fault fault) {}

  private Decision decide(String method, String path) {
    for (Rule rule : rules) {
      if (!rule.matches(method, path) || rule.exhausted()) {
        continue;
      }
      Fault fault = rule.fault;
      if (fault instanceof Throttle throttle) {
        Duration wait = throttle.admit();
        if (wait == null) {
          continue; // within budget: later rules may still apply
        }
        if (rule.tryFire()) {
          return new Decision(rule, new Respond(429, wait));
        }
        continue;
      }
      if (rule.tryFire()) {
        return new Decision(rule, fault);
      }
    }
    return new Decision(null, null);
  }

  // ---- the log ----

  /** Every exchange since start (or {@link #clearLog()}), in the order they finished. */
  public List<Exchange> exchanges() {
    settle();
    return List.copyOf(log);
  }

  /**
   * How many requests had {@code method} ({@code null} for any) and a path (query excluded)
   * matching {@code pathRegex} as a whole.
   */
  public int requestCount(String method, String pathRegex) {
    Pattern p = Pattern.compile(pathRegex);
    return (int)
        exchanges().stream()
            .filter(e -> method == null || e.method().equals(method))
            .filter(e -> p.matcher(e.path()).matches())
            .count();
  }

  /** How many requests the proxy has seen. */
  public int requestCount() {
    return exchanges().size();
  }

  /** Response body bytes sent to clients for requests whose target contains {@code part}. */
  public long bytesSentFor(String part) {
    return exchanges().stream()
        .filter(e -> e.target().contains(part))
        .mapToLong(Exchange::bytesSent)
        .sum();
  }

  /** Response body bytes sent to clients in all. */
  public long bytesSent() {
    return bytesSentFor("");
  }

  /** Forgets the exchanges logged so far. */
  public void clearLog() {
    settle();
    log.clear();
  }

  /** Waits until no request is being handled; false if that did not happen within {@code max}. */
  public boolean awaitIdle(Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    synchronized (idle) {
      while (inFlight > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(idle, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  private void settle() {
    awaitIdle(Duration.ofSeconds(SETTLE_SECONDS));
  }

  // ---- serving ----

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (!closed) {
          LOG.log(System.Logger.Level.WARNING, "tampering proxy: accept failed", e);
        }
        return;
      }
      sockets.add(client);
      try {
        threads.execute(() -> serve(client));
      } catch (RuntimeException e) { // rejected: closing
        closeQuietly(client);
      }
    }
  }

  private void serve(Socket client) {
    try (client) {
      client.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(client.getInputStream(), BUFFER);
      OutputStream out = new BufferedOutputStream(client.getOutputStream(), BUFFER);
      while (!closed) {
        String requestLine = readLine(in, true);
        if (requestLine == null) {
          return; // the client closed its connection between requests
        }
        if (requestLine.isEmpty()) {
          continue; // tolerated before a request line (RFC 9112 section 2.2)
        }
        synchronized (idle) {
          inFlight++;
        }
        boolean keepAlive;
        try {
          keepAlive = handle(requestLine, in, out, client);
        } finally {
          synchronized (idle) {
            inFlight--;
            idle.notifyAll();
          }
        }
        if (!keepAlive) {
          return;
        }
      }
    } catch (IOException e) {
      // the client went away, or the proxy is closing
    } finally {
      sockets.remove(client);
    }
  }

  /** Handles one request; whether the client connection may carry another. */
  private boolean handle(String requestLine, InputStream in, OutputStream out, Socket client)
      throws IOException {
    long started = System.nanoTime();
    long seq = sequence.incrementAndGet();
    String[] parts = requestLine.split(" ", -1);
    List<String[]> headers;
    if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
      sendSimple(out, 400, "malformed request line", null, false, "GET");
      record(seq, "?", requestLine, 400, 0, null, null, true, started);
      return false;
    }
    try {
      headers = readHeaders(in);
    } catch (ProtocolException e) {
      sendSimple(out, 400, e.getMessage(), null, false, parts[0]);
      record(seq, parts[0], parts[1], 400, 0, null, null, true, started);
      return false;
    }
    String method = parts[0];
    String target = originForm(parts[1]);
    boolean http11 = parts[2].equals("HTTP/1.1");
    boolean keepAlive = http11 && !hasToken(headers, "Connection", "close");
    String authorization = first(headers, "Authorization");
    boolean expectContinue = hasToken(headers, "Expect", "100-continue");
    BodyFraming requestFraming;
    try {
      requestFraming = requestFraming(headers);
    } catch (ProtocolException e) {
      sendSimple(out, 400, e.getMessage(), null, false, method);
      record(seq, method, target, 400, 0, authorization, null, true, started);
      return false;
    }
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    Decision decision = decide(method, path);
    Fault fault = decision.fault();
    String faultName = fault == null ? null : fault.toString();

    if (fault instanceof Refuse) {
      record(seq, method, target, 0, 0, authorization, faultName, false, started);
      return false;
    }
    if (fault instanceof Respond respond) {
      boolean canKeep = keepAlive;
      if (expectContinue) {
        canKeep = false; // the client may or may not send its body now: do not wait for it
      } else {
        canKeep &= drain(requestFraming, in);
      }
      long sent =
          sendSimple(
              out,
              respond.status(),
              "injected by TamperingProxy",
              respond.retryAfter(),
              canKeep,
              method);
      record(seq, method, target, respond.status(), sent, authorization, faultName, true, started);
      return canKeep;
    }
    return forward(
        seq,
        method,
        target,
        headers,
        requestFraming,
        expectContinue,
        keepAlive,
        http11,
        authorization,
        fault,
        faultName,
        in,
        out,
        client,
        started);
  }

  private boolean forward(
      long seq,
      String method,
      String target,
      List<String[]> headers,
      BodyFraming requestFraming,
      boolean expectContinue,
      boolean keepAlive,
      boolean http11,
      String authorization,
      Fault fault,
      String faultName,
      InputStream in,
      OutputStream out,
      Socket client,
      long started)
      throws IOException {
    Socket up = new Socket();
    sockets.add(up);
    try (up) {
      try {
        up.connect(
            new InetSocketAddress(upstream.getHost(), upstream.getPort()),
            (int) CONNECT_TIMEOUT.toMillis());
        up.setTcpNoDelay(true);
        up.setSoTimeout((int) UPSTREAM_READ_TIMEOUT.toMillis());
      } catch (IOException e) {
        boolean canKeep = keepAlive && !expectContinue && drain(requestFraming, in);
        long sent = sendSimple(out, 502, "upstream unreachable: " + e, null, canKeep, method);
        record(seq, method, target, 502, sent, authorization, faultName, true, started);
        return canKeep;
      }
      OutputStream upOut = new BufferedOutputStream(up.getOutputStream(), BUFFER);
      InputStream upIn = new BufferedInputStream(up.getInputStream(), BUFFER);

      StringBuilder head = new StringBuilder();
      head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
      head.append("Host: ").append(upstreamAuthority).append("\r\n");
      for (String[] h : withoutHopByHop(headers)) {
        if (h[0].equalsIgnoreCase("Host")
            || requestFraming.chunked() && h[0].equalsIgnoreCase("Content-Length")) {
          continue;
        }
        head.append(h[0]).append(": ").append(h[1]).append("\r\n");
      }
      if (requestFraming.chunked()) {
        head.append("Transfer-Encoding: chunked\r\n");
      }
      head.append("Connection: close\r\n\r\n");
      upOut.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      upOut.flush();
      if (expectContinue) {
        out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }

      // The request body goes up while the response comes down: an upstream may answer early.
      RequestPump pump = null;
      if (requestFraming.hasBody()) {
        pump = new RequestPump(requestFraming, in, upOut);
        Thread.ofVirtual().name("tampering-proxy-body-" + seq).start(pump);
      } else {
        upOut.flush();
      }

      String statusLine;
      List<String[]> responseHeaders;
      int status;
      try {
        for (; ; ) {
          statusLine = readLine(upIn, false);
          responseHeaders = readHeaders(upIn);
          status = parseStatus(statusLine);
          if (status >= 200 || status == 101) {
            break;
          }
          // interim 1xx: dropped (the client's Expect was answered above)
        }
      } catch (IOException e) {
        boolean pumped = pump != null && pump.await();
        boolean canKeep = keepAlive && (pump == null || pumped);
        long sent =
            sendSimple(out, 502, "upstream sent no usable response: " + e, null, canKeep, method);
        record(seq, method, target, 502, sent, authorization, faultName, true, started);
        return canKeep;
      }

      boolean noBody = method.equals("HEAD") || status < 200 || status == 204 || status == 304;
      BodyFraming upFraming;
      try {
        upFraming = noBody ? BodyFraming.NONE : responseFraming(responseHeaders);
      } catch (ProtocolException e) {
        long sent = sendSimple(out, 502, "upstream: " + e.getMessage(), null, false, method);
        record(seq, method, target, 502, sent, authorization, faultName, true, started);
        return false;
      }
      boolean chunkedToClient = upFraming.chunked() && http11;
      boolean closeDelimited = upFraming.untilEof() || upFraming.chunked() && !http11;
      boolean keep = keepAlive && !closeDelimited;

      if (fault instanceof DelayHeaders delay) {
        sleep(delay.delay());
      }
      StringBuilder responseHead = new StringBuilder(statusLine).append("\r\n");
      for (String[] h : withoutHopByHop(responseHeaders)) {
        if (upFraming.chunked() && h[0].equalsIgnoreCase("Content-Length")) {
          continue;
        }
        String value = h[1];
        if (h[0].equalsIgnoreCase("Location") || h[0].equalsIgnoreCase("Link")) {
          value = value.replace(upstreamOrigin, origin);
        }
        responseHead.append(h[0]).append(": ").append(value).append("\r\n");
      }
      if (chunkedToClient) {
        responseHead.append("Transfer-Encoding: chunked\r\n");
      }
      if (!keep) {
        responseHead.append("Connection: close\r\n");
      }
      responseHead.append("\r\n");

      long sent = 0;
      boolean complete = false;
      try {
        out.write(responseHead.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (noBody) {
          out.flush();
          complete = true;
        } else {
          InputStream body = upFraming.open(upIn);
          BodySink sink = new BodySink(out, chunkedToClient);
          Copy copy = copyBody(body, sink, fault);
          sent = copy.sent;
          complete = !copy.truncated;
          if (complete) {
            sink.finish();
          }
          out.flush();
        }
      } catch (IOException e) {
        // the upstream or the client broke off mid-response
        record(seq, method, target, status, sent, authorization, faultName, false, started);
        return false;
      }
      if (pump != null && !pump.await()) {
        keep = false; // the rest of the request body is still on the client connection
      }
      if (!complete) {
        client.shutdownOutput();
      }
      record(seq, method, target, status, sent, authorization, faultName, complete, started);
      return keep && complete;
    } finally {
      sockets.remove(up);
    }
  }

  private record Copy(long sent, boolean truncated) {}

  /** Copies a response body to the client through the fault. */
  private static Copy copyBody(InputStream body, BodySink sink, Fault fault) throws IOException {
    long flipAt = fault instanceof FlipByte f ? f.offset() : -1;
    long limit = fault instanceof Truncate t ? t.after() : Long.MAX_VALUE;
    Trickle trickle = fault instanceof Trickle t ? t : null;
    byte[] buf = new byte[BUFFER];
    long sent = 0;
    long sincePause = 0;
    for (; ; ) {
      if (trickle != null && sincePause >= trickle.bytes()) {
        sink.flush();
        sleep(trickle.pause());
        sincePause = 0;
      }
      long want = buf.length;
      if (trickle != null) {
        want = Math.min(want, trickle.bytes() - sincePause);
      }
      if (limit != Long.MAX_VALUE) {
        if (sent >= limit) {
          // Truncated only if the body had more to give.
          if (body.read() < 0) {
            return new Copy(sent, false);
          }
          sink.flush();
          return new Copy(sent, true);
        }
        want = Math.min(want, limit - sent);
      }
      int n = body.read(buf, 0, (int) want);
      if (n < 0) {
        return new Copy(sent, false);
      }
      if (flipAt >= sent && flipAt < sent + n) {
        int i = (int) (flipAt - sent);
        buf[i] = (byte) ~buf[i];
      }
      sink.write(buf, 0, n);
      sent += n;
      sincePause += n;
    }
  }

  /** Writes a response of the proxy's own: an OCI error body; returns the body bytes sent. */
  private static long sendSimple(
      OutputStream out,
      int status,
      String message,
      Duration retryAfter,
      boolean keepAlive,
      String method)
      throws IOException {
    String code =
        switch (status) {
          case 429 -> "TOOMANYREQUESTS";
          case 503 -> "UNAVAILABLE";
          case 401 -> "UNAUTHORIZED";
          case 403 -> "DENIED";
          default -> "UNKNOWN";
        };
    byte[] body =
        ("{\"errors\":[{\"code\":\""
                + code
                + "\",\"message\":\""
                + jsonEscape(message)
                + "\",\"detail\":null}]}")
            .getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder();
    head.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
    head.append("Content-Type: application/json; charset=utf-8\r\n");
    head.append("Content-Length: ").append(body.length).append("\r\n");
    head.append("Docker-Distribution-Api-Version: registry/2.0\r\n");
    if (retryAfter != null) {
      head.append("Retry-After: ").append(retryAfterSeconds(retryAfter)).append("\r\n");
    }
    if (!keepAlive) {
      head.append("Connection: close\r\n");
    }
    head.append("\r\n");
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    boolean withBody = !method.equals("HEAD");
    if (withBody) {
      out.write(body);
    }
    out.flush();
    return withBody ? body.length : 0;
  }

  private void record(
      long seq,
      String method,
      String target,
      int status,
      long sent,
      String authorization,
      String fault,
      boolean complete,
      long started) {
    Exchange e =
        new Exchange(
            seq,
            method,
            target,
            status,
            sent,
            authorization,
            fault,
            complete,
            Duration.ofNanos(System.nanoTime() - started));
    log.add(e);
    LOG.log(
        System.Logger.Level.DEBUG,
        () ->
            "proxy "
                + port()
                + ": "
                + method
                + " "
                + target
                + " -> "
                + status
                + ", "
                + sent
                + " bytes"
                + (fault == null ? "" : " [" + fault + "]")
                + (complete ? "" : " (incomplete)"));
  }

  /** Copies a request body upstream on its own thread. */
  private static final class RequestPump implements Runnable {
    private final BodyFraming framing;
    private final InputStream in;
    private final OutputStream upOut;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean ok;

    RequestPump(BodyFraming framing, InputStream in, OutputStream upOut) {
      this.framing = framing;
      this.in = in;
      this.upOut = upOut;
    }

    @Override
    public void run() {
      try {
        InputStream body = framing.open(in);
        BodySink sink = new BodySink(upOut, framing.chunked());
        byte[] buf = new byte[BUFFER];
        for (int n; (n = body.read(buf)) >= 0; ) {
          sink.write(buf, 0, n);
        }
        sink.finish();
        upOut.flush();
        ok = true;
      } catch (IOException e) {
        // the upstream stopped reading (it may have answered already) or the client broke off
      } finally {
        done.countDown();
      }
    }

    /** Whether the whole body was copied (and so consumed from the client connection). */
    boolean await() {
      try {
        done.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      return ok;
    }
  }

  /** Reads and drops a request body; whether the connection is still usable afterwards. */
  private static boolean drain(BodyFraming framing, InputStream in) {
    if (!framing.hasBody()) {
      return true;
    }
    try {
      framing.open(in).transferTo(OutputStream.nullOutputStream());
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  // ---- HTTP/1.1 framing ----

  /** How a message body is delimited. */
  private record BodyFraming(long length, boolean chunked, boolean untilEof) {
    static final BodyFraming NONE = new BodyFraming(0, false, false);

    boolean hasBody() {
      return chunked || untilEof || length > 0;
    }

    InputStream open(InputStream in) {
      if (chunked) {
        return new ChunkedInputStream(in);
      }
      if (untilEof) {
        return in;
      }
      return new FixedLengthInputStream(in, length);
    }
  }

  private static BodyFraming requestFraming(List<String[]> headers) throws ProtocolException {
    if (first(headers, "Transfer-Encoding") != null) {
      if (!isChunked(headers)) {
        throw new ProtocolException("unsupported Transfer-Encoding");
      }
      return new BodyFraming(-1, true, false);
    }
    long length = contentLength(headers);
    return length <= 0 ? BodyFraming.NONE : new BodyFraming(length, false, false);
  }

  private static BodyFraming responseFraming(List<String[]> headers) throws ProtocolException {
    if (first(headers, "Transfer-Encoding") != null) {
      return isChunked(headers)
          ? new BodyFraming(-1, true, false)
          : new BodyFraming(-1, false, true);
    }
    long length = contentLength(headers);
    return length < 0 ? new BodyFraming(-1, false, true) : new BodyFraming(length, false, false);
  }

  private static boolean isChunked(List<String[]> headers) {
    String last = null;
    for (String[] h : headers) {
      if (h[0].equalsIgnoreCase("Transfer-Encoding")) {
        for (String coding : h[1].split(",")) {
          if (!coding.isBlank()) {
            last = coding.strip().toLowerCase(Locale.ROOT);
          }
        }
      }
    }
    return "chunked".equals(last);
  }

  /** The Content-Length, or -1 when absent. */
  private static long contentLength(List<String[]> headers) throws ProtocolException {
    long length = -1;
    for (String[] h : headers) {
      if (h[0].equalsIgnoreCase("Content-Length")) {
        long v;
        try {
          v = Long.parseLong(h[1].strip());
        } catch (NumberFormatException e) {
          throw new ProtocolException("bad Content-Length: " + h[1]);
        }
        if (v < 0 || length >= 0 && v != length) {
          throw new ProtocolException("bad Content-Length: " + h[1]);
        }
        length = v;
      }
    }
    return length;
  }

  private static int parseStatus(String statusLine) throws ProtocolException {
    String[] p = statusLine.split(" ", 3);
    if (p.length < 2 || !p[0].startsWith("HTTP/1.") || p[1].length() != 3) {
      throw new ProtocolException("bad status line: " + statusLine);
    }
    try {
      return Integer.parseInt(p[1]);
    } catch (NumberFormatException e) {
      throw new ProtocolException("bad status line: " + statusLine);
    }
  }

  /** Headers minus the hop-by-hop ones, including those named by {@code Connection}. */
  private static List<String[]> withoutHopByHop(List<String[]> headers) {
    List<String> named = new ArrayList<>();
    for (String[] h : headers) {
      if (h[0].equalsIgnoreCase("Connection")) {
        for (String t : h[1].split(",")) {
          named.add(t.strip().toLowerCase(Locale.ROOT));
        }
      }
    }
    List<String[]> out = new ArrayList<>();
    for (String[] h : headers) {
      String name = h[0].toLowerCase(Locale.ROOT);
      if (!HOP_BY_HOP.contains(name) && !named.contains(name)) {
        out.add(h);
      }
    }
    return out;
  }

  private static String first(List<String[]> headers, String name) {
    for (String[] h : headers) {
      if (h[0].equalsIgnoreCase(name)) {
        return h[1];
      }
    }
    return null;
  }

  private static boolean hasToken(List<String[]> headers, String name, String token) {
    for (String[] h : headers) {
      if (h[0].equalsIgnoreCase(name)) {
        for (String t : h[1].split(",")) {
          if (t.strip().equalsIgnoreCase(token)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** {@code http://host/path?q} (absolute form) as {@code /path?q}; origin form as it is. */
  private static String originForm(String target) {
    String lower = target.toLowerCase(Locale.ROOT);
    if (lower.startsWith("http://") || lower.startsWith("https://")) {
      int slash = target.indexOf('/', target.indexOf("//") + 2);
      return slash < 0 ? "/" : target.substring(slash);
    }
    return target;
  }

  /** A line without its CRLF (or LF); null at a clean end of stream when {@code eofOk}. */
  private static String readLine(InputStream in, boolean eofOk) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(128);
    for (; ; ) {
      int b = in.read();
      if (b < 0) {
        if (eofOk && line.size() == 0) {
          return null;
        }
        throw new EOFException("connection closed mid-line");
      }
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int len =
            bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
      }
      if (line.size() >= MAX_LINE) {
        throw new ProtocolException("line too long");
      }
      line.write(b);
    }
  }

  private static List<String[]> readHeaders(InputStream in) throws IOException {
    List<String[]> headers = new ArrayList<>();
    for (; ; ) {
      String line = readLine(in, false);
      if (line.isEmpty()) {
        return headers;
      }
      if (headers.size() >= MAX_HEADERS) {
        throw new ProtocolException("too many headers");
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new ProtocolException("malformed header line: " + line);
      }
      headers.add(
          new String[] {line.substring(0, colon).strip(), line.substring(colon + 1).strip()});
    }
  }

  /** A malformed message. */
  private static final class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    ProtocolException(String message) {
      super(message);
    }
  }

  /** Exactly {@code length} bytes of a stream; never closes it. */
  private static final class FixedLengthInputStream extends InputStream {
    private final InputStream in;
    private long remaining;

    FixedLengthInputStream(InputStream in, long length) {
      this.in = in;
      this.remaining = length;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n < 0) {
        throw new EOFException(remaining + " bytes of the body missing");
      }
      remaining -= n;
      return n;
    }
  }

  /** Decodes {@code Transfer-Encoding: chunked}; trailers are dropped. Never closes the stream. */
  private static final class ChunkedInputStream extends InputStream {
    private final InputStream in;
    private long chunkLeft;
    private boolean done;

    ChunkedInputStream(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (done) {
        return -1;
      }
      if (chunkLeft == 0) {
        String size = readLine(in, false);
        int semi = size.indexOf(';');
        try {
          chunkLeft = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).strip(), 16);
        } catch (NumberFormatException e) {
          throw new ProtocolException("bad chunk size: " + size);
        }
        if (chunkLeft < 0) {
          throw new ProtocolException("bad chunk size: " + size);
        }
        if (chunkLeft == 0) {
          while (!readLine(in, false).isEmpty()) {
            // trailer fields: dropped
          }
          done = true;
          return -1;
        }
      }
      int n = in.read(b, off, (int) Math.min(len, chunkLeft));
      if (n < 0) {
        throw new EOFException("connection closed mid-chunk");
      }
      chunkLeft -= n;
      if (chunkLeft == 0 && !readLine(in, false).isEmpty()) {
        throw new ProtocolException("chunk not followed by CRLF");
      }
      return n;
    }
  }

  /** Writes body bytes as they are, or as chunks. */
  private static final class BodySink {
    private final OutputStream out;
    private final boolean chunked;

    BodySink(OutputStream out, boolean chunked) {
      this.out = out;
      this.chunked = chunked;
    }

    void write(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return;
      }
      if (chunked) {
        out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(b, off, len);
        out.write(CRLF);
      } else {
        out.write(b, off, len);
      }
    }

    void flush() throws IOException {
      out.flush();
    }

    void finish() throws IOException {
      if (chunked) {
        out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      }
    }
  }

  private static final byte[] CRLF = {'\r', '\n'};

  private static long retryAfterSeconds(Duration d) {
    long millis = d.toMillis();
    return Math.max(0, (millis + 999) / 1000);
  }

  private static Duration nonNegative(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative");
    }
    return d;
  }

  private static void sleep(Duration d) throws IOException {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    }
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "Status " + status;
    };
  }

  private static String jsonEscape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    for (Socket s : sockets) {
      closeQuietly(s);
    }
    threads.shutdownNow();
    try {
      threads.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "TamperingProxy " + origin + " -> " + upstream;
  }
}
