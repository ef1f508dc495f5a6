package dev.hoist.pipeline;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request on its way through the {@link Pipeline}: the Vert.x request, what the stages learned
 * about it so far ({@link RequestContext}), and what must happen once its response is over. Used on
 * the request's event loop only.
 */
public final class Call {
  private static final Logger log = LoggerFactory.getLogger(Call.class);

  private final HttpServerRequest request;
  private final List<Runnable> atEnd;
  private RequestContext context;
  private boolean ended;
  private long fileRegionBytes;

  private Call(HttpServerRequest request, RequestContext context, List<Runnable> atEnd) {
    this.request = request;
    this.context = context;
    this.atEnd = atEnd;
  }

  /**
   * A call for a request that came straight from the HTTP server: its own path, no tenant. It owns
   * the response's end handler (Vert.x allows one), through which {@link #atEnd} work runs.
   */
  public static Call of(HttpServerRequest request) {
    Call call = new Call(request, RequestContext.root(request.path()), new ArrayList<>());
    request.response().endHandler(v -> call.ended());
    return call;
  }

  public HttpServerRequest request() {
    return request;
  }

  public HttpServerResponse response() {
    return request.response();
  }

  public RequestContext context() {
    return context;
  }

  /** Replaces what the next stages learn about the request. */
  public Call with(RequestContext newContext) {
    this.context = Objects.requireNonNull(newContext, "context");
    return this;
  }

  /**
   * Counts body bytes sent as file regions (zero-copy), which the response's own {@code
   * bytesWritten()} does not see.
   */
  public void sentAsFileRegion(long bytes) {
    fileRegionBytes += bytes;
  }

  /** The response's body bytes so far: those it wrote itself, and those sent as file regions. */
  public long bodyBytesWritten() {
    return request.response().bytesWritten() + fileRegionBytes;
  }

  /**
   * Runs {@code work} once the response is over: sent, or cut short when the connection closed; in
   * the order registered.
   */
  public void atEnd(Runnable work) {
    atEnd.add(work);
  }

  private void ended() {
    if (ended) {
      return;
    }
    ended = true;
    for (Runnable work : atEnd) {
      try {
        work.run();
      } catch (RuntimeException e) {
        log.warn("end-of-response work failed: path={}", request.path(), e);
      }
    }
  }
}
