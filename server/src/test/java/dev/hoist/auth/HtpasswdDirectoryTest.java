package dev.hoist.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtpasswdDirectoryTest {
  @TempDir Path dir;

  static String bcrypt(String password) {
    return OpenBSDBCrypt.generate("2y", password.toCharArray(), new byte[16], 4);
  }

  @Test
  void bcryptEntriesSignInWithTheRightPasswordOnly() throws Exception {
    Path file = dir.resolve("htpasswd");
    Files.writeString(
        file, "# operators\n\nalice:" + bcrypt("s3cret") + "\nroot:" + bcrypt("toor") + "\n");
    HtpasswdDirectory users = HtpasswdDirectory.load(file, Set.of("root"));

    assertThat(users.size()).isEqualTo(2);
    assertThat(users.authenticate("alice", "s3cret")).contains(new User("alice", false, Set.of()));
    assertThat(users.authenticate("root", "toor").orElseThrow().admin()).isTrue();
    assertThat(users.authenticate("alice", "wrong")).isEmpty();
    assertThat(users.authenticate("alice", "")).isEmpty();
    assertThat(users.authenticate("nobody", "s3cret")).isEmpty();
    assertThat(users.authenticate("alice", "x".repeat(200))).isEmpty();
  }

  @Test
  void otherHashTypesStopTheStartWithTheLineButNotTheHash() throws Exception {
    Path file = dir.resolve("htpasswd");
    Files.writeString(
        file, "alice:" + bcrypt("a") + "\nbob:$apr1$abcdefgh$0123456789abcdefghijk\n");
    assertThatThrownBy(() -> HtpasswdDirectory.load(file, Set.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line 2")
        .hasMessageContaining("user bob")
        .hasMessageContaining("only bcrypt")
        .hasMessageNotContaining("$apr1$abcdefgh");

    Files.writeString(file, "carol:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n");
    assertThatThrownBy(() -> HtpasswdDirectory.load(file, Set.of()))
        .hasMessageContaining("only bcrypt");
    Files.writeString(file, "dave:plaintext\n");
    assertThatThrownBy(() -> HtpasswdDirectory.load(file, Set.of()))
        .hasMessageContaining("only bcrypt")
        .hasMessageNotContaining("plaintext");
  }

  @Test
  void duplicateUsersAreRefused() throws Exception {
    Path file = dir.resolve("htpasswd");
    Files.writeString(file, "alice:" + bcrypt("a") + "\nalice:" + bcrypt("b") + "\n");
    assertThatThrownBy(() -> HtpasswdDirectory.load(file, Set.of()))
        .hasMessageContaining("appears twice");
  }
}
