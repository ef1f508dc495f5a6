package dev.hoist.ui;

import dev.hoist.auth.AuthService;
import dev.hoist.auth.LoginLimiter;
import dev.hoist.pipeline.Stage;
import dev.hoist.repository.Namespace;
import dev.hoist.storage.CacheRepositories;
import dev.hoist.storage.MetadataStore;
import dev.hoist.web.Layout;
import dev.hoist.web.Viewers;
import io.vertx.core.Vertx;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The web UI as the composition root wires it: the viewers (sessions when auth is on, {@link
 * Viewers#open()} when it is off), the pages' shared plumbing, the registry browser and the sign-in
 * pages. Other pages join with {@link #stage}'s routes and use {@link #viewers()} and {@link
 * #pages()} too.
 */
public final class WebUi {
  private final Viewers viewers;
  private final Pages pages;
  private final List<PageRoute> routes;

  private WebUi(Viewers viewers, Pages pages, List<PageRoute> routes) {
    this.viewers = viewers;
    this.pages = pages;
    this.routes = List.copyOf(routes);
  }

  /**
   * @param local this node's stores, which the browser reads (never an upstream)
   * @param namespace the registry's namespace, which deletes go through
   * @param cache which repositories are the mirror's cache
   * @param upstreamByCacheKey each mirrored upstream's host by its cache key (pull commands)
   * @param deleteEnabled whether the registry allows deletes (the browser's too)
   * @param auth the token service's users and policy, or null without auth (everyone may do
   *     everything, as on {@code /v2/})
   */
  public static WebUi create(
      Vertx vertx,
      Layout layout,
      MetadataStore store,
      Namespace local,
      Namespace namespace,
      CacheRepositories cache,
      Map<String, String> upstreamByCacheKey,
      boolean deleteEnabled,
      AuthService auth,
      LoginLimiter limiter,
      InstantSource clock) {
    Pages pages = new Pages(vertx, layout);
    List<PageRoute> routes = new ArrayList<>();
    Viewers viewers;
    ViewerAccess access;
    if (auth == null) {
      viewers = Viewers.open();
      access = ViewerAccess.open();
    } else {
      UiSessions sessions = new UiSessions(vertx, store, auth, clock);
      viewers = sessions;
      access = ViewerAccess.of(auth);
      routes.addAll(new SignInPage(pages, sessions, auth, limiter).routes());
    }
    Catalog catalog = new Catalog(store, local, cache);
    routes.add(
        new PageRoute(
            RegistryBrowser.PREFIX,
            new RegistryBrowser(
                pages, catalog, access, namespace, upstreamByCacheKey, deleteEnabled)));
    return new WebUi(viewers, pages, routes);
  }

  /** Who is looking at a page: for pages of other packages that need it. */
  public Viewers viewers() {
    return viewers;
  }

  public Pages pages() {
    return pages;
  }

  /** The "ui" stage: this UI's pages and {@code more} (say the mirror dashboard's), by prefix. */
  public Stage stage(List<PageRoute> more) {
    List<PageRoute> all = new ArrayList<>(routes);
    all.addAll(more);
    return UiStage.of(viewers, pages, all);
  }
}
