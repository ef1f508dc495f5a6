package dev.hoist.accelerator;

import static org.assertj.core.api.Assertions.assertThat;

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
    return Long.parseLong(b.findElement(By.id("used-bytes")).getText());
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
    assertThat(b.findElement(By.id("namespace-example")).getText())
        .isEqualTo(address + "/alice/app");
    assertThat(b.findElement(By.id("docker-login")).getText())
        .isEqualTo("docker login " + address + " -u alice");
    assertThat(b.findElement(By.id("skopeo-login")).getText())
        .isEqualTo("skopeo login --tls-verify=false " + address + " -u alice");
    b.findElement(By.id("start")).click();
    String pathAddress = b.findElement(By.id("path-address")).getText();
    assertThat(pathAddress).startsWith(hoist.url() + "/m/");
    assertThat(b.findElement(By.id("snippet-docker")).getText()).contains("registry-mirrors");
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
    long before = Long.parseLong(alice.findElement(By.id("limit-bytes")).getText());
    String link = alice.findElement(By.id("invite-link")).getText();
    assertThat(link).contains("/console/signup?invite=");

    WebDriver bob = browser();
    signUp(bob, link, "bob@example.com");
    long bonus = 5L * 1024 * 1024 * 1024;
    assertThat(Long.parseLong(bob.findElement(By.id("limit-bytes")).getText()))
        .isEqualTo(before + bonus);
    alice.navigate().refresh();
    assertThat(Long.parseLong(alice.findElement(By.id("limit-bytes")).getText()))
        .isEqualTo(before + bonus);
    assertThat(alice.findElement(By.id("friends")).getText()).contains("bob@example.com");
  }
}
