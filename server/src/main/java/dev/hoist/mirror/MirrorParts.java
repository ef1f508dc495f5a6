package dev.hoist.mirror;

/** What a mirrored repository is served with: one of each job, shared by all of them. */
record MirrorParts(
    Upstreams upstreams,
    TagFreshness freshness,
    ManifestFetcher manifests,
    BlobLookup blobs,
    MirrorMetrics metrics,
    Mirror.PullListener pulls) {}
