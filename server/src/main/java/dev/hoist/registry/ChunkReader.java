package dev.hoist.registry;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.buffer.Buffer;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Where {@link StreamPump} reads its chunks: a channel (a file, a mirror fill's spool) is read
 * straight into pooled direct memory, which the socket takes without another copy and which goes
 * back to the pool once written; a plain stream goes through a heap array.
 */
interface ChunkReader extends Closeable {

  /** The next {@code want} bytes, fewer only where the content ends. */
  Chunk read(int want) throws IOException;

  /** Opens a reader, on a worker. */
  @FunctionalInterface
  interface Opener {
    ChunkReader open() throws IOException;
  }

  /** Bytes to write, and the pooled memory behind them (null for a heap array). */
  record Chunk(Buffer buffer, ByteBuf pooled) {
    int length() {
      return buffer.length();
    }

    void release() {
      if (pooled != null) {
        pooled.release();
      }
    }
  }

  static ChunkReader of(ReadableByteChannel channel) {
    return new ChunkReader() {
      @Override
      public Chunk read(int want) throws IOException {
        ByteBuf direct = ByteBufAllocator.DEFAULT.directBuffer(want, want);
        try {
          ByteBuffer window = direct.nioBuffer(0, want);
          while (window.hasRemaining() && channel.read(window) >= 0) {
            // a blocking channel: each read returns at least one byte, or -1 at the end
          }
          direct.writerIndex(window.position());
          // Vert.x hands the socket an unreleasable view of it, so the pool gets it back from us.
          return new Chunk(VertxInternals.wrap(direct), direct);
        } catch (IOException | RuntimeException e) {
          direct.release();
          throw e;
        }
      }

      @Override
      public void close() throws IOException {
        channel.close();
      }
    };
  }

  static ChunkReader of(InputStream in) {
    return new ChunkReader() {
      @Override
      public Chunk read(int want) throws IOException {
        return new Chunk(Buffer.buffer(in.readNBytes(want)), null);
      }

      @Override
      public void close() throws IOException {
        in.close();
      }
    };
  }
}
