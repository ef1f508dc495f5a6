package dev.hoist.server;

import dev.hoist.client.CircuitBreaker;
import dev.hoist.mirror.Mirror;
import dev.hoist.mirror.Upstream;
import dev.hoist.pipeline.Stage;
import dev.hoist.sync.SyncFeature;
import dev.hoist.ui.DashboardData;
import dev.hoist.ui.StatusPages;
import dev.hoist.ui.SyncControl;
import dev.hoist.ui.UpstreamState;
import dev.hoist.web.Layout;
import dev.hoist.web.Viewer;
import dev.hoist.web.Viewers;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** The pages' wiring: the header's sections, who is looking, the status pages' sources. */
final class WebPages {
  private WebPages() {}

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

  /**
   * Who looks at a page. Without auth everyone is an admin, as on the registry API; a form that
   * starts work still carries a token a page of another site cannot read: one per process.
   */
  static Viewers viewers(boolean auth) {
    if (auth) {
      // TODO(issue 19): the UI sign-in (/ui/login and its sessions) replaces this; until it
      // lands nobody is signed in, so a server with auth shows the pages' sign-in notice.
      return request -> Future.succeededFuture(Viewer.ANONYMOUS);
    }
    byte[] token = new byte[24];
    new SecureRandom().nextBytes(token);
    Viewer open =
        new Viewer(null, true, Base64.getUrlEncoder().withoutPadding().encodeToString(token));
    return request -> Future.succeededFuture(open);
  }

  /**
   * The "status pages" stage: the mirror dashboard (when there is a mirror) and the sync page. The
   * sync page follows the sync API's rule ({@link dev.hoist.sync.SyncConfig#apiEnabledOn}): without
   * auth, only on a loopback address unless set, since every visitor may start runs there.
   *
   * @param mirror the mirror, or null
   */
  static Stage statusPages(
      Vertx vertx,
      ServerConfig config,
      boolean auth,
      InstantSource clock,
      MeterRegistry meters,
      Mirror mirror,
      SyncFeature sync) {
    boolean syncPages = config.sync().apiEnabledOn(config.listenHost(), auth);
    Layout layout = layout(mirror != null, syncPages, config.accelerator().enabled());
    DashboardData data =
        mirror == null ? null : new DashboardData(meters, () -> upstreamStates(mirror));
    return new StatusPages(
            vertx, layout, viewers(auth), clock, data, syncPages ? SyncControl.of(sync) : null)
        .stage();
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
