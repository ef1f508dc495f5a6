package dev.hoist.logging;

import dev.hoist.pipeline.Call;
import dev.hoist.pipeline.RequestContext;
import dev.hoist.pipeline.Stage;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.SocketAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The access log: a pipeline stage, first of all, that writes one line per request once its
 * response is over (sent, or cut short by the client: status {@value AccessEntry#CLIENT_CLOSED}
 * when nothing was sent, else flagged {@code aborted}), through a {@link LineWriter} that never
 * blocks the event loop. What the line says is {@link AccessEntry}; how, {@link AccessLine}.
 *
 * <p>The user is the one the access check admitted; for a request it did not see (the token
 * endpoint), the name given in Basic credentials, as nginx's {@code $remote_user}. Never a
 * password, a token or an {@code Authorization} header.
 */
public final class AccessLog implements AutoCloseable {
  static final String CACHE_HEADER = "X-Hoist-Cache";

  private final @Nullable LineWriter writer;
  private final AccessLogConfig.Format format;
  private final InstantSource clock;

  private AccessLog(@Nullable LineWriter writer, AccessLogConfig.Format format, InstantSource c) {
    this.writer = writer;
    this.format = format;
    this.clock = c;
  }

  /** The access log {@code config} asks for: to its file, to standard output, or none. */
  public static AccessLog open(AccessLogConfig config, InstantSource clock) {
    if (!config.enabled()) {
      return new AccessLog(null, config.format(), clock);
    }
    Path file = config.file();
    LineWriter writer =
        file == null
            ? LineWriter.to(System.out, "stdout", LineWriter.CAPACITY)
            : LineWriter.toFile(file);
    return new AccessLog(writer, config.format(), clock);
  }

  /** The pipeline stage; a pass-through when the access log is off. */
  public Stage stage() {
    LineWriter out = writer;
    if (out == null) {
      return (call, next) -> next.handle(call);
    }
    return (call, next) -> {
      long started = System.nanoTime();
      Instant at = clock.instant();
      call.atEnd(() -> out.write(AccessLine.format(entry(call, at, started), format)));
      next.handle(call);
    };
  }

  static AccessEntry entry(Call call, Instant at, long startedNanos) {
    HttpServerRequest request = call.request();
    HttpServerResponse response = call.response();
    RequestContext context = call.context();
    SocketAddress peer = request.remoteAddress();
    boolean started = response.headWritten();
    String user = context.principal();
    return new AccessEntry(
        at,
        peer == null ? null : peer.hostAddress(),
        request.method().name(),
        AccessEntry.target(request.path(), request.query()),
        protocol(request),
        started ? response.getStatusCode() : AccessEntry.CLIENT_CLOSED,
        call.bodyBytes(),
        System.nanoTime() - startedNanos,
        started ? response.headers().get(CACHE_HEADER) : null,
        context.upstream(),
        context.tenant(),
        user != null ? user : basicUser(request.getHeader("Authorization")),
        request.getHeader("User-Agent"),
        !response.ended());
  }

  private static String protocol(HttpServerRequest request) {
    return switch (request.version()) {
      case HTTP_1_0 -> "HTTP/1.0";
      case HTTP_1_1 -> "HTTP/1.1";
      case HTTP_2 -> "HTTP/2";
    };
  }

  /** The user name of {@code Basic} credentials (never the password), or null. */
  static @Nullable String basicUser(@Nullable String authorization) {
    if (authorization == null
        || authorization.length() < 6
        || !authorization.substring(0, 6).toLowerCase(Locale.ROOT).equals("basic ")) {
      return null;
    }
    String decoded;
    try {
      decoded =
          new String(
              Base64.getDecoder().decode(authorization.substring(6).trim()),
              StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    int colon = decoded.indexOf(':');
    // Without a colon it is not user:password, and could be a secret: say nothing.
    return colon <= 0 ? null : decoded.substring(0, colon);
  }

  /** Writes the lines still queued, then closes the file. */
  @Override
  public void close() throws IOException {
    if (writer != null) {
      writer.close();
    }
  }
}
