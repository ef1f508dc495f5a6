package dev.hoist.registry;

import dev.hoist.repository.Namespace;
import java.util.Objects;

/** What every handler works with: the namespace, the options, and the worker pool. */
record Backend(Namespace namespace, RegistryOptions options, Blocking blocking) {

  Backend {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(blocking, "blocking");
  }
}
