package dev.hoist.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * The dashboard and the sync page in a real browser (Debian's chromium through its chromedriver),
 * at a desktop's and a phone's width: the dashboard's numbers change in place as htmx fetches them
 * again, the page never reloading; "Run now" works from the keyboard; nothing is wider than a
 * phone's screen. Screenshots go to {@code target/screenshots/}.
 */
class StatusPagesBrowserIT {
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path SCREENSHOTS = Path.of("target/screenshots");

  @TempDir Path dir;
  StatusFixture fixture;
  final List<WebDriver> browsers = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    assertThat(CHROMEDRIVER).as("apt-get install chromium chromium-driver").exists();
    Files.createDirectories(SCREENSHOTS);
    fixture = new StatusFixture(dir);
  }

  @AfterEach
  void stop() {
    browsers.forEach(WebDriver::quit);
    fixture.close();
  }

  private WebDriver browser(int width, int height) throws Exception {
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
        "--hide-scrollbars",
        "--user-data-dir=" + Files.createTempDirectory(dir, "chromium"));
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    WebDriver driver = new ChromeDriver(service, options);
    driver.manage().window().setSize(new Dimension(width, height));
    driver.manage().timeouts().implicitlyWait(Duration.ofSeconds(5));
    browsers.add(driver);
    return driver;
  }

  private static void screenshot(WebDriver b, String name) throws Exception {
    Path shot = ((TakesScreenshot) b).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }

  private static String text(WebDriver b, String id) {
    return b.findElement(By.id(id)).getText();
  }

  /** The page is no wider than the window: wide tables scroll inside themselves. */
  private static void fitsTheWindow(WebDriver b) {
    Object wider =
        ((JavascriptExecutor) b)
            .executeScript(
                "const w = document.documentElement.clientWidth;"
                    + " return [...document.querySelectorAll('body *')]"
                    + ".filter(e => e.getBoundingClientRect().right > w + 1"
                    + " && !(e.parentElement && e.parentElement.closest('.table-scroll')))"
                    + ".map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right);");
    assertThat((List<?>) wider).as("elements wider than the window").isEmpty();
    Object overflow =
        ((JavascriptExecutor) b)
            .executeScript(
                "return document.documentElement.scrollWidth"
                    + " - document.documentElement.clientWidth;");
    assertThat(((Number) overflow).longValue()).as("the page scrolls sideways by").isZero();
  }

  @Test
  void theDashboardsNumbersChangeInPlaceAndItFitsAPhone() throws Exception {
    WebDriver wide = browser(1280, 900);
    wide.get(fixture.hoist.url() + "/ui/mirror");
    assertThat(text(wide, "hit-ratio")).isEqualTo("0.0 %");
    assertThat(wide.findElement(By.cssSelector("tr[data-upstream='docker.io']")).getText())
        .contains("Healthy");
    screenshot(wide, "mirror-dashboard-1280-before-pulls");
    // A mark on the window: a reload would lose it.
    ((JavascriptExecutor) wide).executeScript("window.hoistNotReloaded = true;");
    String updated = text(wide, "updated");

    fixture.pull();
    fixture.pull();

    new WebDriverWait(wide, Duration.ofSeconds(20))
        .until(b -> !text(b, "hit-ratio").equals("0.0 %"));
    assertThat(text(wide, "bytes-saved")).endsWith("KiB");
    assertThat(text(wide, "updated")).isNotEqualTo(updated);
    assertThat(
            ((JavascriptExecutor) wide).executeScript("return window.hoistNotReloaded === true;"))
        .as("the numbers changed without a reload")
        .isEqualTo(true);
    screenshot(wide, "mirror-dashboard-1280-after-warm-pull");

    WebDriver phone = browser(375, 812);
    phone.get(fixture.hoist.url() + "/ui/mirror");
    fitsTheWindow(phone);
    screenshot(phone, "mirror-dashboard-375-after-warm-pull");

    // The upstream stops; the circuit opens after a few failed pulls, and the page says so.
    fixture.upstream.stop();
    for (int i = 0; i < 10 && !fixture.get("/ui/mirror").body().contains("data-health=open"); i++) {
      fixture.pullUncachedTag(i);
    }
    new WebDriverWait(phone, Duration.ofSeconds(20))
        .until(
            b ->
                b.findElement(By.cssSelector("tr[data-upstream='docker.io']"))
                    .getText()
                    .contains("Circuit open"));
    fitsTheWindow(phone);
    ((JavascriptExecutor) phone)
        .executeScript("document.getElementById('upstreams').scrollIntoView();");
    screenshot(phone, "mirror-dashboard-375-circuit-open");
  }

  @Test
  void runNowFromTheKeyboardThenTheRunShowsAtBothWidths() throws Exception {
    WebDriver phone = browser(375, 812);
    phone.get(fixture.hoist.url() + "/ui/sync");
    fitsTheWindow(phone);
    screenshot(phone, "sync-page-375-before-run");

    WebDriver wide = browser(1280, 900);
    wide.get(fixture.hoist.url() + "/ui/sync");
    screenshot(wide, "sync-page-1280-before-run");
    WebElement run = wide.findElement(By.id("run-app"));
    assertThat(run.getAccessibleName()).isEqualTo("Run app now");
    run.sendKeys(Keys.ENTER);

    assertThat(text(wide, "notice")).contains("Started a run of app");
    new WebDriverWait(wide, Duration.ofSeconds(60))
        .pollingEvery(Duration.ofMillis(500))
        .until(
            b -> {
              b.navigate().refresh();
              return b.findElement(By.id("rule-app")).getText().contains("1 copied");
            });
    screenshot(wide, "sync-page-1280-after-run");

    phone.navigate().refresh();
    assertThat(phone.findElement(By.id("rule-app")).getText()).contains("1 copied");
    fitsTheWindow(phone);
    screenshot(phone, "sync-page-375-after-run");
  }
}
