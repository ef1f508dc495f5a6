/**
 * Copying images between registries (and, through {@link dev.hoist.client.copy.ImageDestination},
 * any store): {@link dev.hoist.client.copy.ImageCopier} copies one image or index by digest, only
 * what the destination lacks, children before parents and the tag last. Used by {@code hoist copy}
 * and by the server's sync.
 */
package dev.hoist.client.copy;
