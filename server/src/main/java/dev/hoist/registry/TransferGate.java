package dev.hoist.registry;

import dev.hoist.oci.OciException;
import java.util.Map;
import java.util.Optional;

/**
 * A request that limits what may be sent to its client: what the accelerator's tenant requests
 * implement (a wrapper of the Vert.x request handed to {@link RegistryApi#handler()}).
 *
 * <p>Before the body of a manifest or blob GET is sent (not for HEAD, not for an empty body) the
 * API calls {@link #admitTransfer(long)} with the exact number of body bytes it is about to write;
 * a refusal becomes the error response, with its headers, and nothing of the content is sent. A
 * request that is no {@code TransferGate} is always admitted.
 */
public interface TransferGate {

  /** Empty to send {@code length} body bytes; else the error to answer with instead. */
  Optional<Refusal> admitTransfer(long length);

  /**
   * Whether a local file may be sent with zero-copy {@code sendFile}. A metered request says no, so
   * that its body is written in chunks and a transfer cut short counts only what was written.
   */
  default boolean zeroCopy() {
    return true;
  }

  /** Why a transfer is refused: the registry error and response headers (e.g. Retry-After). */
  record Refusal(OciException error, Map<String, String> headers) {
    public Refusal {
      headers = Map.copyOf(headers);
    }
  }
}
