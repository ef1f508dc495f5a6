package dev.hoist.accelerator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.auth.AuthConfig;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The console in a real browser: Debian's chromium driven through its chromedriver (nothing is
 * downloaded), against Hoist mirroring a real Distribution registry.
 */
class ConsoleIT {
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final String PASSWORD = "correct horse battery";

  @TempDir Path dir;
  DockerRegistryProcess upstream;
  HoistServer hoist;
  Skopeo skopeo;
  RandomImages.ImageLayout image;
  final java.util.List<WebDriver> browsers = new java.util.ArrayList<>();

  @BeforeEach
  void start() {
    assertThat(CHROMEDRIVER).as("apt-get install chromium chromium-driver").exists();
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("upstream")).start();
    skopeo = Skopeo.create(dir.resolve("skopeo"));
    image = RandomImages.writeLayout(dir.resolve("layout"), "1", 3, 200_000);
    skopeo.copy(image.ociReference(), "docker://" + upstream.hostPort() + "/library/app:1");
    hoist =
        HoistServer.start(
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
                .accelerator(
                    AcceleratorConfig.builder()
                        .defaultQuotaBytes(10L * 1024 * 1024 * 1024)
                        .inviteBonusBytes(5L * 1024 * 1024 * 1024)
                        .flushInterval(Duration.ofMillis(200))
                        .build())
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

  private WebDriver browser() throws Exception {
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
    browsers.add(driver);
    return driver;
  }

  private void signUp(WebDriver b, String url, String email) {
    b.get(url);
    fillSignUp(b, email, email.substring(0, email.indexOf('@')));
    assertThat(b.findElement(By.id("account-email")).getText()).isEqualTo(email);
  }

  private static void fillSignUp(WebDriver b, String email, String username) {
    b.findElement(By.id("email")).clear();
    b.findElement(By.id("email")).sendKeys(email);
    b.findElement(By.id("username")).clear();
    b.findElement(By.id("username")).sendKeys(username);
    b.findElement(By.id("password")).sendKeys(PASSWORD);
    b.findElement(By.id("signup-submit")).click();
  }

  private long usedBytes(WebDriver b) {
    b.navigate().refresh();
    return Long.parseLong(b.findElement(By.id("gauge")).getDomAttribute("value"));
  }

  @Test
  void signUpStartTheAcceleratorPullThroughItAndSeeTheUsageMove() throws Exception {
    WebDriver b = browser();
    // A reserved username comes back with the reason, and what was typed is kept.
    b.get(hoist.url() + "/console/signup");
    fillSignUp(b, "alice@example.com", "library");
    assertThat(b.findElement(By.id("error")).getText()).contains("library").contains("reserved");
    assertThat(b.findElement(By.id("email")).getDomProperty("value"))
        .isEqualTo("alice@example.com");
    fillSignUp(b, "alice@example.com", "alice");
    assertThat(b.findElement(By.id("account-email")).getText()).isEqualTo("alice@example.com");
    assertThat(b.findElement(By.id("account-username")).getText()).isEqualTo("alice");
    String address = hoist.url().replaceFirst("^http://", "");
    // Docker Hub is the default upstream here, so alice/app would be a read-only mirror name: the
    // namespace offered is the hosted u/alice.
    assertThat(b.findElement(By.id("namespace")).getText()).isEqualTo(address + "/u/alice/");
    assertThat(b.findElement(By.id("snippet-push")).getText())
        .isEqualTo(
            "docker tag app " + address + "/u/alice/app\ndocker push " + address + "/u/alice/app");
    // Without auth any password "succeeds", so there are no login lines, and a warning instead.
    assertThat(b.findElements(By.id("docker-login"))).isEmpty();
    assertThat(b.findElements(By.id("skopeo-login"))).isEmpty();
    assertThat(b.findElement(By.id("auth-off-warning")).getText())
        .contains("without authentication")
        .contains("accepts any password");
    // Human units; no period configured, so a lifetime total without a reset date.
    assertThat(b.findElement(By.id("usage")).getText())
        .startsWith("0 B of 10 GiB (0%)")
        .contains("a lifetime total, no reset");
    assertThat(b.findElements(By.id("resets"))).isEmpty();
    b.findElement(By.id("start")).click();
    String pathAddress = b.findElement(By.id("path-address")).getText();
    assertThat(pathAddress).startsWith(hoist.url() + "/m/");
    // No baseDomain: a Docker snippet would need a path in registry-mirrors, which Docker refuses.
    assertThat(b.findElements(By.id("snippet-docker"))).isEmpty();
    assertThat(b.findElement(By.id("snippet-docker-missing")).getText())
        .contains("accelerator.baseDomain");
    assertThat(b.findElement(By.id("snippet-containerd")).getText()).contains(pathAddress);
    assertThat(b.findElement(By.id("snippet-podman")).getText()).contains("[[registry.mirror]]");
    assertThat(usedBytes(b)).isZero();
    assertThat(b.findElement(By.id("chart")).findElements(By.tagName("canvas"))).isNotEmpty();

    String reference = pathAddress.replaceFirst("^http://", "") + "/library/app:1";
    skopeo.copy("docker://" + reference, "oci:" + dir.resolve("out") + ":1");
    assertThat(usedBytes(b)).isGreaterThan(200_000);
  }

  @Test
  void anInvitationAddsQuotaToBothAccounts() throws Exception {
    WebDriver alice = browser();
    signUp(alice, hoist.url() + "/console/signup", "alice@example.com");
    long before = Long.parseLong(alice.findElement(By.id("gauge")).getDomAttribute("max"));
    String link = alice.findElement(By.id("invite-link")).getText();
    assertThat(link).contains("/console/signup?invite=");

    WebDriver bob = browser();
    signUp(bob, link, "bob@example.com");
    long bonus = 5L * 1024 * 1024 * 1024;
    assertThat(Long.parseLong(bob.findElement(By.id("gauge")).getDomAttribute("max")))
        .isEqualTo(before + bonus);
    alice.navigate().refresh();
    assertThat(Long.parseLong(alice.findElement(By.id("gauge")).getDomAttribute("max")))
        .isEqualTo(before + bonus);
    assertThat(alice.findElement(By.id("friends")).getText()).contains("bob@example.com");
    assertThat(alice.findElement(By.id("limit")).getText()).isEqualTo("15 GiB");
  }

  @Test
  void withAuthAndABaseDomainTheConsoleShowsLoginLinesADockerSnippetAndTheResetDate()
      throws Exception {
    hoist.close();
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir.resolve("hoist-auth"))
                .auth(AuthConfig.builder().enabled(true).build())
                .accelerator(
                    AcceleratorConfig.builder()
                        .baseDomain("localhost")
                        .namespacePrefix("users")
                        .period(QuotaPeriod.MONTHLY)
                        .defaultQuotaBytes(512L << 20)
                        .build())
                .build());
    WebDriver b = browser();
    signUp(b, hoist.url() + "/console/signup", "alice@example.com");
    String address = hoist.url().replaceFirst("^http://", "");
    assertThat(b.findElement(By.id("namespace")).getText()).isEqualTo(address + "/users/alice/");
    assertThat(b.findElement(By.id("docker-login")).getText())
        .isEqualTo("docker login " + address + " -u alice");
    assertThat(b.findElement(By.id("skopeo-login")).getText())
        .isEqualTo("skopeo login --tls-verify=false " + address + " -u alice");
    assertThat(b.findElements(By.id("auth-off-warning"))).isEmpty();
    b.findElement(By.id("start")).click();
    String tenant = b.findElement(By.id("path-address")).getText().replaceFirst(".*/m/", "");
    String hostAddress = "http://" + tenant + ".localhost:" + hoist.port();
    assertThat(b.findElement(By.id("address")).getText()).isEqualTo(hostAddress);
    assertThat(b.findElement(By.id("snippet-docker")).getText())
        .contains("\"registry-mirrors\": [\"" + hostAddress + "\"]")
        .doesNotContain("/m/");
    LocalDate firstOfNextMonth = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1).plusMonths(1);
    assertThat(b.findElement(By.id("resets")).getText()).isEqualTo(firstOfNextMonth.toString());
    assertThat(b.findElement(By.id("usage")).getText()).startsWith("0 B of 512 MiB (0%)");

    // An access token: made with a name, its secret shown once, listed, then revoked.
    b.findElement(By.id("token-name")).sendKeys("laptop");
    b.findElement(By.id("token-create")).click();
    String secret = b.findElement(By.id("new-token")).getText();
    assertThat(secret).startsWith("hoist_pat_");
    assertThat(b.findElement(By.id("new-token-login")).getText())
        .isEqualTo("docker login " + address + " -u alice --password-stdin");
    b.findElement(By.id("back")).click();
    assertThat(b.getPageSource()).doesNotContain(secret);
    assertThat(b.findElement(By.id("tokens")).getText()).contains("laptop").contains("never");
    b.findElement(By.id("tokens")).findElement(By.className("revoke")).click();
    assertThat(b.findElement(By.id("tokens")).getText()).doesNotContain("laptop");
  }
}
