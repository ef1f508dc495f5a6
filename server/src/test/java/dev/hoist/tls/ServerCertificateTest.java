package dev.hoist.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.config.ConfigException;
import dev.hoist.testkit.TestCa;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A certificate is served only within its validity: an operator hears which file and when. */
class ServerCertificateTest {
  @TempDir Path dir;

  @Test
  void aCertificatePastItsEndOrBeforeItsStartIsRefusedNamingTheFileAndTheTime() {
    TestCa ca = TestCa.create(dir.resolve("ca"), "Hoist Test CA");
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    ca.issue("localhost", cert, key);
    ServerCertificate now = ServerCertificate.load(cert, key, Instant.now());
    Instant notAfter = now.notAfter();
    Instant notBefore = now.certificate().getNotBefore().toInstant();

    assertThatThrownBy(() -> ServerCertificate.load(cert, key, notAfter.plusSeconds(1)))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> {
              assertThat(e.setting()).isEqualTo("tls.cert");
              assertThat(e.problem())
                  .contains(cert.toString())
                  .contains("CN=localhost")
                  .contains("expired at " + notAfter)
                  .contains("renew it");
            });
    assertThatThrownBy(() -> ServerCertificate.load(cert, key, notBefore.minusSeconds(1)))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> assertThat(e.problem()).contains("is not valid before " + notBefore));
    // Its last second and its first are still within.
    assertThat(ServerCertificate.load(cert, key, notAfter).notAfter()).isEqualTo(notAfter);
    assertThat(ServerCertificate.load(cert, key, notBefore).notAfter()).isEqualTo(notAfter);
    assertThat(Duration.between(notBefore, notAfter)).isPositive();
  }
}
