package dev.hoist.client;

import java.util.Optional;

/**
 * What a cross-repository mount did: either the blob is now in the repository ({@code 201}), or the
 * registry could not mount it and opened an upload session instead ({@code 202}), to be used with
 * {@link RegistryClient#pushBlob(UploadSession, dev.hoist.oci.Digest, long, java.io.InputStream)}.
 */
public final class MountResult {
  private final UploadSession session;

  private MountResult(UploadSession session) {
    this.session = session;
  }

  static MountResult mounted() {
    return new MountResult(null);
  }

  static MountResult notMounted(UploadSession session) {
    return new MountResult(session);
  }

  /** Whether the blob was mounted. */
  public boolean isMounted() {
    return session == null;
  }

  /** The upload session the registry opened instead, when it did not mount. */
  public Optional<UploadSession> session() {
    return Optional.ofNullable(session);
  }

  @Override
  public String toString() {
    return isMounted() ? "MountResult[mounted]" : "MountResult[not mounted, " + session + "]";
  }
}
