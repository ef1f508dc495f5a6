package dev.hoist.oci;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A parsed image manifest or index, together with the exact bytes it was parsed from.
 *
 * <p>The bytes are the manifest: they are what is stored, served and digested, and are never
 * re-serialised from the parsed fields. {@link #raw()} returns a fresh copy each call; {@link
 * #rawBuffer()} a read-only view without copying, for writing to a channel.
 *
 * <p>Build manifests with {@link #parse}. The records' constructors check that the digest matches
 * the bytes, but not that the fields match them; that is what parsing is for.
 */
public sealed interface Manifest permits ImageManifest, ImageIndex {
  /**
   * The largest manifest accepted: Distribution's limit, so anything Hoist takes, it can push on.
   */
  int MAX_BYTES = 4 * 1024 * 1024;

  /**
   * Parses a manifest received with {@code contentType} (the HTTP {@code Content-Type}, parameters
   * ignored; null, blank, {@code application/json} or {@code application/octet-stream} let the
   * document's {@code mediaType}, then its shape, decide). The digest is sha256 of {@code raw}.
   *
   * @throws ManifestTooLargeException over {@link #MAX_BYTES}
   * @throws ManifestInvalidException for anything else wrong, with a message saying what
   */
  static Manifest parse(byte[] raw, @Nullable String contentType) {
    return ManifestParser.parse(raw, contentType, null);
  }

  /**
   * As {@link #parse(byte[], String)}, and also checks {@code raw} against {@code expected} (the
   * digest in the URL of a push or a pull by digest), using its algorithm for {@link #digest()}.
   *
   * @throws ManifestDigestMismatchException if the bytes have another digest
   */
  static Manifest parse(byte[] raw, @Nullable String contentType, Digest expected) {
    return ManifestParser.parse(raw, contentType, Objects.requireNonNull(expected, "expected"));
  }

  /**
   * The effective media type: one of {@link MediaTypes#MANIFEST_TYPES}, to serve as {@code
   * Content-Type}.
   */
  String mediaType();

  /** A read-only view of the exact bytes, positioned at their start. */
  ByteBuffer rawBuffer();

  /** A copy of the exact bytes. */
  default byte[] raw() {
    ByteBuffer b = rawBuffer();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  /** The digest of the exact bytes. */
  Digest digest();

  /** The length of the exact bytes. */
  default long size() {
    return rawBuffer().remaining();
  }

  /**
   * What this manifest needs to be complete: an image manifest's config and layers, an index's
   * child manifests. Not the subject, which may legitimately be absent.
   */
  List<Descriptor> references();

  /** The manifest this one refers to (a signature's image), for the referrers API. */
  Optional<Descriptor> subject();

  /**
   * The artifact type the referrers API reports: for an image manifest its {@code artifactType},
   * else its config's media type; for an index its {@code artifactType} only.
   */
  Optional<String> artifactType();

  Map<String, String> annotations();

  /** A descriptor of this manifest as a referrers response lists it. */
  default Descriptor descriptor() {
    return new Descriptor(
        mediaType(), digest(), size(), artifactType().orElse(null), null, annotations(), List.of());
  }
}
