package dev.hoist.pipeline;

import java.util.function.Predicate;

/**
 * One step of the {@link Pipeline}: it answers the call itself, or passes it on, perhaps with more
 * context, to {@code next}. Runs on the request's event loop and must not block.
 */
@FunctionalInterface
public interface Stage {

  void handle(Call call, Next next);

  /** The rest of the pipeline after a stage. */
  @FunctionalInterface
  interface Next {
    void handle(Call call);
  }

  /** A stage that answers the paths {@code paths} accepts with {@code endpoint}; the rest pass. */
  static Stage answering(Predicate<String> paths, Endpoint endpoint) {
    return (call, next) -> {
      if (paths.test(call.context().path())) {
        endpoint.handle(call);
      } else {
        next.handle(call);
      }
    };
  }

  /** Where the pipeline ends: answers every call that reaches it. */
  @FunctionalInterface
  interface Endpoint {
    void handle(Call call);
  }
}
