package dev.hoist.registry;

import dev.hoist.oci.Digest;
import dev.hoist.oci.Digester;
import dev.hoist.repository.Content;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hashes a whole body as {@link StreamPump} reads it, and checks the digest before it hands out the
 * last chunk: with the pump holding back {@link #HOLD_BACK} bytes for that chunk, a client of
 * rotten bytes gets a connection cut at least that far before the end, never a complete response.
 * The rotten bytes then go to the quarantine ({@link Content#quarantine()}), so the next request
 * finds the blob missing (a mirror fetches it again). Reads run on workers, as the pump runs them.
 */
final class VerifyingReader implements ChunkReader {
  private static final Logger log = LoggerFactory.getLogger(VerifyingReader.class);

  /** Bytes at the end of a body that no client receives before its digest is checked. */
  static final int HOLD_BACK = 64 * 1024;

  private final ChunkReader in;
  private final Content content;
  private final long length;
  private final Digester digester;
  private long read;

  /** Checks the {@code length} bytes {@code in} yields, all of {@code content}. */
  VerifyingReader(ChunkReader in, Content content, long length) {
    this.in = in;
    this.content = content;
    this.length = length;
    this.digester = Digester.of(content.digest());
  }

  @Override
  public Chunk read(int want) throws IOException {
    Chunk chunk = in.read(want);
    try {
      digester.update(bytes(chunk));
      read += chunk.length();
      if (read == length) {
        Digest actual = digester.digest();
        if (!actual.equals(content.digest())) {
          throw rotten(actual);
        }
      }
      return chunk;
    } catch (IOException | RuntimeException e) {
      chunk.release();
      throw e;
    }
  }

  private IOException rotten(Digest actual) {
    boolean quarantined = false;
    try {
      content.quarantine().run();
      quarantined = true;
    } catch (IOException | RuntimeException e) {
      log.warn("quarantine failed: digest={} error={}", content.digest(), e.toString());
    }
    log.warn(
        "stored bytes do not match their digest, response cut before its end: digest={}"
            + " actual={} size={} quarantineRun={}",
        content.digest(),
        actual,
        length,
        quarantined);
    return new IOException("stored bytes of " + content.digest() + " hash to " + actual);
  }

  private static ByteBuffer bytes(Chunk chunk) {
    ByteBuf pooled = chunk.pooled();
    if (pooled != null) {
      return pooled.nioBuffer(pooled.readerIndex(), pooled.readableBytes());
    }
    return ByteBuffer.wrap(chunk.buffer().getBytes());
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
