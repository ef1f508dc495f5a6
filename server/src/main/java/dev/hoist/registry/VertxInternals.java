package dev.hoist.registry;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.impl.VertxConnection;

/**
 * The one place that uses Vert.x's internal API, for what its public API cannot do: write netty
 * file regions of a file that is still growing, and hand pooled direct memory to the socket without
 * a copy. Everything else in Hoist uses public Vert.x API only; a Vert.x upgrade that moves these
 * classes breaks this file alone.
 */
final class VertxInternals {
  private VertxInternals() {}

  /**
   * Writes file regions on a request's HTTP/1.x connection, or null when its connection is none
   * that allows it (then the caller copies the bytes instead).
   */
  static RegionWriter regionWriter(HttpServerRequest request) {
    return request.connection() instanceof VertxConnection connection
        ? new RegionWriter(connection)
        : null;
  }

  /** A Vert.x buffer over pooled direct memory, which the caller releases once it was written. */
  static Buffer wrap(ByteBuf direct) {
    return BufferInternal.buffer(direct);
  }

  /** File regions written straight to a connection's channel. */
  static final class RegionWriter {
    private final VertxConnection connection;

    private RegionWriter(VertxConnection connection) {
      this.connection = connection;
    }

    ChannelPromise newPromise() {
      return connection.channel().newPromise();
    }

    void write(FileRegion region, ChannelPromise written) {
      connection.writeToChannel(region, written);
    }
  }
}
