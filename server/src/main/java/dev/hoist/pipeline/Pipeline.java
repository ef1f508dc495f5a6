package dev.hoist.pipeline;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Every request's way through the server, as one ordered list of named {@link Stage}s ending in an
 * endpoint, as OkHttp's interceptor chain is: the composition root lists them in one place, so the
 * order is read there, not pieced together from nested handlers.
 */
public final class Pipeline implements Handler<HttpServerRequest> {
  private final List<Named> stages;
  private final Named last;
  // The chain is linked once: each stage's next is fixed, so a request allocates none of it.
  private final Stage.Next first;

  private record Named(String name, Stage stage) {}

  private Pipeline(List<Named> stages, Named last) {
    this.stages = List.copyOf(stages);
    this.last = last;
    Stage.Next next = call -> last.stage().handle(call, ignored -> {});
    for (int i = this.stages.size() - 1; i >= 0; i--) {
      Stage stage = this.stages.get(i).stage();
      Stage.Next after = next;
      next = call -> stage.handle(call, after);
    }
    this.first = next;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void handle(HttpServerRequest request) {
    first.handle(Call.of(request));
  }

  /** The stages' names, in order, the endpoint last: what the docs list. */
  public List<String> names() {
    List<String> names = new ArrayList<>();
    stages.forEach(s -> names.add(s.name()));
    names.add(last.name());
    return names;
  }

  /** Lists the stages in the order a request meets them. */
  public static final class Builder {
    private final List<Named> stages = new ArrayList<>();

    private Builder() {}

    public Builder stage(String name, Stage stage) {
      stages.add(new Named(Objects.requireNonNull(name), Objects.requireNonNull(stage)));
      return this;
    }

    /** Ends the pipeline with the endpoint every call that passes all stages reaches. */
    public Pipeline endpoint(String name, Stage.Endpoint endpoint) {
      Objects.requireNonNull(endpoint, "endpoint");
      return new Pipeline(stages, new Named(name, (call, next) -> endpoint.handle(call)));
    }
  }
}
