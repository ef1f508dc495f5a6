package dev.hoist.pipeline;

import dev.hoist.repository.TransferGate;
import java.util.Objects;

/**
 * What the pipeline's stages learned about a request, for the stages after them: carried by the
 * {@link Call}, never by the request object's runtime type. Immutable; a stage that learns more
 * passes a new one on.
 *
 * @param path the path as the next stages see it: the request's own, or, for a request to an
 *     accelerator tenant's path address ({@code /m/<id>/v2/...}), the part after the prefix
 * @param addressPrefix the path prefix the client addressed the registry under ({@code /m/<id>}),
 *     or empty at the root; the token service binds tokens to it
 * @param tenant the accelerator tenant the request addresses, or null
 * @param gate what may be sent to the client: the tenant's quota, else {@link
 *     TransferGate#UNLIMITED}
 * @param principal the user the request acts as, once the registry's access check said so; null
 *     before it, and for anonymous requests
 * @param route the kind of endpoint the request addressed, as far as the stages so far know it
 *     ({@link RouteKind#OTHER} until one says); what an outer stage tags metrics with
 * @param upstream the registry the request's repository is mirrored from, once the registry routed
 *     it; null before, and for local repositories
 */
public record RequestContext(
    String path,
    String addressPrefix,
    String tenant,
    TransferGate gate,
    String principal,
    RouteKind route,
    String upstream) {
  public RequestContext {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(addressPrefix, "addressPrefix");
    Objects.requireNonNull(gate, "gate");
    Objects.requireNonNull(route, "route");
  }

  /** A request as it arrived: its own path, at the root, no tenant. */
  public static RequestContext root(String path) {
    return new RequestContext(path, "", null, TransferGate.UNLIMITED, null, RouteKind.OTHER, null);
  }

  /** The request as a tenant's: addressed under {@code prefix}, {@code path} below it. */
  public RequestContext forTenant(String tenantId, String newPath, String prefix, TransferGate g) {
    return new RequestContext(
        newPath,
        prefix,
        Objects.requireNonNull(tenantId, "tenantId"),
        g,
        principal,
        route,
        upstream);
  }

  /** The request as {@code user}'s. */
  public RequestContext withPrincipal(String user) {
    return new RequestContext(
        path, addressPrefix, tenant, gate, Objects.requireNonNull(user, "user"), route, upstream);
  }

  /** The request as one to a {@code kind} endpoint. */
  public RequestContext withRoute(RouteKind kind) {
    return new RequestContext(
        path,
        addressPrefix,
        tenant,
        gate,
        principal,
        Objects.requireNonNull(kind, "kind"),
        upstream);
  }

  /** The request as one for a repository mirrored from {@code registry}. */
  public RequestContext withUpstream(String registry) {
    return new RequestContext(
        path,
        addressPrefix,
        tenant,
        gate,
        principal,
        route,
        Objects.requireNonNull(registry, "registry"));
  }
}
