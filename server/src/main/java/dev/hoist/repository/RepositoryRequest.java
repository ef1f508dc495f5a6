package dev.hoist.repository;

import dev.hoist.oci.RepositoryName;
import java.util.Objects;

/**
 * What a namespace needs to find a request's repository.
 *
 * @param name the repository name as the client sent it
 * @param namespace the request's {@code ?ns=} parameter (containerd names the upstream registry
 *     with it), or null
 * @param gate what may be sent to this request's client (the accelerator's quota for its tenant),
 *     {@link TransferGate#UNLIMITED} otherwise
 */
public record RepositoryRequest(RepositoryName name, String namespace, TransferGate gate) {
  public RepositoryRequest {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(gate, "gate");
  }

  /** A request from inside Hoist (sync, auth's routing checks): no {@code ns}, no limit. */
  public static RepositoryRequest internal(RepositoryName name) {
    return new RepositoryRequest(name, null, TransferGate.UNLIMITED);
  }
}
