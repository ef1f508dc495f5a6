package dev.hoist.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigestTest {
  // Well-known vectors: sha256("") and sha512("abc").
  static final String SHA256_EMPTY =
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  static final String SHA512_ABC =
      "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
          + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

  @ParameterizedTest
  @ValueSource(
      strings = {
        SHA256_EMPTY,
        SHA512_ABC,
        "sha256:0000000000000000000000000000000000000000000000000000000000000000",
      })
  void parseAcceptsValidDigestsAndPrintsThemBack(String text) {
    Digest d = Digest.parse(text);

    assertThat(d.toString()).isEqualTo(text);
    assertThat(d.algorithm() + ":" + d.encoded()).isEqualTo(text);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        ":",
        "sha256",
        "sha256:",
        ":e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        // one short, one long
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555",
        // uppercase hex, uppercase algorithm
        "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        "SHA256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        // not hex, whitespace, a second colon
        "sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        " sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855:",
        // a sha256 length under sha512
        "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        // malformed algorithms
        "sha-:abc",
        "sha256+:abc",
      })
  void parseRejectsInvalidDigests(String text) {
    assertThatThrownBy(() -> Digest.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .isNotInstanceOf(UnsupportedDigestAlgorithmException.class)
        .hasMessageStartingWith("invalid digest");
  }

  @Test
  void parseRejectsNullWithIllegalArgument() {
    assertThatThrownBy(() -> Digest.parse(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid digest: null");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"md5:d41d8cd98f00b204e9800998ecf8427e", "blake3:abcd", "sha384+b64u:x_-="})
  void parseTellsWellFormedButUnsupportedAlgorithmsApart(String text) {
    assertThatThrownBy(() -> Digest.parse(text))
        .isInstanceOf(UnsupportedDigestAlgorithmException.class)
        .hasMessageContaining("unsupported algorithm")
        .satisfies(
            e ->
                assertThat(((UnsupportedDigestAlgorithmException) e).algorithm())
                    .isEqualTo(text.substring(0, text.indexOf(':'))));
  }

  @Test
  void messageQuotesTheInputAndSaysWhatIsWrong() {
    assertThatThrownBy(() -> Digest.parse("sha256:ABC"))
        .hasMessage("invalid digest: \"sha256:ABC\": sha256 needs 64 lowercase hex characters");
  }

  @Test
  void messageEscapesControlCharactersAndShortensLongInput() {
    String hostile = "sha256:\r\nFAKE LOG LINE" + "a".repeat(500);

    assertThatThrownBy(() -> Digest.parse(hostile))
        .satisfies(
            e -> {
              assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\r");
              assertThat(e.getMessage()).hasSizeLessThan(300);
            });
  }

  @Test
  void constructorValidatesLikeParse() {
    assertThatThrownBy(() -> new Digest("sha256", "abc"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(new Digest("sha256", SHA256_EMPTY.substring(7)))
        .isEqualTo(Digest.parse(SHA256_EMPTY));
  }

  @Test
  void supportedAlgorithmsAreSha256AndSha512() {
    assertThat(Digest.isSupportedAlgorithm("sha256")).isTrue();
    assertThat(Digest.isSupportedAlgorithm("sha512")).isTrue();
    assertThat(Digest.isSupportedAlgorithm("sha384")).isFalse();
    assertThat(Digest.isSupportedAlgorithm("SHA256")).isFalse();
    assertThat(Digest.isSupportedAlgorithm(null)).isFalse();
  }

  @Test
  void computesKnownSha256AndSha512Vectors() {
    byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);

    assertThat(Digest.sha256(new byte[0])).hasToString(SHA256_EMPTY);
    assertThat(Digest.sha512(abc)).hasToString(SHA512_ABC);
    assertThat(Digest.of("sha512", abc)).hasToString(SHA512_ABC);
  }

  @Test
  void computeFromStreamAndChannelMatchesOneShot() throws IOException {
    byte[] data = new byte[200_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31);
    }

    assertThat(Digest.compute("sha256", new ByteArrayInputStream(data)))
        .isEqualTo(Digest.sha256(data));
    assertThat(Digest.compute("sha512", Channels.newChannel(new ByteArrayInputStream(data))))
        .isEqualTo(Digest.sha512(data));
  }

  @Test
  void computeRejectsUnsupportedAlgorithm() {
    assertThatThrownBy(() -> Digest.of("md5", new byte[0]))
        .isInstanceOf(UnsupportedDigestAlgorithmException.class);
    assertThatThrownBy(() -> Digest.of("MD5", new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void digesterHashesPiecesLikeTheWhole() {
    byte[] data = "hello, registry".getBytes(StandardCharsets.UTF_8);
    Digester d = Digester.forAlgorithm("sha256");

    d.update(data, 0, 5);
    d.update(ByteBuffer.wrap(data, 5, data.length - 5));

    assertThat(d.bytes()).isEqualTo(data.length);
    assertThat(d.digest()).isEqualTo(Digest.sha256(data));
  }

  @Test
  void digesterForADigestUsesItsAlgorithm() {
    Digester d = Digester.of(Digest.parse(SHA512_ABC));
    d.update("abc".getBytes(StandardCharsets.US_ASCII));

    assertThat(d.algorithm()).isEqualTo("sha512");
    assertThat(d.digest()).hasToString(SHA512_ABC);
  }

  @Test
  void digesterIsFinishedByDigest() {
    Digester d = Digester.forAlgorithm("sha256");
    Digest first = d.digest();

    assertThat(d.digest()).isEqualTo(first).hasToString(SHA256_EMPTY);
    assertThatThrownBy(() -> d.update(new byte[1])).isInstanceOf(IllegalStateException.class);
  }
}
