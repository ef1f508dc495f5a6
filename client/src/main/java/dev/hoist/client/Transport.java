package dev.hoist.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.oci.ErrorCode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/**
 * Sends one {@link Call}: the circuit breaker first, then authentication ({@link Authenticator}),
 * redirects, and retries of idempotent calls with backoff. Returns the response when its status is
 * one the call expects, else throws a {@link RegistryException} built from the error body.
 *
 * <p>The registry's {@code Authorization} header goes only to the registry's own origin (scheme,
 * host, port). Redirects of {@code GET} and {@code HEAD} are followed, at most {@value
 * #MAX_REDIRECTS} hops; once a hop leaves the registry's origin (a blob served from object
 * storage), no later hop carries the header.
 */
final class Transport {
  static final int MAX_REDIRECTS = 5;
  private static final int MAX_ERROR_BODY = 64 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RegistryEndpoint endpoint;
  private final Origin registryOrigin;
  private final Wire wire;
  private final Authenticator auth;
  private final RetryPolicy retry;
  private final CircuitBreaker breaker;
  private final Sleeper sleeper;
  private final InstantSource clock;

  Transport(
      RegistryEndpoint endpoint,
      Wire wire,
      Authenticator auth,
      RetryPolicy retry,
      CircuitBreaker breaker,
      Sleeper sleeper,
      InstantSource clock) {
    this.endpoint = endpoint;
    this.registryOrigin = Origin.of(endpoint.baseUri());
    this.wire = wire;
    this.auth = auth;
    this.retry = retry;
    this.breaker = breaker;
    this.sleeper = sleeper;
    this.clock = clock;
  }

  /** The response, with a status in {@code call.expected()}; the caller closes it. */
  Wire.Response send(Call call) throws RegistryException {
    RegistryException last = null;
    for (int attempt = 1; ; attempt++) {
      CircuitBreaker.Permit permit = breaker.tryAcquire();
      if (permit == null) {
        throw circuitOpen(call, last);
      }
      Wire.Response r;
      try {
        r = authenticated(call);
      } catch (IOException e) {
        if (hasCause(e, DigestMismatchException.class)) {
          permit.release();
          throw new RegistryException(
              ErrorCode.DIGEST_INVALID,
              0,
              call.action(),
              "the content does not match its digest: " + cause(e, DigestMismatchException.class),
              false,
              null,
              e);
        }
        permit.failure();
        last = unreachable(call, e);
        if (!canRetry(call, attempt)) {
          throw last;
        }
        pause(call, retry.backoff(attempt));
        continue;
      } catch (RegistryException e) {
        // From the token server: its outage makes the registry unusable too.
        if (e.retryable()) {
          permit.failure();
        } else {
          permit.success();
        }
        last = e;
        Duration wait = e.retryable() && canRetry(call, attempt) ? waitBefore(e, attempt) : null;
        if (wait == null) {
          throw e;
        }
        pause(call, wait);
        continue;
      } catch (InterruptedException e) {
        permit.release();
        Thread.currentThread().interrupt();
        throw interrupted(call, e);
      } catch (RuntimeException | Error e) {
        permit.release();
        throw e;
      }
      if (r.status() >= 500) {
        permit.failure();
      } else {
        permit.success();
      }
      if (call.expected().contains(r.status())) {
        return r;
      }
      last = error(call, r);
      Duration wait =
          last.retryable() && canRetry(call, attempt) ? waitBefore(last, attempt) : null;
      if (wait == null) {
        throw last;
      }
      pause(call, wait);
    }
  }

  private Wire.Response authenticated(Call call)
      throws IOException, InterruptedException, RegistryException {
    String authorization = auth.beforeSend(call.scopes(), call.action());
    Wire.Response r = exchange(call, authorization);
    if (r.status() != 401 || !Origin.of(r.uri()).equals(registryOrigin)) {
      return r;
    }
    List<Challenge> challenges = Challenge.parseAll(r.headers().allValues("WWW-Authenticate"));
    if (!call.replayable()) {
      auth.remember(challenges, call.action()); // the next call authenticates up front
      return r;
    }
    String retryWith = auth.onChallenge(challenges, call.scopes(), call.action());
    if (retryWith == null || retryWith.equals(authorization)) {
      return r;
    }
    r.close();
    return exchange(call, retryWith);
  }

  private Wire.Response exchange(Call call, String authorization)
      throws IOException, InterruptedException, RegistryException {
    URI uri = call.uri();
    boolean mayAuthorize = authorization != null;
    for (int hop = 0; ; hop++) {
      boolean sendAuth = mayAuthorize && Origin.of(uri).equals(registryOrigin);
      Wire.Response r = wire.send(request(call, uri, sendAuth ? authorization : null));
      if (!isRedirect(r.status()) || !call.idempotent() || r.header("Location") == null) {
        return r;
      }
      r.close();
      if (hop == MAX_REDIRECTS) {
        throw new RegistryException(
            ErrorCode.UPSTREAM_FAILED,
            r.status(),
            call.action(),
            "more than " + MAX_REDIRECTS + " redirects",
            false);
      }
      URI next = resolve(uri, r.header("Location"), call);
      if (!Origin.of(next).equals(Origin.of(uri))) {
        mayAuthorize = false; // never hand the registry's credentials to another origin
      }
      uri = next;
    }
  }

  private HttpRequest request(Call call, URI uri, String authorization) {
    boolean streamed = call.body() != null && !call.replayable();
    HttpRequest.Builder b = wire.request(uri, streamed);
    call.headers().forEach(b::header);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    HttpRequest.BodyPublisher body =
        call.body() == null ? HttpRequest.BodyPublishers.noBody() : call.body();
    return b.method(call.method(), body).build();
  }

  /** {@code location} resolved against {@code base}; must be http or https. */
  static URI resolve(URI base, String location, Call call) throws RegistryException {
    try {
      URI next = base.resolve(new URI(location));
      String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && next.getHost() != null) {
        return next;
      }
    } catch (URISyntaxException | IllegalArgumentException e) {
      // fall through
    }
    throw new RegistryException(
        ErrorCode.UPSTREAM_FAILED,
        0,
        call.action(),
        "the registry sent an unusable Location: '" + location + "'",
        false);
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  private boolean canRetry(Call call, int attempt) {
    return call.idempotent() && attempt < retry.maxAttempts();
  }

  /** The wait before the next attempt, or null when the registry asked for more than we allow. */
  private Duration waitBefore(RegistryException e, int attempt) {
    Duration asked = e.retryAfter().orElse(null);
    if (asked == null) {
      return retry.backoff(attempt);
    }
    return asked.compareTo(retry.maxBackoff()) <= 0 ? asked : null;
  }

  private void pause(Call call, Duration wait) throws RegistryException {
    try {
      sleeper.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw interrupted(call, e);
    }
  }

  /** The failure a non-expected response stands for; reads and closes its body. */
  RegistryException error(Call call, Wire.Response r) {
    int s = r.status();
    ErrorCode code = null;
    String message = null;
    try {
      byte[] body = r.readBody(MAX_ERROR_BODY);
      if (body.length > 0) {
        JsonNode first = JSON.readTree(body).path("errors").path(0);
        if (first.hasNonNull("code")) {
          code = ErrorCode.fromWire(first.get("code").asText());
        }
        if (first.hasNonNull("message")) {
          message = first.get("message").asText();
        }
      }
    } catch (IOException | RuntimeException e) {
      // no usable error body: the status alone speaks
    } finally {
      r.close();
    }
    if (code == null) {
      code = codeFor(s, call);
    }
    StringBuilder problem = new StringBuilder().append(s).append(' ').append(code.name());
    problem
        .append(": ")
        .append(message == null || message.isBlank() ? code.defaultMessage() : message);
    if (isRedirect(s)) {
      problem.append(" (unexpected redirect)");
    }
    boolean retryable = s >= 500 || s == 429;
    return new RegistryException(
        code,
        s,
        call.action(),
        problem.toString(),
        retryable,
        RetryAfter.parse(r.header("Retry-After"), clock.instant()),
        null);
  }

  private static ErrorCode codeFor(int status, Call call) {
    switch (status) {
      case 401:
        return ErrorCode.UNAUTHORIZED;
      case 403:
        return ErrorCode.DENIED;
      case 404:
        return call.notFound();
      case 405:
        return ErrorCode.UNSUPPORTED;
      case 416:
        return ErrorCode.RANGE_INVALID;
      case 429:
        return ErrorCode.TOOMANYREQUESTS;
      case 503:
        return ErrorCode.UNAVAILABLE;
      default:
        return status >= 500 ? ErrorCode.UPSTREAM_FAILED : ErrorCode.UNKNOWN;
    }
  }

  private RegistryException unreachable(Call call, IOException e) {
    String where = call.uri().getScheme() + "://" + call.uri().getRawAuthority();
    String problem;
    if (e instanceof HttpConnectTimeoutException) {
      problem = "connecting to " + where + " timed out";
    } else if (e instanceof HttpTimeoutException) {
      problem = "timed out waiting for " + where + ": " + e.getMessage();
    } else if (hasCause(e, ConnectException.class)) {
      problem = "cannot connect to " + where;
    } else {
      problem = "connection to " + where + " failed: " + e;
    }
    return new RegistryException(ErrorCode.UNAVAILABLE, 0, call.action(), problem, true, null, e);
  }

  /**
   * Fails fast while the breaker is open: "circuit open until 2026-12-08T10:15:30Z, retry in 27 s",
   * with that wait as the exception's {@code retryAfter} (at least a second: a probe may be in
   * flight).
   */
  private RegistryException circuitOpen(Call call, RegistryException last) {
    Instant now = clock.instant();
    Instant until = breaker.openUntil().orElse(now);
    long seconds = Math.max(1, (Duration.between(now, until).toMillis() + 999) / 1000);
    String state =
        until.isAfter(now)
            ? "circuit open until " + until.truncatedTo(ChronoUnit.SECONDS)
            : "circuit open, a probe is in flight";
    return new RegistryException(
        ErrorCode.UNAVAILABLE,
        0,
        call.action(),
        "upstream "
            + endpoint.name()
            + " is unavailable ("
            + state
            + ", retry in "
            + seconds
            + " s)",
        true,
        Duration.ofSeconds(seconds),
        last);
  }

  private static RegistryException interrupted(Call call, InterruptedException e) {
    return new RegistryException(
        ErrorCode.UNKNOWN, 0, call.action(), "interrupted", false, null, e);
  }

  static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    return cause(t, type) != null;
  }

  static <T extends Throwable> T cause(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }
}
