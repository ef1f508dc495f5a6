package dev.hoist.images;

import dev.hoist.client.RegistryException;
import dev.hoist.images.RegistryAccess.Source;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.RepositoryName;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sources of one pull, in the order they are asked (mirrors, then the origin): which of them
 * are no longer asked, which served each blob, and how a failure is told (a note per source that
 * failed, one {@link ImageException} when all did). Thread-safe: blobs download concurrently.
 */
final class PullSources {
  private final ImageReference reference;
  private final List<Source> sources;
  private final Progress progress;
  private final Set<Source> skipped = ConcurrentHashMap.newKeySet();
  private final Map<Digest, String> servedBy = new ConcurrentHashMap<>();

  PullSources(ImageReference reference, List<Source> sources, Progress progress) {
    this.reference = reference;
    this.sources = sources;
    this.progress = progress;
  }

  ImageReference reference() {
    return reference;
  }

  RepositoryName repository() {
    return reference.repository();
  }

  /** Every source, in order, skipped ones included (see {@link #isSkipped}). */
  List<Source> all() {
    return sources;
  }

  boolean isSkipped(Source s) {
    return skipped.contains(s);
  }

  /** Not asked again during this pull: a mirror that sent wrong bytes or could not be reached. */
  void skip(Source s) {
    skipped.add(s);
  }

  void served(Digest blob, Source s) {
    servedBy.put(blob, s.label());
  }

  /** For every blob fetched, the source that served it. */
  Map<Digest, String> servedBy() {
    return servedBy;
  }

  /** Says that {@code s} failed and the next source is tried: on the blob's line, if it has one. */
  void note(Progress.Line line, Source s, String what) {
    if (line != null) {
      line.status("Retrying", "(" + s + ": " + shorten(what) + ")");
    } else {
      progress.println(s + " failed: " + shorten(what) + "; trying the next source");
    }
  }

  /**
   * The failure when no source served {@code what}: its kind follows the origin's answer (not
   * found, authentication, network), and it names each source and what it answered.
   */
  ImageException allFailed(String what, RegistryException origin, List<String> failures) {
    String where = reference.canonicalName();
    ImageException.Kind kind = ImageException.Kind.NETWORK;
    String summary;
    if (origin != null && isNotFound(origin.code())) {
      kind = ImageException.Kind.NOT_FOUND;
      summary =
          what.startsWith("manifest ")
              ? "manifest unknown: " + what.substring(9) + " not found in " + where
              : what + " not found in " + where;
    } else if (origin != null
        && (origin.code() == ErrorCode.UNAUTHORIZED || origin.code() == ErrorCode.DENIED)) {
      kind = ImageException.Kind.AUTH;
      summary =
          "pull access denied for "
              + reference.familiarName()
              + ", repository does not exist or may require 'hoist login "
              + reference.registry()
              + "'";
    } else if (origin != null && origin.httpStatus() == 0) {
      summary = "cannot reach " + reference.registry() + " for " + what;
    } else {
      if (origin != null
          && origin.httpStatus() > 0
          && origin.httpStatus() < 500
          && origin.httpStatus() != 429) {
        kind = ImageException.Kind.OTHER;
      }
      summary = "cannot fetch " + what + " of " + where;
    }
    boolean saysAll = failures.size() == 1 && kind == ImageException.Kind.NOT_FOUND;
    return new ImageException(
        kind, saysAll ? summary : summary + " (" + String.join("; ", failures) + ")", origin);
  }

  private static boolean isNotFound(ErrorCode code) {
    return code == ErrorCode.MANIFEST_UNKNOWN
        || code == ErrorCode.BLOB_UNKNOWN
        || code == ErrorCode.NAME_UNKNOWN;
  }

  /** No answer at all: refused, timed out, or the breaker is open. */
  static boolean unreachable(RegistryException e) {
    return e.httpStatus() == 0 && e.code() == ErrorCode.UNAVAILABLE;
  }

  private static String shorten(String s) {
    return s.length() > 120 ? s.substring(0, 117) + "..." : s;
  }
}
