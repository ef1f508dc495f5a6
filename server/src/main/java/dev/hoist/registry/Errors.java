package dev.hoist.registry;

import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.InvalidReferenceException;
import dev.hoist.oci.ManifestDigestMismatchException;
import dev.hoist.oci.ManifestInvalidException;
import dev.hoist.oci.ManifestTooLargeException;
import dev.hoist.oci.OciException;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.UnsupportedDigestAlgorithmException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns a failure into the spec's error: exceptions from the domain and the
 * stores become an {@link OciException} whose code gives the HTTP status through {@link ErrorCode}.
 * Also the parsers of path and query values, so that a bad value always fails with the same code.
 */
final class Errors {
  private static final Logger log = LoggerFactory.getLogger(Errors.class);

  private Errors() {}

  /** The registry error for any failure; unexpected ones are logged and hidden as UNKNOWN. */
  static OciException toOci(Throwable failure, String method, String path) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof OciException oci) {
        return oci;
      }
      if (t instanceof ManifestTooLargeException e) {
        return new OciException(
            ErrorCode.MANIFEST_TOO_LARGE,
            e.getMessage(),
            OciException.detail("size", e.size(), "limit", e.limit()));
      }
      if (t instanceof ManifestDigestMismatchException e) {
        return new OciException(
            ErrorCode.DIGEST_INVALID,
            e.getMessage(),
            OciException.detail("expected", e.expected().toString()));
      }
      if (t instanceof ManifestInvalidException e) {
        return new OciException(ErrorCode.MANIFEST_INVALID, e.getMessage());
      }
      if (t instanceof DigestMismatchException e) {
        return new OciException(
            ErrorCode.DIGEST_INVALID,
            e.getMessage(),
            OciException.detail("expected", e.expected().toString()));
      }
    }
    log.warn("request failed: method={} path={}", method, path, failure);
    return new OciException(ErrorCode.UNKNOWN, "internal error");
  }

  static OciException error(ErrorCode code, String message) {
    return new OciException(code, message);
  }

  static OciException error(ErrorCode code, String message, Object... detail) {
    return new OciException(code, message, OciException.detail(detail));
  }

  static OciException withHeaders(ErrorCode code, String message, Map<String, String> headers) {
    return new OciException(code, message).withHeaders(headers);
  }

  /** A repository name from the raw (not decoded) path; NAME_INVALID when it is not one. */
  static RepositoryName repositoryName(String raw) {
    try {
      return RepositoryName.of(raw);
    } catch (InvalidReferenceException e) {
      throw error(ErrorCode.NAME_INVALID, e.getMessage(), "name", shorten(raw));
    }
  }

  /** A digest from a path segment or query parameter; DIGEST_INVALID when it is not one. */
  static Digest digest(String text) {
    if (text == null || text.isEmpty()) {
      throw error(ErrorCode.DIGEST_INVALID, "a digest is required");
    }
    try {
      return Digest.parse(text);
    } catch (UnsupportedDigestAlgorithmException e) {
      throw error(ErrorCode.DIGEST_INVALID, e.getMessage(), "algorithm", e.algorithm());
    } catch (IllegalArgumentException e) {
      throw error(ErrorCode.DIGEST_INVALID, e.getMessage(), "digest", shorten(text));
    }
  }

  static String shorten(String s) {
    return s.length() > 300 ? s.substring(0, 297) + "..." : s;
  }
}
