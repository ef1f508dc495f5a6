package dev.hoist.ui;

import dev.hoist.pipeline.Call;
import dev.hoist.pipeline.RouteKind;
import dev.hoist.pipeline.Stage;
import dev.hoist.web.Html;
import dev.hoist.web.Viewers;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "ui" pipeline stage: {@code /} and {@code /ui} redirect to {@code /ui/} (the registry API
 * stays at {@code /v2/}); a path under {@code /ui/} goes to the page whose prefix is the longest
 * that matches, once its viewer is known. Other paths pass on.
 *
 * <p>Adding a page is one more {@link PageRoute} in the list the composition root gives {@link
 * #of}.
 */
public final class UiStage {
  private static final Logger log = LoggerFactory.getLogger(UiStage.class);

  private UiStage() {}

  public static Stage of(Viewers viewers, Pages pages, List<PageRoute> routes) {
    List<PageRoute> longestFirst = new ArrayList<>(routes);
    longestFirst.sort(Comparator.comparingInt((PageRoute r) -> r.prefix().length()).reversed());
    List<PageRoute> ordered = List.copyOf(longestFirst);
    return (call, next) -> {
      String path = call.context().path();
      if (path.equals("/") || path.equals("/ui")) {
        call.with(call.context().withRoute(RouteKind.UI));
        Html.redirect(call.response(), "/ui/");
        return;
      }
      if (!path.startsWith("/ui/")) {
        next.handle(call);
        return;
      }
      Call ui = call.with(call.context().withRoute(RouteKind.UI));
      PageRoute route = ordered.stream().filter(r -> r.matches(path)).findFirst().orElse(null);
      if (route == null) {
        pages.notFound(ui.response());
        return;
      }
      serve(ui, viewers, pages, route.page());
    };
  }

  private static void serve(Call call, Viewers viewers, Pages pages, Page page) {
    boolean post = call.request().method() == HttpMethod.POST;
    Future<Map<String, String>> form =
        post ? pages.form(call.request()) : Future.succeededFuture(Map.of());
    form.onFailure(e -> pages.notFound(call.response()))
        .onSuccess(
            fields ->
                viewers
                    .of(call.request())
                    .onComplete(
                        ar -> {
                          if (ar.failed()) {
                            log.warn(
                                "viewer lookup failed: error={}", ar.cause().getClass().getName());
                            pages.failed(call.response());
                            return;
                          }
                          try {
                            page.handle(call, ar.result(), fields);
                          } catch (RuntimeException e) {
                            log.warn("page failed: error={}", e.getClass().getName(), e);
                            pages.failed(call.response());
                          }
                        }));
  }
}
