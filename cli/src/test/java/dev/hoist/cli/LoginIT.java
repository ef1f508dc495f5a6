package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import dev.hoist.testkit.TokenServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hoist login/logout} and credentials in {@code pull}, against docker-registry with token
 * authentication (testkit's TokenServer): config.json, a credential helper, and mirrors that must
 * never see the origin's credentials.
 */
class LoginIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String USER = "alice";
  private static final String PASSWORD = "s3cret-pw";

  @TempDir static Path shared;
  @TempDir Path dir;

  static TokenServer tokens;
  static DockerRegistryProcess origin;
  static RandomImages.ImageLayout app;

  @BeforeAll
  static void privateRegistry() {
    tokens =
        TokenServer.builder()
            .user(USER, PASSWORD, "pull", "push")
            .anonymousPull(false)
            .workDir(shared.resolve("tokens"))
            .start();
    origin =
        DockerRegistryProcess.builder()
            .tokenAuth(tokens.realm(), tokens.service(), tokens.issuer(), tokens.certificatePem())
            .start();
    app = RandomImages.writeLayout(shared.resolve("app"), "1", 31, 80_000, 20_000);
    Skopeo.create(shared.resolve("skopeo"))
        .copy(
            app.ociReference(),
            "docker://" + origin.hostPort() + "/private/app:1",
            "--dest-creds",
            USER + ":" + PASSWORD);
  }

  @AfterAll
  static void stop() {
    if (origin != null) {
      origin.close();
    }
    if (tokens != null) {
      tokens.close();
    }
  }

  private String image() {
    return origin.hostPort() + "/private/app:1";
  }

  private static String basic() {
    return Base64.getEncoder()
        .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void loginChecksAndStoresBase64AuthThatPullUsesAndLogoutRemoves() throws IOException {
    Cli cli = new Cli(dir);
    assertThat(cli.run("pull", image()).exit()).isEqualTo(4);

    Cli.Run login =
        cli.stdin(PASSWORD + "\n").run("login", "-u", USER, "--password-stdin", origin.hostPort());

    assertThat(login.exit()).as(login.all()).isZero();
    assertThat(login.out()).isEqualTo("Login Succeeded\n");
    JsonNode config = JSON.readTree(cli.dockerConfigJson().toFile());
    assertThat(config.path("auths").path(origin.hostPort()).path("auth").asText())
        .isEqualTo(basic());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cli.dockerConfigJson())))
        .isEqualTo("rw-------");

    Cli.Run pull = cli.run("pull", image());
    assertThat(pull.exit()).as(pull.all()).isZero();
    PullIT.assertStoredAndVerified(cli.store(), app.image());

    Cli.Run logout = cli.run("logout", origin.hostPort());
    assertThat(logout.out())
        .isEqualTo("Removing login credentials for " + origin.hostPort() + "\n");
    assertThat(JSON.readTree(cli.dockerConfigJson().toFile()).path("auths").has(origin.hostPort()))
        .isFalse();
    assertThat(cli.run("logout", origin.hostPort()).out())
        .isEqualTo("Not logged in to " + origin.hostPort() + "\n");
  }

  @Test
  void aPullWithoutCredentialsIsDeniedWithTheAuthStatus() throws IOException {
    Cli.Run run = new Cli(dir).run("pull", image());

    assertThat(run.exit()).isEqualTo(4);
    assertThat(run.err())
        .startsWith(
            "Error: pull access denied for "
                + origin.hostPort()
                + "/private/app, repository does not exist or may require 'hoist login "
                + origin.hostPort()
                + "'");
  }

  @Test
  void aWrongPasswordFailsTheLoginAndStoresNothing() throws IOException {
    Cli cli = new Cli(dir);

    Cli.Run run =
        cli.stdin("wrong\n").run("login", "-u", USER, "--password-stdin", origin.hostPort());

    assertThat(run.exit()).isEqualTo(4);
    assertThat(run.err()).startsWith("Error: login to " + origin.hostPort() + " failed: ");
    assertThat(cli.dockerConfigJson()).doesNotExist();
  }

  @Test
  void withoutATerminalLoginNeedsPasswordStdin() throws IOException {
    Cli.Run run = new Cli(dir).run("login", "-u", USER, origin.hostPort());

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("non TTY");
  }

  @Test
  void aCredentialHelperStoresServesAndErasesTheCredentials() throws IOException {
    Cli cli = new Cli(dir);
    Path bin = dir.resolve("bin");
    Files.createDirectories(bin);
    Path helper = bin.resolve("docker-credential-test");
    Files.writeString(
        helper,
        """
        #!/bin/sh
        # A credential helper keeping one login in a file, logging what it was asked.
        data="$(dirname "$0")/../helper-data"
        mkdir -p "$data"
        case "$1" in
          store) cat > "$data/stored.json"; echo "store" >> "$data/log" ;;
          get) read -r url; echo "get $url" >> "$data/log"
               if [ -f "$data/stored.json" ]; then cat "$data/stored.json"
               else echo "credentials not found in native keychain"; exit 1; fi ;;
          erase) read -r url; echo "erase $url" >> "$data/log"; rm -f "$data/stored.json" ;;
          *) exit 2 ;;
        esac
        """);
    Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
    cli.env("PATH", bin + ":" + cli.env().get("PATH"));
    Files.createDirectories(cli.dockerConfigJson().getParent());
    Files.writeString(cli.dockerConfigJson(), "{\"credsStore\":\"test\"}");

    Cli.Run login =
        cli.stdin(PASSWORD).run("login", "-u", USER, "--password-stdin", origin.hostPort());

    assertThat(login.exit()).as(login.all()).isZero();
    JsonNode stored = JSON.readTree(dir.resolve("helper-data/stored.json").toFile());
    assertThat(stored.path("ServerURL").asText()).isEqualTo(origin.hostPort());
    assertThat(stored.path("Username").asText()).isEqualTo(USER);
    assertThat(stored.path("Secret").asText()).isEqualTo(PASSWORD);
    JsonNode config = JSON.readTree(cli.dockerConfigJson().toFile());
    assertThat(config.path("credsStore").asText()).isEqualTo("test");
    assertThat(config.path("auths").path(origin.hostPort()).isObject()).isTrue();
    assertThat(config.path("auths").path(origin.hostPort()).has("auth")).isFalse();

    Cli.Run pull = cli.run("pull", image());
    assertThat(pull.exit()).as(pull.all()).isZero();
    assertThat(Files.readString(dir.resolve("helper-data/log")))
        .contains("get " + origin.hostPort());

    assertThat(cli.run("logout", origin.hostPort()).exit()).isZero();
    assertThat(Files.readString(dir.resolve("helper-data/log")))
        .contains("erase " + origin.hostPort());
    assertThat(dir.resolve("helper-data/stored.json")).doesNotExist();
  }

  @Test
  void theOriginsCredentialsNeverReachAMirrorThatAsksForThem() throws IOException {
    try (FakeMirror mirror = FakeMirror.challenging()) {
      Cli cli = new Cli(dir);
      assertThat(
              cli.stdin(PASSWORD)
                  .run("login", "-u", USER, "--password-stdin", origin.hostPort())
                  .exit())
          .isZero();

      Cli.Run run = cli.run("pull", "--mirror", mirror.url(), image());

      assertThat(run.exit()).as(run.all()).isZero();
      assertThat(run.out()).contains("mirror " + mirror.url() + " failed: 401");
      assertThat(mirror.received()).isNotEmpty();
      // The mirror's own realm was asked for a token, anonymously; its /v2/ saw only that token.
      assertThat(mirror.received())
          .allSatisfy(
              r -> {
                assertThat(r.authorization()).as(r.uri()).isNotEqualTo("Basic " + basic());
                if (r.authorization() != null) {
                  assertThat(r.authorization()).isEqualTo("Bearer mirror-token");
                }
              });
      PullIT.assertStoredAndVerified(cli.store(), app.image());
    }
  }

  @Test
  void aMirrorInFrontOfTheSameRegistryGetsNoCredentialsAndTheOriginServes() throws IOException {
    try (FakeMirror mirror = FakeMirror.forwardingTo(origin.url(), FakeMirror.Damage.NONE)) {
      Cli cli = new Cli(dir);
      assertThat(
              cli.stdin(PASSWORD)
                  .run("login", "-u", USER, "--password-stdin", origin.hostPort())
                  .exit())
          .isZero();
      tokens.clearRequests();

      Cli.Run run = cli.run("pull", "--mirror", mirror.url(), image());

      assertThat(run.exit()).as(run.all()).isZero();
      assertThat(run.out())
          .contains("Manifest " + app.manifestDigest() + " from " + origin.hostPort());
      assertThat(mirror.received())
          .isNotEmpty()
          .allSatisfy(
              r -> {
                if (r.authorization() != null) {
                  assertThat(r.authorization()).startsWith("Bearer ");
                }
              });
      // The token server gave the mirror's client only anonymous tokens (no access), and alice's
      // tokens only to requests that carried alice's password: there were both.
      assertThat(tokens.requests()).anySatisfy(r -> assertThat(r.hasAuthorization()).isFalse());
      assertThat(tokens.requests())
          .filteredOn(TokenServer.Request::hasAuthorization)
          .isNotEmpty()
          .allSatisfy(r -> assertThat(r.account()).isEqualTo(USER));
    }
  }
}
