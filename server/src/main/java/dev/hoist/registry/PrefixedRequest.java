package dev.hoist.registry;

/**
 * A request that reached the registry under a path prefix, such as an accelerator tenant's {@code
 * /m/<id>}: the wrapper of the Vert.x request handed to {@link RegistryApi#handler()} implements
 * it. The prefix is part of the address the client used, so the access controller binds tokens to
 * it. A request that is no {@code PrefixedRequest} came to the root.
 */
public interface PrefixedRequest {

  /** The prefix, such as {@code /m/k3v7q2mzp4hx6bta}: a slash and path segments, no slash last. */
  String addressPath();
}
