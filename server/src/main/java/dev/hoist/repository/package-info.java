/**
 * The facade every {@code /v2/} handler works through: a {@link dev.hoist.repository.Namespace}
 * gives the {@link dev.hoist.repository.Repository} a request addresses, with its manifests, blobs,
 * tags, referrers and (when it takes writes) its writer.
 *
 * <p>Cross-cutting behaviour wraps the facade, assembled once in the composition root:
 *
 * <pre>
 * QuotaNamespace (accelerator)  a tenant's content goes through its quota
 *   -> MirroringNamespace (mirror)  names of upstream registries, through the cache
 *     -> LocalNamespace             this node's BlobStore + MetadataStore
 * </pre>
 *
 * <p>{@link dev.hoist.repository.LocalNamespace} holds the one path by which a manifest enters the
 * stores ({@code ManifestWriter}: bytes, link, record and tag move, whether a push, a mirror fill
 * or a sync copy brings it), and owns the {@link dev.hoist.repository.MirrorCache}, the model of
 * what the mirror cached (cache names, {@link dev.hoist.repository.CachedTag}s) that the mirror and
 * sync share. Every method that reads or writes content blocks: callers run it off the event loop.
 */
package dev.hoist.repository;
