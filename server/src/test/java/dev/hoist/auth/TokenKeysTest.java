package dev.hoist.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenKeysTest {
  @TempDir Path dir;

  @Test
  void keyIsGeneratedOnceOwnerReadableOnlyAndReloaded() throws Exception {
    Path file = dir.resolve("auth").resolve("token-key.pem");

    TokenKeys first = TokenKeys.loadOrCreate(file);
    TokenKeys again = TokenKeys.loadOrCreate(file);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(file)).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(again.publicKey()).isEqualTo(first.publicKey());
    assertThat(again.keyId()).isEqualTo(first.keyId());
  }

  @Test
  void keyIdIsLibtrustsFormat() {
    assertThat(TokenKeys.generate().keyId()).matches("([A-Z2-7]{4}:){11}[A-Z2-7]{4}");
  }

  @Test
  void pkcs1KeyIsRefusedWithAHint() throws Exception {
    Path file = dir.resolve("k.pem");
    Files.writeString(
        file, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
    assertThatThrownBy(() -> TokenKeys.load(file)).hasMessageContaining("pkcs8");
  }

  @Test
  void toStringShowsNoKeyMaterial() {
    TokenKeys keys = TokenKeys.generate();
    assertThat(keys.toString()).isEqualTo("TokenKeys[kid=" + keys.keyId() + "]");
  }
}
