package dev.hoist.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.auth.AuthConfig;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.oci.MediaTypes;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.sync.SyncConfig;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * A Hoist without auth mirroring a real Distribution registry (Debian's docker-registry) that holds
 * {@code library/app:1}, with a 10 GiB cache limit and one on-demand sync rule {@code app}: what
 * the status pages' tests look at.
 */
final class StatusFixture implements AutoCloseable {
  static final long CACHE_LIMIT = 10L << 30;

  final Path dir;
  final DockerRegistryProcess upstream;
  final Skopeo skopeo;
  final HoistServer hoist;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          // The pages' form token for a server without auth rides in a cookie (double submit).
          .cookieHandler(new java.net.CookieManager())
          .build();
  private int pulls;

  StatusFixture(Path dir) {
    this(dir, false);
  }

  /**
   * @param auth whether the server has auth (an htpasswd admin {@code root}); nobody is signed in
   *     to the pages until the UI's sign-in lands
   */
  StatusFixture(Path dir, boolean auth) {
    this.dir = dir;
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("upstream")).start();
    skopeo = Skopeo.create(dir.resolve("skopeo"));
    RandomImages.ImageLayout image =
        RandomImages.writeLayout(dir.resolve("image"), "1", 7, 400_000, 30_000);
    skopeo.copy(image.ociReference(), "docker://" + upstream.hostPort() + "/library/app:1");
    ServerConfig.Builder config = ServerConfig.builder();
    if (auth) {
      config.auth(
          AuthConfig.builder()
              .enabled(true)
              .htpasswd(htpasswd(dir, "root"))
              .admins(Set.of("root"))
              .build());
    }
    hoist =
        HoistServer.start(
            config
                .disk(
                    new DiskConfig(
                        CACHE_LIMIT,
                        DiskConfig.FreeSpace.NONE,
                        null,
                        Duration.ofSeconds(1),
                        Duration.ofHours(1),
                        Duration.ZERO,
                        0,
                        Duration.ofDays(7),
                        false))
                .listen("127.0.0.1", 0)
                .dataDir(dir.resolve("hoist"))
                .mirror(
                    MirrorConfig.builder()
                        .upstreams(
                            List.of(
                                Upstream.known("docker.io")
                                    .orElseThrow()
                                    .withUrl(URI.create(upstream.url()))))
                        .hostedPrefixes(List.of("team"))
                        .build())
                .sync(
                    SyncConfig.builder()
                        .rules(
                            List.of(
                                """
                                {"name": "app", "upstream": "docker.io",
                                 "repositories": ["library/app"],
                                 "destination": {"type": "hosted", "from": "library/*",
                                                 "to": "team/synced/*"}}
                                """))
                        .build())
                .build());
  }

  private static Path htpasswd(Path dir, String user) {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    Path file = dir.resolve("users.htpasswd");
    try {
      Files.writeString(
          file, user + ":" + OpenBSDBCrypt.generate("2y", "pw".toCharArray(), salt, 5) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /** Pulls {@code library/app:1} through Hoist with skopeo. */
  void pull() {
    pulls++;
    skopeo.copy(
        "docker://127.0.0.1:" + hoist.port() + "/library/app:1",
        "oci:" + dir.resolve("pull" + pulls) + ":1");
  }

  /** Asks Hoist for a tag it never cached, so that it must ask the upstream; the status. */
  int pullUncachedTag(int n) throws Exception {
    return get(
            "/v2/library/app/manifests/missing-" + n,
            "Accept",
            String.join(",", MediaTypes.MANIFEST_TYPES))
        .statusCode();
  }

  HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(hoist.url() + path)).timeout(Duration.ofMinutes(1));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> postForm(String path, String form) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(hoist.url() + path))
            .timeout(Duration.ofMinutes(1))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The text of the element with {@code id} (no nested tags), or fails. */
  static String byId(String html, String id) {
    Matcher m = Pattern.compile("id=\"?" + id + "\"?>([^<]*)<").matcher(html);
    assertThat(m.find()).as("element #%s in %s", id, html).isTrue();
    return m.group(1);
  }

  @Override
  public void close() {
    hoist.close();
    upstream.close();
  }
}
