/**
 * The OCI domain core shared by the server, the mirror and the client: image references and their
 * parts ({@link dev.hoist.oci.ImageReference}, {@link dev.hoist.oci.RegistryHost}, {@link
 * dev.hoist.oci.RepositoryName}, {@link dev.hoist.oci.Tag}), digests, token scopes ({@link
 * dev.hoist.oci.Scope}), media types, manifests and the error table. No network, no storage.
 */
@NullMarked
package dev.hoist.oci;

import org.jspecify.annotations.NullMarked;
