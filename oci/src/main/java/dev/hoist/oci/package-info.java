/**
 * The OCI domain core shared by the server, the mirror and the client: image references, digests,
 * media types, manifests and the error table. No network, no storage.
 */
@NullMarked
package dev.hoist.oci;

import org.jspecify.annotations.NullMarked;
