package dev.hoist.oci;

import java.io.InputStream;

/**
 * Passes a stream through while hashing it, for content whose digest is not known in advance (a
 * push by tag, a blob being stored under the digest it turns out to have). {@link #digest()} is
 * available once the stream has been read to its end.
 */
public final class DigestingInputStream extends DigestStream {

  /** Hashes with sha256. */
  public DigestingInputStream(InputStream in) {
    this(in, Digest.SHA256);
  }

  /**
   * Hashes with {@code algorithm}.
   *
   * @throws IllegalArgumentException if the algorithm is not supported
   */
  public DigestingInputStream(InputStream in, String algorithm) {
    super(in, Digester.forAlgorithm(algorithm));
  }

  /** Bytes read so far. */
  public long bytes() {
    return digester.bytes();
  }

  /**
   * The digest of everything read.
   *
   * @throws IllegalStateException before the stream has been read to its end, when any digest would
   *     describe only part of the content
   */
  public Digest digest() {
    if (!atEof()) {
      throw new IllegalStateException("the stream has not been read to its end");
    }
    return digester.digest();
  }

  @Override
  void atEnd() {
    digester.digest();
  }
}
