package dev.hoist.server;

import dev.hoist.auth.AuthService;
import dev.hoist.auth.LoginLimiter;
import dev.hoist.client.CircuitBreaker;
import dev.hoist.mirror.Mirror;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.pipeline.Stage;
import dev.hoist.repository.Namespace;
import dev.hoist.storage.MetadataStore;
import dev.hoist.sync.SyncFeature;
import dev.hoist.ui.DashboardData;
import dev.hoist.ui.StatusPages;
import dev.hoist.ui.SyncControl;
import dev.hoist.ui.UpstreamState;
import dev.hoist.ui.WebUi;
import dev.hoist.web.Layout;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The pages' wiring: the header's sections, the "ui" stage with every page, their sources. */
final class WebPages {
  private WebPages() {}

  /**
   * What the pages read and act on.
   *
   * @param local this node's stores, which the browser reads (never an upstream)
   * @param namespace the registry's namespace, which deletes go through
   * @param auth the token service, or null without auth
   * @param mirror the mirror, or null
   */
  record Sources(
      MetadataStore metadata,
      Namespace local,
      Namespace namespace,
      @Nullable AuthService auth,
      LoginLimiter logins,
      @Nullable Mirror mirror,
      SyncFeature sync,
      MeterRegistry meters) {}

  /**
   * The "ui" stage: the registry browser and its sign-in, the mirror dashboard (when there is a
   * mirror) and the sync page. The sync page follows the sync API's rule ({@link
   * dev.hoist.sync.SyncConfig#apiEnabledOn}): without auth, only on a loopback address unless set,
   * since every visitor may start runs there.
   */
  static Stage stage(Vertx vertx, ServerConfig config, Sources sources, InstantSource clock) {
    boolean auth = sources.auth() != null;
    boolean syncPages = config.sync().apiEnabledOn(config.listenHost(), auth);
    Mirror mirror = sources.mirror();
    Layout layout = layout(mirror != null, syncPages, config.accelerator().enabled());
    WebUi ui =
        WebUi.create(
            vertx,
            layout,
            sources.metadata(),
            sources.local(),
            sources.namespace(),
            HoistServer.cacheRepositories(config.mirror()),
            upstreamHosts(config.mirror()),
            config.deleteEnabled(),
            sources.auth(),
            sources.logins(),
            clock);
    DashboardData data =
        mirror == null ? null : new DashboardData(sources.meters(), () -> upstreamStates(mirror));
    StatusPages status =
        new StatusPages(ui.pages(), clock, data, syncPages ? SyncControl.of(sources.sync()) : null);
    return ui.stage(status.routes());
  }

  /** The sections this server has, in the header's order. */
  static Layout layout(boolean mirror, boolean syncPages, boolean accelerator) {
    List<Layout.Section> sections = new ArrayList<>();
    sections.add(new Layout.Section("Registry", "/ui/"));
    if (mirror) {
      sections.add(new Layout.Section("Mirror", "/ui/mirror"));
    }
    if (syncPages) {
      sections.add(new Layout.Section("Sync", "/ui/sync"));
    }
    if (accelerator) {
      sections.add(new Layout.Section("Console", "/console"));
    }
    return new Layout(sections);
  }

  /** Each mirrored upstream's host by its cache key: the names pull commands use. */
  static Map<String, String> upstreamHosts(MirrorConfig mirror) {
    Map<String, String> hosts = new HashMap<>();
    for (Upstream upstream : mirror.upstreams()) {
      hosts.put(upstream.host().cacheKey(), upstream.host().toString());
    }
    return hosts;
  }

  /** Each configured upstream's circuit breaker, the one its circuit gauge reads. */
  private static List<UpstreamState> upstreamStates(Mirror mirror) {
    List<UpstreamState> out = new ArrayList<>();
    for (Upstream u : mirror.config().upstreams()) {
      mirror
          .upstreamClient(u.name())
          .ifPresent(
              client -> {
                CircuitBreaker breaker = client.circuitBreaker();
                out.add(
                    new UpstreamState(
                        u.name(),
                        u.url().toString(),
                        breaker.state(),
                        breaker.openUntil().orElse(null),
                        breaker.consecutiveFailures()));
              });
    }
    return out;
  }
}
