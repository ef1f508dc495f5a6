package dev.hoist.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry browser over plain HTTP against a real Hoist without auth (every visitor may read
 * and, as on {@code /v2/}, delete): what it shows, what it escapes, what it refuses.
 */
class RegistryBrowserIT {
  static final String SCRIPT = "<script>alert(1)</script>";

  @TempDir Path dir;
  HoistServer hoist;
  WebClient web;

  @BeforeEach
  void start() {
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir.resolve("hoist"))
                .build());
    web = new WebClient(hoist.url());
  }

  @AfterEach
  void stop() {
    if (hoist != null) {
      hoist.close();
    }
  }

  @Test
  void theRootRedirectsToTheBrowserAndTheRegistryApiStaysAtV2() throws Exception {
    HttpResponse<String> root = web.get("/");
    assertThat(root.statusCode()).isEqualTo(303);
    assertThat(root.headers().firstValue("Location")).hasValue("/ui/");
    assertThat(web.get("/v2/").statusCode()).isEqualTo(200);
    HttpResponse<String> empty = web.get("/ui/");
    assertThat(empty.statusCode()).isEqualTo(200);
    assertThat(empty.body()).contains("No repositories yet.");
    assertThat(empty.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("script-src 'self'");
  }

  @Test
  void repositoriesTagsAndAManifestShowWhatWasPushed() throws Exception {
    TinyImages.Pushed app = TinyImages.push(hoist.url(), "team/app", "1.0", "RUN make");
    TinyImages.push(hoist.url(), "team/tool", "latest", "RUN true");
    String list = web.get("/ui/").body();
    assertThat(list).contains(">team/app</a>").contains(">team/tool</a>").contains("hosted");
    assertThat(web.get("/ui/?q=tool").body())
        .contains(">team/tool</a>")
        .doesNotContain(">team/app<");

    String tags = web.get("/ui/r/team/app").body();
    assertThat(tags)
        .contains(">1.0</a>")
        .contains("linux/amd64")
        .contains("docker pull 127.0.0.1:" + hoist.port() + "/team/app:1.0");

    HttpResponse<String> manifest =
        web.get("/ui/r/team/app/-/manifests/" + app.digest() + "?tag=1.0");
    assertThat(manifest.statusCode()).isEqualTo(200);
    assertThat(manifest.body())
        .contains(app.digest().toString())
        .contains("RUN make")
        .contains("application/vnd.oci.image.layer.v1.tar")
        .contains("No signatures, SBOMs or other referrers.");
  }

  @Test
  void namesTagsAnnotationsAndHistoryAreEscaped() throws Exception {
    TinyImages.Pushed pushed =
        TinyImages.push(
            hoist.url(),
            "xss/app",
            "v1",
            "RUN echo " + SCRIPT,
            Map.of("org.example.note", SCRIPT, "<b>key</b>", "\"quoted\" & 'single'"));
    String page = web.get("/ui/r/xss/app/-/manifests/" + pushed.digest()).body();
    assertThat(page).doesNotContain(SCRIPT).doesNotContain("<b>key</b>");
    assertThat(page)
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        .contains("&lt;b&gt;key&lt;/b&gt;")
        .contains("&quot;quoted&quot; &amp; &#39;single&#39;");
    // What a visitor types is shown back escaped too.
    String search = web.get("/ui/?q=" + java.net.URLEncoder.encode(SCRIPT, "UTF-8")).body();
    assertThat(search).doesNotContain(SCRIPT).contains("value=\"&lt;script&gt;");
  }

  @Test
  void aDeleteWithoutOrWithAWrongCsrfTokenChangesNothing() throws Exception {
    TinyImages.push(hoist.url(), "team/app", "1.0", "RUN make");
    HttpResponse<String> none = web.post("/ui/r/team/app/-/delete", Map.of("tag", "1.0"));
    assertThat(none.statusCode()).isEqualTo(403);
    assertThat(none.body()).contains("Nothing was changed");
    web.get("/ui/r/team/app/-/delete?tag=1.0"); // sets the form cookie
    HttpResponse<String> wrong =
        web.post("/ui/r/team/app/-/delete", Map.of("tag", "1.0", "csrf", "not-the-token"));
    assertThat(wrong.statusCode()).isEqualTo(403);
    assertThat(registryStatus("/v2/team/app/manifests/1.0")).isEqualTo(200);
    // Another visitor's token (another cookie) is refused as well.
    String theirs =
        WebClient.csrf(new WebClient(hoist.url()).get("/ui/r/team/app/-/delete?tag=1.0").body());
    assertThat(
            web.post("/ui/r/team/app/-/delete", Map.of("tag", "1.0", "csrf", theirs)).statusCode())
        .isEqualTo(403);
    assertThat(registryStatus("/v2/team/app/manifests/1.0")).isEqualTo(200);
  }

  @Test
  void aTagDeletedInTheBrowserIsGoneFromV2ButItsManifestStays() throws Exception {
    TinyImages.Pushed pushed = TinyImages.push(hoist.url(), "team/app", "1.0", "RUN make");
    TinyImages.push(hoist.url(), "team/app", "2.0", "RUN make");
    String confirm = web.get("/ui/r/team/app/-/delete?tag=1.0").body();
    assertThat(confirm).contains("Delete tag 1.0");
    HttpResponse<String> deleted =
        web.post("/ui/r/team/app/-/delete", Map.of("tag", "1.0", "csrf", WebClient.csrf(confirm)));
    assertThat(deleted.statusCode()).isEqualTo(303);
    assertThat(deleted.headers().firstValue("Location")).hasValue("/ui/r/team/app");
    assertThat(registryStatus("/v2/team/app/manifests/1.0")).isEqualTo(404);
    assertThat(registryStatus("/v2/team/app/manifests/" + pushed.digest())).isEqualTo(200);
    assertThat(web.get("/ui/r/team/app").body()).doesNotContain(">1.0</a>").contains(">2.0</a>");

    String manifest = web.get("/ui/r/team/app/-/delete?digest=" + pushed.digest()).body();
    HttpResponse<String> gone =
        web.post(
            "/ui/r/team/app/-/delete",
            Map.of("digest", pushed.digest().toString(), "csrf", WebClient.csrf(manifest)));
    assertThat(gone.statusCode()).isEqualTo(303);
    assertThat(registryStatus("/v2/team/app/manifests/" + pushed.digest())).isEqualTo(404);
    assertThat(registryStatus("/v2/team/app/manifests/2.0")).isEqualTo(200);
  }

  @Test
  void namesThatDoNotExistOrDoNotParseAnswer404Pages() throws Exception {
    TinyImages.Pushed pushed = TinyImages.push(hoist.url(), "team/app", "1.0", "RUN make");
    for (String path :
        new String[] {
          "/ui/r/team/nothing",
          "/ui/r/Team/App",
          "/ui/r/team/app/-/manifests/sha256:" + "0".repeat(64),
          "/ui/r/team/app/-/manifests/not-a-digest",
          "/ui/r/team/app/-/manifests/" + pushed.digest() + "?tag=bad%20tag",
          "/ui/r/team/app/-/delete?tag=9.9",
          "/ui/r/team/app/-/unknown",
          "/ui/r/%2e%2e/%2e%2e/etc/passwd",
          "/ui/r/team/..%2f..%2fetc",
          "/ui/r/team/app%00",
          "/ui/r/",
          "/ui/nothing-here"
        }) {
      HttpResponse<String> r = web.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(r.body()).as(path).contains("There is nothing here");
    }
    // Traversal sent raw, as a hand-written request would (the JDK client would not normalise it).
    HttpResponse<String> raw =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(hoist.url() + "/ui/r/team/app/../../../etc"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(raw.statusCode()).isIn(400, 404);
  }

  @Test
  void pageNumbersOutOfRangeShowTheNearestPage() throws Exception {
    for (int i = 0; i < Catalog.PAGE_SIZE + 5; i++) {
      TinyImages.push(hoist.url(), String.format("many/repo%03d", i), "1", "RUN true");
    }
    String first = web.get("/ui/").body();
    assertThat(first)
        .contains("Page 1 of 2")
        .contains("many/repo000")
        .doesNotContain("many/repo054");
    assertThat(web.get("/ui/?page=2").body()).contains("Page 2 of 2").contains("many/repo054");
    assertThat(web.get("/ui/?page=-7").body()).contains("Page 1 of 2");
    assertThat(web.get("/ui/?page=0").body()).contains("Page 1 of 2");
    assertThat(web.get("/ui/?page=99999999999999999999999").body()).contains("Page 1 of 2");
    assertThat(web.get("/ui/?page=2147483648").body()).contains("Page 2 of 2");
    assertThat(web.get("/ui/?page=abc").body()).contains("Page 1 of 2");
    assertThat(web.get("/ui/r/many/repo001?page=-1").statusCode()).isEqualTo(200);
    assertThat(web.get("/ui/?q=repo05&page=3").body())
        .contains("Page 1 of 1")
        .contains("many/repo054");
  }

  private int registryStatus(String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(hoist.url() + path))
                .header("Accept", "application/vnd.oci.image.manifest.v1+json")
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
