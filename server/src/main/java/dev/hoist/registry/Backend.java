package dev.hoist.registry;

import dev.hoist.storage.BlobStore;
import dev.hoist.storage.MetadataStore;
import java.time.InstantSource;
import java.util.Objects;

/** What every handler works with: the stores, the options, the clock, and the worker pool. */
record Backend(
    BlobStore blobs,
    MetadataStore metadata,
    RegistryOptions options,
    InstantSource clock,
    Blocking blocking,
    RemoteContent remote) {

  Backend {
    Objects.requireNonNull(blobs, "blobs");
    Objects.requireNonNull(metadata, "metadata");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(blocking, "blocking");
    Objects.requireNonNull(remote, "remote");
  }
}
