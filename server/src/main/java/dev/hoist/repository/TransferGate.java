package dev.hoist.repository;

import dev.hoist.oci.OciException;
import java.util.Optional;

/**
 * What may be sent to a request's client: the accelerator's traffic quota for a tenant's request
 * (see {@code QuotaNamespace}), {@link #UNLIMITED} for everyone else.
 *
 * <p>Before the body of a manifest or blob GET is sent (not for HEAD, not for an empty body) the
 * registry calls {@link #admitTransfer(long)} with the exact number of body bytes it is about to
 * write; a refusal becomes the error response, with its headers, and nothing of the content is
 * sent.
 */
public interface TransferGate {

  /** Everything may be sent, with zero-copy file transfer. */
  TransferGate UNLIMITED = new TransferGate() {};

  /**
   * Empty when content may be looked up for this request at all; else the error to answer with
   * instead (a tenant already over its quota), asked before anything is fetched.
   */
  default Optional<OciException> admitRequest() {
    return Optional.empty();
  }

  /**
   * Empty to send {@code length} body bytes; else the error to answer with instead (with its
   * headers, such as {@code Retry-After}).
   */
  default Optional<OciException> admitTransfer(long length) {
    return Optional.empty();
  }

  /**
   * Called instead of sending when the client was redirected to fetch {@code length} admitted body
   * bytes elsewhere (a presigned object-storage URL): they count as sent, since this server cannot
   * see that transfer.
   */
  default void redirected(long length) {}

  /**
   * Whether {@link #admitTransfer(long)} blocks (a database round trip, such as a quota shared by
   * several nodes): the registry then calls it on a worker thread, never on an event loop.
   */
  default boolean admissionBlocks() {
    return false;
  }

  /**
   * Whether a local file may be sent with zero-copy file transfer. A metered request says no, so
   * that its body is written in chunks and a transfer cut short counts only what was written.
   */
  default boolean zeroCopy() {
    return true;
  }
}
