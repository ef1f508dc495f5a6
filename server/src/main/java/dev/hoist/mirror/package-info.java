/**
 * The pull-through cache (ARCHITECTURE §3): {@link dev.hoist.mirror.Mirror} plugs into the registry
 * API as its {@link dev.hoist.registry.RemoteContent}.
 *
 * <ul>
 *   <li>{@code MirrorRouting}: which upstream a {@code /v2/<name>} request is for ({@code ?ns=},
 *       path prefix, hosted prefixes, default upstream); only configured upstreams are ever named.
 *   <li>{@code Mirror}: manifests (a new tag fetched with one GET, a known one revalidated with
 *       HEAD once its fresh time ends, stale-while-revalidate, stale-if-error, negative caching;
 *       one upstream request per manifest for concurrent callers; an image's config fetched right
 *       after its manifest, since every pull asks for it next) and blobs (served from the store,
 *       else filled).
 *   <li>{@code BlobFills}: one upstream fetch per digest, spooled under {@code <data-dir>/spool},
 *       streamed to every waiting client as it grows, the tail held back until the digest checks,
 *       resumed with Range, committed with {@code BlobStore.importFile}.
 *   <li>{@code UpstreamClients}, {@code MirrorMetrics}: the registry client of each upstream, and
 *       the Prometheus meters.
 * </ul>
 *
 * <p>Cached content of upstream {@code U} lives in repositories named {@code U/<path>} (a {@code :}
 * in U written {@code -}), so every route to an image shares one entry and upstreams never share a
 * tag. Tag freshness is {@code MirrorTagState} in the metadata store.
 */
package dev.hoist.mirror;
