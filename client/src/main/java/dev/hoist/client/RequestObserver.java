package dev.hoist.client;

import java.net.URI;
import java.time.Duration;

/**
 * Hears about every HTTP exchange a {@link RegistryClient} makes, for metrics such as "upstream
 * requests by status" and "upstream bytes". Set one with {@link
 * RegistryClient.Builder#observer(RequestObserver)}; every method does nothing by default.
 *
 * <p>What is reported, all from the bottom of the transport (one call per HTTP exchange):
 *
 * <ul>
 *   <li>every attempt of a retried request, every hop of a followed redirect, the request sent
 *       again after a {@code 401} challenge, and every request to a token realm (the token server
 *       is reached through the same path, so its requests are reported like the registry's; tell
 *       them apart by {@code uri});
 *   <li>{@link #response} once the status line and headers have arrived, whatever the status;
 *   <li>{@link #failure} when no response arrived: connection refused or broken, timeout, or the
 *       calling thread interrupted;
 *   <li>{@link #bytesRead} as response body bytes are consumed from the network, of every response
 *       (blobs, manifests, tag lists, token and error bodies, and bytes skipped when a registry
 *       answers a Range request with the whole blob). A body that is closed unread is not counted.
 *       A body that breaks off while being read has already reported its status through {@link
 *       #response}; the reader sees the {@code IOException}.
 * </ul>
 *
 * <p>Methods are called on the thread making the request (or reading the body), possibly from many
 * threads at once: implementations must be thread-safe and fast (increment a counter). An exception
 * thrown by an observer is ignored; it never changes what the client does.
 */
public interface RequestObserver {

  /** Observes nothing. */
  RequestObserver NONE = new RequestObserver() {};

  /**
   * A response arrived.
   *
   * @param method the HTTP method, e.g. {@code GET}
   * @param uri where the request went (a redirect target or token realm included)
   * @param status the HTTP status
   * @param elapsed from sending the request until the response headers arrived
   */
  default void response(String method, URI uri, int status, Duration elapsed) {}

  /**
   * An exchange failed before a response arrived.
   *
   * @param error usually an {@link java.io.IOException} (a {@link java.net.ConnectException}, an
   *     {@link java.net.http.HttpTimeoutException}, ...) or an {@link InterruptedException}
   */
  default void failure(String method, URI uri, Throwable error) {}

  /** {@code n > 0} more response body bytes were read from the network. */
  default void bytesRead(long n) {}
}
