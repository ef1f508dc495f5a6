package dev.hoist.oci;

/** A manifest over {@link Manifest#MAX_BYTES}; refused before any parsing. */
public final class ManifestTooLargeException extends ManifestInvalidException {
  private static final long serialVersionUID = 1L;

  private final long size;
  private final long limit;

  public ManifestTooLargeException(long size, long limit) {
    super("manifest is " + size + " bytes, more than the limit of " + limit);
    this.size = size;
    this.limit = limit;
  }

  public long size() {
    return size;
  }

  public long limit() {
    return limit;
  }
}
