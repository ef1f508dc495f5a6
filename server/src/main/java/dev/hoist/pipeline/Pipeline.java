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

  private record Named(String name, Stage stage) {}

  private Pipeline(List<Named> stages, Named last) {
    this.stages = List.copyOf(stages);
    this.last = last;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void handle(HttpServerRequest request) {
    proceed(0, Call.of(request));
  }

  private void proceed(int index, Call call) {
    Named named = index < stages.size() ? stages.get(index) : last;
    named.stage().handle(call, next -> proceed(index + 1, next));
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
