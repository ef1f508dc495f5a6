package dev.hoist.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.storage.ClusterTransaction.SessionRecord;
import dev.hoist.testkit.MemoryMetadataStore;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Page sessions in the metadata store, and the page routes' prefixes. */
class UiSessionsTest {
  final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-08T00:00:00Z"));
  final MemoryMetadataStore store = new MemoryMetadataStore(now::get);
  final UiSessions sessions = new UiSessions(null, store, null, now::get);

  @Test
  void aSessionIsFoundByItsTokenUntilItExpiresOrEnds() {
    UiSessions.Session s = sessions.create("alice");
    assertThat(sessions.find(s.token()))
        .hasValueSatisfying(
            f -> {
              assertThat(f.username()).isEqualTo("alice");
              assertThat(f.csrf()).isEqualTo(s.csrf()).isNotEqualTo(s.token());
            });
    now.set(now.get().plus(UiSessions.LIFETIME).plusSeconds(1));
    assertThat(sessions.find(s.token())).isEmpty();

    UiSessions.Session t = sessions.create("alice");
    sessions.end(t.token());
    assertThat(sessions.find(t.token())).isEmpty();
  }

  @Test
  void theStoreKeepsAHashNotTheTokenAndAConsoleSessionIsNoPageSession() {
    UiSessions.Session s = sessions.create("alice");
    Optional<SessionRecord> byToken = store.read(tx -> tx.cluster().session(s.token()));
    assertThat(byToken).isEmpty();
    assertThat(UiSessions.key(s.token())).doesNotContain(s.token());
    // A console session record (an account id, no "ui:") under the same key is not a page session.
    store.write(
        tx -> {
          tx.cluster()
              .putSession(
                  new SessionRecord(
                      UiSessions.key("console-token"),
                      "acct123",
                      "csrf",
                      now.get().plusSeconds(60)));
          return null;
        });
    assertThat(sessions.find("console-token")).isEmpty();
  }

  @Test
  void theCookieIsHttpOnlyLaxAndSecureOnlyOverTls() {
    UiSessions.Session s = sessions.create("alice");
    assertThat(UiSessions.cookie(s, false))
        .contains("HttpOnly")
        .contains("SameSite=Lax")
        .doesNotContain("Secure");
    assertThat(UiSessions.cookie(s, true)).endsWith("; Secure");
    assertThat(UiSessions.cookie(null, false)).contains("Max-Age=0");
  }

  @Test
  void aRouteMatchesItsPrefixAndWhatIsBelowItOnly() {
    Page page = (call, viewer, form) -> {};
    PageRoute mirror = new PageRoute("/ui/mirror", page);
    assertThat(mirror.matches("/ui/mirror")).isTrue();
    assertThat(mirror.matches("/ui/mirror/upstreams")).isTrue();
    assertThat(mirror.matches("/ui/mirrors")).isFalse();
    assertThat(new PageRoute("/ui/", page).matches("/ui/r/team/app")).isTrue();
    assertThatThrownBy(() -> new PageRoute("/mirror", page))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PageRoute("/ui/mirror/", page))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
