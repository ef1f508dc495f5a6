package dev.hoist.storage;

/**
 * The size of the mirror's cache: the blobs (layers, configs and manifests) that no hosted
 * repository links, and the cached images.
 */
public record CacheTotals(long bytes, long blobs, long images) {}
