package dev.hoist.client;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.VerifyingInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET} and {@code HEAD} of blobs: streaming, resumed from an offset with {@code Range}, and
 * (from offset 0) verified against the digest while read; see {@link BlobResponse}.
 */
final class BlobReads {
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

  private final Requests requests;

  BlobReads(Requests requests) {
    this.requests = requests;
  }

  BlobResponse get(RepositoryName repository, Digest digest, long offset, boolean verify)
      throws RegistryException {
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0");
    }
    String action =
        "GET blob " + requests.describe(repository, digest) + (offset > 0 ? " from " + offset : "");
    Call call =
        Call.of(
                "GET",
                requests.blob(repository, digest),
                Requests.pull(repository),
                action,
                200,
                206)
            .notFound(ErrorCode.BLOB_UNKNOWN);
    if (offset > 0) {
      call = call.header("Range", "bytes=" + offset + "-");
    }
    Wire.Response r = requests.send(call);
    try {
      long length = r.contentLength();
      if (offset == 0) {
        if (r.status() != 200) {
          throw Requests.unexpected(action, r, "206 to a request without Range");
        }
        if (!verify) {
          return new BlobResponse(digest, 0, length, length, false, r.body());
        }
        InputStream verified = new VerifyingInputStream(r.body(), digest, length);
        return new BlobResponse(digest, 0, length, length, true, verified);
      }
      if (r.status() == 206) {
        Matcher m = CONTENT_RANGE.matcher(Objects.toString(r.header("Content-Range"), ""));
        if (!m.matches() || Long.parseLong(m.group(1)) != offset) {
          throw Requests.unexpected(action, r, "Content-Range '" + r.header("Content-Range") + "'");
        }
        long end = Long.parseLong(m.group(2));
        long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
        if (length < 0) {
          length = end - offset + 1;
        }
        return new BlobResponse(digest, offset, length, total, false, r.body());
      }
      // 200 to a Range request: the whole blob came; drop what the caller already has.
      long total = length;
      try {
        r.body().skipNBytes(offset);
      } catch (EOFException e) {
        throw new RegistryException(
            ErrorCode.RANGE_INVALID, 200, action, "the blob is shorter than the offset", false);
      } catch (IOException e) {
        throw Requests.readFailed(action, 200, e);
      }
      return new BlobResponse(
          digest, offset, total < 0 ? -1 : total - offset, total, false, r.body());
    } catch (RegistryException | RuntimeException e) {
      r.close();
      throw e;
    }
  }

  Optional<Long> head(RepositoryName repository, Digest digest) throws RegistryException {
    String action = "HEAD blob " + requests.describe(repository, digest);
    Call call =
        Call.of(
                "HEAD",
                requests.blob(repository, digest),
                Requests.pull(repository),
                action,
                200,
                404)
            .notFound(ErrorCode.BLOB_UNKNOWN);
    try (Wire.Response r = requests.send(call)) {
      return r.status() == 404 ? Optional.empty() : Optional.of(r.contentLength());
    }
  }
}
