package dev.hoist.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.auth.AnonymousPull;
import dev.hoist.auth.AuthConfig;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Referrers;
import dev.hoist.testkit.Skopeo;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The registry browser in a real browser (Debian's chromium through its chromedriver): a Hoist
 * mirroring a real Distribution registry (one image pulled through it, so cached), with hosted
 * images pushed by skopeo, a referrer pushed over the API, and enough repositories for two pages.
 * Screenshots of each page at desktop (1280 px) and phone (375 px) width go to {@code
 * target/screenshots/}.
 */
class RegistryBrowserUiIT {
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path SCREENSHOTS = Path.of("target", "screenshots");
  static final String ROOT_PW = "root secret 3";

  @TempDir Path dir;
  DockerRegistryProcess upstream;
  HoistServer hoist;
  Skopeo skopeo;
  RandomImages.ImageLayout image;
  Referrers.Artifact signature;
  final List<WebDriver> browsers = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    assertThat(CHROMEDRIVER).as("apt-get install chromium chromium-driver").exists();
    Files.createDirectories(SCREENSHOTS);
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("upstream")).start();
    skopeo = Skopeo.create(dir.resolve("skopeo"));
    image = RandomImages.writeLayout(dir.resolve("layout"), "1", 3, 200_000);
    skopeo.copy(image.ociReference(), "docker://" + upstream.hostPort() + "/library/alpine:3");
    hoist = start(AuthConfig.disabled());
    String address = "127.0.0.1:" + hoist.port();
    // Pulled through the mirror: cached as docker.io/library/alpine.
    skopeo.copy("docker://" + address + "/library/alpine:3", "oci:" + dir.resolve("pulled") + ":3");
    skopeo.copy(image.ociReference(), "docker://" + address + "/team/app:1.0");
    skopeo.copy(image.ociReference(), "docker://" + address + "/team/app:latest");
    skopeo.copy(image.ociReference(), "docker://" + address + "/secret/app:1");
    signature =
        Referrers.pushArtifact(
            hoist.url(),
            "team/app",
            image.manifestDigest(),
            Files.size(image.dir().resolve("blobs/sha256/" + image.manifestDigest().encoded())),
            "signed by the test");
    for (int i = 0; i < Catalog.PAGE_SIZE; i++) {
      TinyImages.push(hoist.url(), String.format("many/repo%03d", i), "1", "RUN true");
    }
  }

  private HoistServer start(AuthConfig auth) {
    return HoistServer.start(
        ServerConfig.builder()
            .disk(DiskConfig.off())
            .listen("127.0.0.1", hoist == null ? 0 : hoist.port())
            .dataDir(dir.resolve("hoist"))
            .mirror(
                MirrorConfig.of(
                        List.of(
                            Upstream.known("docker.io")
                                .orElseThrow()
                                .withUrl(URI.create(upstream.url()))))
                    .toBuilder()
                    .hostedPrefixes(List.of("team", "secret", "many"))
                    .build())
            .auth(auth)
            .build());
  }

  @AfterEach
  void stop() {
    browsers.forEach(WebDriver::quit);
    if (hoist != null) {
      hoist.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private WebDriver browser(int width) throws Exception {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--user-data-dir=" + Files.createTempDirectory(dir, "chromium"));
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    WebDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().implicitlyWait(Duration.ofSeconds(5));
    driver.manage().window().setSize(new Dimension(width, width < 500 ? 812 : 900));
    browsers.add(driver);
    return driver;
  }

  private static void screenshot(WebDriver b, String name) throws Exception {
    Path shot = ((TakesScreenshot) b).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }

  /** Nothing wider than the window: wide tables scroll inside their block instead. */
  private static void assertNoHorizontalOverflow(WebDriver b) {
    Object overflow =
        ((JavascriptExecutor) b)
            .executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
    Object culprits =
        ((JavascriptExecutor) b)
            .executeScript(
                "const w = document.documentElement.clientWidth; return"
                    + " Array.from(document.querySelectorAll('body *')).filter(e =>"
                    + " e.getBoundingClientRect().right > w + 1).slice(0, 5).map(e => e.tagName"
                    + " + '.' + e.className + '#' + e.id).join(' ');");
    assertThat(((Number) overflow).longValue())
        .as("page wider than the window: %s", culprits)
        .isLessThanOrEqualTo(0);
  }

  @Test
  void browseSearchPageThroughTagsAManifestWithItsReferrerCopyAndDelete() throws Exception {
    WebDriver b = browser(1280);
    b.get(hoist.url() + "/");
    assertThat(b.getCurrentUrl()).endsWith("/ui/");
    assertThat(b.findElement(By.id("page-info")).getText()).startsWith("Page 1 of 2");
    assertThat(b.findElement(By.linkText("docker.io/library/alpine"))).isNotNull();
    screenshot(b, "desktop-1-repositories-page-1");
    b.findElement(By.id("page-next")).click();
    // Read the next page only once the browser is on it (else an element of the old one is stale).
    awaitUrl(b, "page=2");
    assertThat(b.findElement(By.id("page-info")).getText()).startsWith("Page 2 of 2");
    assertThat(b.findElement(By.linkText("team/app"))).isNotNull();
    screenshot(b, "desktop-2-repositories-page-2");

    WebElement search = b.findElement(By.id("q"));
    search.sendKeys("app", Keys.ENTER);
    awaitUrl(b, "q=app");
    List<String> found =
        b.findElements(By.cssSelector("a.repository")).stream().map(WebElement::getText).toList();
    assertThat(found).containsExactly("secret/app", "team/app");
    screenshot(b, "desktop-3-search-app");

    b.findElement(By.linkText("team/app")).click();
    awaitUrl(b, "/ui/r/team/app");
    List<String> tags =
        b.findElements(By.cssSelector("a.tag")).stream().map(WebElement::getText).toList();
    assertThat(tags).contains("1.0", "latest");
    assertThat(b.findElement(By.id("tags")).getText()).contains("linux/amd64");
    screenshot(b, "desktop-4-tags-team-app");

    b.findElement(By.linkText("1.0")).click();
    assertThat(b.findElement(By.id("manifest-digest")).getText())
        .isEqualTo(image.manifestDigest().toString());
    assertThat(b.findElement(By.id("layers")).findElements(By.cssSelector("tbody tr")))
        .hasSize(image.layerDigests().size());
    WebElement referrer = b.findElement(By.cssSelector("#referrers a.referrer"));
    assertThat(referrer.getText()).isEqualTo(signature.digest().toString());
    assertThat(b.findElement(By.id("referrers")).getText()).contains(Referrers.ARTIFACT_TYPE);
    String address = "127.0.0.1:" + hoist.port();
    assertThat(b.findElement(By.id("pull-command")).getText())
        .isEqualTo("docker pull " + address + "/team/app:1.0");
    WebElement copy = b.findElement(By.cssSelector("button[data-copy=pull-command]"));
    copy.click();
    new WebDriverWait(b, Duration.ofSeconds(5)).until(d -> copy.getText().equals("Copied"));
    screenshot(b, "desktop-5-manifest-with-referrer-copied");

    // The referrer's own page: an artifact manifest whose subject is the image.
    referrer.click();
    assertThat(b.findElement(By.id("manifest-facts")).getText()).contains(Referrers.ARTIFACT_TYPE);

    // A server without auth lets every visitor delete, as on /v2/; a hosted tag goes.
    b.get(hoist.url() + "/ui/r/team/app");
    b.findElement(By.cssSelector("a.delete-tag[href$='tag=latest']")).click();
    screenshot(b, "desktop-6-confirm-delete-tag");
    b.findElement(By.id("confirm-delete")).click();
    assertThat(b.getCurrentUrl()).endsWith("/ui/r/team/app");
    assertThat(b.findElements(By.cssSelector("a.tag")).stream().map(WebElement::getText))
        .containsExactly("1.0");
    assertThat(
            skopeo
                .run("inspect", "--tls-verify=false", "docker://" + address + "/team/app:latest")
                .succeeded())
        .isFalse();

    // The mirror's cache has no delete, and its pull command names the upstream.
    b.get(hoist.url() + "/ui/r/docker.io/library/alpine");
    assertThat(b.findElements(By.cssSelector("a.delete-tag"))).isEmpty();
    assertThat(b.findElement(By.id("pull-command")).getText())
        .isEqualTo("docker pull " + address + "/docker.io/library/alpine:3");
    screenshot(b, "desktop-7-mirrored-repository");
  }

  @Test
  void atPhoneWidthEveryPageFitsAndTablesScroll() throws Exception {
    WebDriver b = browser(375);
    b.get(hoist.url() + "/ui/");
    screenshot(b, "phone-1-repositories");
    assertNoHorizontalOverflow(b);
    b.get(hoist.url() + "/ui/r/team/app");
    screenshot(b, "phone-2-tags-team-app");
    assertNoHorizontalOverflow(b);
    b.get(hoist.url() + "/ui/r/team/app/-/manifests/" + image.manifestDigest() + "?tag=1.0");
    screenshot(b, "phone-3-manifest");
    assertNoHorizontalOverflow(b);
    b.findElement(By.cssSelector("button[data-copy=pull-command]")).click();
    new WebDriverWait(b, Duration.ofSeconds(5))
        .until(
            d ->
                d.findElement(By.cssSelector("button[data-copy=pull-command]"))
                    .getText()
                    .equals("Copied"));
  }

  @Test
  void anAnonymousVisitorSeesNoPrivateRepositoryAndAnAdminSignsInAndOutByKeyboard()
      throws Exception {
    hoist.close();
    Path users = dir.resolve("users.htpasswd");
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    Files.writeString(
        users, "root:" + OpenBSDBCrypt.generate("2y", ROOT_PW.toCharArray(), salt, 5) + "\n");
    hoist =
        start(
            AuthConfig.builder()
                .enabled(true)
                .htpasswd(users)
                .admins(Set.of("root"))
                .anonymousPull(AnonymousPull.MIRRORED)
                .build());
    WebDriver b = browser(1280);
    b.get(hoist.url() + "/ui/");
    List<String> seen =
        b.findElements(By.cssSelector("a.repository")).stream().map(WebElement::getText).toList();
    assertThat(seen).containsExactly("docker.io/library/alpine");
    screenshot(b, "auth-1-anonymous-sees-only-mirrored");
    b.get(hoist.url() + "/ui/r/secret/app");
    assertThat(b.findElement(By.id("not-found")).getText()).contains("nothing here");
    screenshot(b, "auth-2-anonymous-private-repository-404");

    b.get(hoist.url() + "/ui/");
    b.findElement(By.id("sign-in-link")).click();
    // The form is used from the keyboard alone: the username field has focus, Tab, Enter.
    WebElement focused = b.switchTo().activeElement();
    assertThat(focused.getAttribute("id")).isEqualTo("username");
    assertThat(b.findElement(By.cssSelector("label[for=username]")).getText())
        .isEqualTo("Username");
    assertThat(b.findElement(By.cssSelector("label[for=password]")).getText())
        .isEqualTo("Password");
    focused.sendKeys("root", Keys.TAB);
    b.switchTo().activeElement().sendKeys("wrong password", Keys.ENTER);
    assertThat(b.findElement(By.id("error")).getText()).contains("Wrong username or password");
    screenshot(b, "auth-3-sign-in-refused");
    b.findElement(By.id("password")).sendKeys(ROOT_PW, Keys.ENTER);
    assertThat(b.findElement(By.id("signed-in-user")).getText()).isEqualTo("root");
    b.get(hoist.url() + "/ui/?q=app");
    seen =
        b.findElements(By.cssSelector("a.repository")).stream().map(WebElement::getText).toList();
    assertThat(seen).containsExactly("secret/app", "team/app");
    screenshot(b, "auth-4-admin-signed-in");
    b.get(hoist.url() + "/ui/r/secret/app");
    assertThat(b.findElements(By.cssSelector("a.delete-tag"))).isNotEmpty();

    b.findElement(By.id("sign-out")).click();
    assertThat(b.findElement(By.id("sign-in-link")).getText()).isEqualTo("Sign in");
    seen =
        b.findElements(By.cssSelector("a.repository")).stream().map(WebElement::getText).toList();
    assertThat(seen).containsExactly("docker.io/library/alpine");
    screenshot(b, "auth-5-signed-out");
  }

  /** Waits (10 s at most) until the browser's address contains {@code part}. */
  private static void awaitUrl(WebDriver b, String part) {
    new org.openqa.selenium.support.ui.WebDriverWait(b, java.time.Duration.ofSeconds(10))
        .until(org.openqa.selenium.support.ui.ExpectedConditions.urlContains(part));
  }
}
