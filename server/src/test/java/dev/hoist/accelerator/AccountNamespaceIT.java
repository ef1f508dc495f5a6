package dev.hoist.accelerator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hoist.auth.AnonymousPull;
import dev.hoist.auth.AuthConfig;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.oci.Digest;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The namespace the console offers works in the usual setup, where Docker Hub (here a Distribution
 * registry on loopback) is mirrored as the default upstream: {@code <username>/app} would be a
 * read-only mirror of {@code docker.io/<username>/app}, so accounts push under the hosted {@code
 * u/<username>/}, and only there.
 */
class AccountNamespaceIT {
  static final String PASSWORD = "correct horse battery";

  @TempDir Path dir;
  DockerRegistryProcess upstream;
  HoistServer hoist;
  RandomImages.ImageLayout image;

  @BeforeEach
  void start() {
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("upstream")).start();
    image = RandomImages.writeLayout(dir.resolve("img"), "v1", 7, 40_000, 1_000);
  }

  @AfterEach
  void stop() {
    if (hoist != null) {
      hoist.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private void startHoist(boolean auth) {
    ServerConfig.Builder b =
        ServerConfig.builder()
            .disk(DiskConfig.off())
            .listen("127.0.0.1", 0)
            .dataDir(dir.resolve("hoist"))
            .mirror(
                MirrorConfig.of(
                    List.of(
                        Upstream.known("docker.io")
                            .orElseThrow()
                            .withUrl(URI.create(upstream.url())))))
            .accelerator(AcceleratorConfig.builder().admins(List.of("root@example.com")).build());
    if (auth) {
      b.auth(AuthConfig.builder().enabled(true).anonymousPull(AnonymousPull.MIRRORED).build());
    }
    hoist = HoistServer.start(b.build());
  }

  private String host() {
    return "127.0.0.1:" + hoist.port();
  }

  private Skopeo signedIn(String email) throws Exception {
    new ApiClient(hoist.url()).signup(email, PASSWORD, null);
    Skopeo skopeo = Skopeo.create(dir.resolve("skopeo-" + email));
    skopeo.checked("login", "--tls-verify=false", "-u", email, "-p", PASSWORD, host());
    return skopeo;
  }

  private Skopeo.Result push(Skopeo skopeo, String name) {
    return skopeo.run(
        "copy",
        "--dest-tls-verify=false",
        image.ociReference(),
        "docker://" + host() + "/" + name + ":v1");
  }

  @Test
  void theOfferedNamespaceTakesPushesWhileDockerHubIsTheDefaultUpstream() throws Exception {
    startHoist(true);
    ApiClient alice = new ApiClient(hoist.url());
    JsonNode me = alice.signup("alice@example.com", PASSWORD, null);
    assertThat(me.get("registry").get("namespace").asText()).isEqualTo(host() + "/u/alice");
    Skopeo skopeo = Skopeo.create(dir.resolve("alice"));
    skopeo.checked(
        "login", "--tls-verify=false", "-u", "alice@example.com", "-p", PASSWORD, host());

    Skopeo.Result pushed = push(skopeo, "u/alice/app");
    assertThat(pushed.succeeded()).as(pushed.describe()).isTrue();
    String target = "docker://" + host() + "/u/alice/app:v1";
    assertThat(Digest.sha256(skopeo.inspectRaw(target))).isEqualTo(image.manifestDigest());

    // What the console used to offer: a name the default upstream claims, so read-only.
    Skopeo.Result mirrored = push(skopeo, "alice/app");
    assertThat(mirrored.succeeded()).as(mirrored.describe()).isFalse();
  }

  @Test
  void otherAccountsAndAnonymousClientsMayNotPushIntoAnAccountsNamespace() throws Exception {
    startHoist(true);
    new ApiClient(hoist.url()).signup("alice@example.com", PASSWORD, null);
    Skopeo bob = signedIn("bob@example.com");
    Skopeo.Result intoAlice = push(bob, "u/alice/app");
    assertThat(intoAlice.succeeded()).as(intoAlice.describe()).isFalse();
    assertThat(intoAlice.stderr()).containsAnyOf("denied", "403", "401");
    assertThat(push(bob, "u/bob/app").succeeded()).isTrue();

    Skopeo anonymous = Skopeo.create(dir.resolve("anonymous"));
    Skopeo.Result anonymousPush = push(anonymous, "u/alice/app");
    assertThat(anonymousPush.succeeded()).as(anonymousPush.describe()).isFalse();

    // An admin may.
    Skopeo root = signedIn("root@example.com");
    Skopeo.Result byAdmin = push(root, "u/alice/app");
    assertThat(byAdmin.succeeded()).as(byAdmin.describe()).isTrue();
  }

  @Test
  void withoutAuthTheNamespaceTakesPushesAndTheApiOffersNoLoginLines() throws Exception {
    java.io.PrintStream original = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      startHoist(false);
    } finally {
      System.setErr(original);
    }
    assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8))
        .contains("accelerator without auth")
        .contains("docker login accepts any password");
    JsonNode registry =
        new ApiClient(hoist.url()).signup("alice@example.com", PASSWORD, null).get("registry");
    assertThat(registry.get("authRequired").asBoolean()).isFalse();
    assertThat(registry.get("dockerLogin").isNull()).isTrue();
    assertThat(registry.get("skopeoLogin").isNull()).isTrue();
    Skopeo.Result pushed = push(Skopeo.create(dir.resolve("anyone")), "u/alice/app");
    assertThat(pushed.succeeded()).as(pushed.describe()).isTrue();
  }
}
