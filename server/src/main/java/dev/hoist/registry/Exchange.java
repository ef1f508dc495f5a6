package dev.hoist.registry;

import dev.hoist.oci.OciException;
import dev.hoist.pipeline.Call;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.io.IOException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its response, on the event loop that received it. The request is paused as soon
 * as it arrives, so no body byte is lost while storage is consulted; a handler then reads the body
 * ({@link #readBody}, {@link BodyStreamer}) or it is discarded when the response is sent.
 *
 * <p>Not thread-safe: every method runs on {@link #context()}.
 */
final class Exchange {
  private static final Logger log = LoggerFactory.getLogger(Exchange.class);

  private final Call call;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final Context context;
  private final Query query;
  private Throwable aborted;
  private Handler<Throwable> abortHandler;
  private boolean continued;
  private boolean bodyClaimed;

  Exchange(Call call, Context context) {
    this.call = call;
    this.request = call.request();
    this.response = request.response();
    this.context = context;
    request.pause();
    this.query = Query.parse(request.query());
    request.exceptionHandler(this::abort);
    response.exceptionHandler(this::abort);
    response.closeHandler(v -> abort(new IOException("connection closed by the client")));
    response.putHeader(RegistryErrors.API_VERSION, RegistryErrors.API_VERSION_VALUE);
  }

  HttpServerRequest request() {
    return request;
  }

  /** The request with what the pipeline learned about it (tenant, address prefix, quota). */
  Call call() {
    return call;
  }

  /** The path as the registry sees it (below a tenant's address prefix, if any). */
  String path() {
    return call.context().path();
  }

  HttpServerResponse response() {
    return response;
  }

  Context context() {
    return context;
  }

  HttpMethod method() {
    return request.method();
  }

  boolean isHead() {
    return request.method() == HttpMethod.HEAD;
  }

  String header(CharSequence name) {
    return request.getHeader(name);
  }

  /** A query parameter, percent-decoded ({@code +} stays a plus); null when absent. */
  String param(String name) {
    return query.first(name);
  }

  /** Why the connection went away, or null while it is up. */
  Throwable aborted() {
    return aborted;
  }

  /**
   * Called once if the connection fails or closes before the response is complete; replaces any
   * earlier handler. Called at once when that already happened.
   */
  void onAbort(Handler<Throwable> handler) {
    this.abortHandler = handler;
    if (aborted != null && handler != null) {
      handler.handle(aborted);
    }
  }

  private void abort(Throwable cause) {
    if (aborted != null || response.ended()) {
      return;
    }
    aborted = cause;
    Handler<Throwable> h = abortHandler;
    if (h != null) {
      h.handle(cause);
    }
  }

  /** Sends {@code 100 Continue} when the client waits for it before sending the body. */
  void continueIfExpected() {
    if (!continued
        && request.version() != HttpVersion.HTTP_1_0
        && "100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))
        && !response.headWritten()) {
      continued = true;
      response.writeContinue();
    }
  }

  /**
   * Takes over the request body: the caller sets handlers and resumes the request. Returns false
   * when the body has already ended (it is then empty: nothing was delivered while paused).
   */
  boolean claimBody() {
    bodyClaimed = true;
    continueIfExpected();
    return !request.isEnded();
  }

  /** Reads the whole body into memory, failing with {@code tooLarge} past {@code limit} bytes. */
  Future<Buffer> readBody(long limit, Supplier<? extends RuntimeException> tooLarge) {
    if (aborted != null) {
      return Future.failedFuture(aborted);
    }
    Buffer body = Buffer.buffer();
    if (!claimBody()) {
      return Future.succeededFuture(body);
    }
    Promise<Buffer> promise = Promise.promise();
    boolean[] done = {false};
    onAbort(
        t -> {
          if (!done[0]) {
            done[0] = true;
            promise.tryFail(t);
          }
        });
    request.handler(
        chunk -> {
          if (done[0]) {
            return;
          }
          if (body.length() + (long) chunk.length() > limit) {
            done[0] = true;
            promise.tryFail(tooLarge.get());
            return;
          }
          body.appendBuffer(chunk);
        });
    request.endHandler(
        v -> {
          if (!done[0]) {
            done[0] = true;
            promise.tryComplete(body);
          }
        });
    request.resume();
    return promise.future();
  }

  /**
   * Lets the rest of the body (if any) be read and dropped, so that the connection can carry the
   * next request once this response is sent.
   */
  void discardBody() {
    if (request.isEnded()) {
      return;
    }
    try {
      request.handler(chunk -> {});
      if (!bodyClaimed) {
        request.endHandler(v -> {});
      }
      request.resume();
    } catch (IllegalStateException e) {
      // The request ended meanwhile: nothing left to discard.
    }
  }

  /** Ends the response with a status and no body. */
  void end(int status) {
    response.setStatusCode(status);
    response.end();
  }

  /** Ends the response with a JSON body (or only its length, for HEAD). */
  void json(int status, String contentType, byte[] body) {
    response.setStatusCode(status);
    response.putHeader(HttpHeaders.CONTENT_TYPE, contentType);
    response.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length));
    if (isHead()) {
      response.end();
    } else {
      response.end(Buffer.buffer(body));
    }
  }

  /**
   * Answers with the registry error for {@code failure}. When the response has already started (a
   * download failing half-way) the connection is reset instead, so the client never mistakes a
   * truncated body for a complete one.
   */
  void fail(Throwable failure) {
    if (response.ended()) {
      return;
    }
    if (aborted != null) {
      // The client went away: there is nobody to answer, and nothing worth a warning.
      log.debug("request aborted by the client: method={} path={}", method(), path());
      return;
    }
    if (response.headWritten()) {
      response.reset();
      return;
    }
    OciException error = Errors.toOci(failure, request.method().name(), path());
    discardBody();
    response.headers().clear();
    RegistryErrors.send(request, error);
  }
}
