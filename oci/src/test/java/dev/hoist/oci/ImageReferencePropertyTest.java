package dev.hoist.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Randomised properties of the reference grammar. Seeds are fixed so a failure reproduces; the seed
 * and the input are in every assertion message.
 */
class ImageReferencePropertyTest {
  private static final int CASES = 20_000;
  private static final String ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final String[] SEPARATORS = {".", "_", "__", "-", "--", "---"};
  private static final String TAG_FIRST =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";
  private static final String TAG_REST = TAG_FIRST + ".-";

  @Test
  void anyValidReferenceSurvivesFormatThenParse() {
    Random random = new Random(20261130L);
    for (int i = 0; i < CASES; i++) {
      ImageReference generated = randomReference(random);
      String canonical = generated.canonical();
      assertThat(ImageReference.parseWithoutDefaultTag(canonical))
          .as("canonical form of case %d: %s", i, canonical)
          .isEqualTo(generated);
      String familiar = generated.familiar();
      assertThat(ImageReference.parseWithoutDefaultTag(familiar))
          .as("familiar form of case %d: %s", i, familiar)
          .isEqualTo(generated);
    }
  }

  @Test
  void randomStringsNeverCauseAnythingButTheParseError() {
    Random random = new Random(42L);
    String alphabet = "aZ09:/@._-[]%+ \t\n!sha256Library:/";
    for (int i = 0; i < CASES; i++) {
      StringBuilder sb = new StringBuilder();
      int length = random.nextInt(80);
      for (int j = 0; j < length; j++) {
        sb.append(
            random.nextInt(10) == 0
                ? (char) random.nextInt(0x3000)
                : alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String input = sb.toString();
      assertThatCode(
              () -> {
                try {
                  ImageReference.parse(input);
                } catch (InvalidReferenceException expected) {
                  assertThat(expected.getMessage()).isNotBlank();
                }
              })
          .as("input %s", input)
          .doesNotThrowAnyException();
    }
  }

  @Test
  void mutatedValidReferencesEitherParseOrFailWithTheParseError() {
    Random random = new Random(7L);
    for (int i = 0; i < CASES; i++) {
      char[] chars = randomReference(random).canonical().toCharArray();
      chars[random.nextInt(chars.length)] = (char) (32 + random.nextInt(95));
      String input = new String(chars);
      assertThatCode(
              () -> {
                try {
                  ImageReference.parse(input);
                } catch (InvalidReferenceException expected) {
                  // the only failure allowed
                }
              })
          .as("input %s", input)
          .doesNotThrowAnyException();
    }
  }

  static ImageReference randomReference(Random r) {
    String registry =
        switchOn(
            r.nextInt(6),
            "docker.io",
            "localhost:" + (1 + r.nextInt(65535)),
            "localhost",
            component(r, "abcdefghijklmnopqrstuvwxyz0123456789", 1, 10) + ".example",
            "[::1]:" + r.nextInt(65536),
            "10.0.0." + r.nextInt(256) + ":5000");
    StringBuilder path = new StringBuilder();
    int components = 1 + r.nextInt(4);
    for (int c = 0; c < components; c++) {
      if (c > 0) {
        path.append('/');
      }
      path.append(pathComponent(r));
    }
    String repository = path.toString();
    if (registry.equals("docker.io") && !repository.contains("/")) {
      repository = "library/" + repository;
    }
    if (repository.length() > 255) {
      repository = repository.substring(0, 1);
      if (registry.equals("docker.io")) {
        repository = "library/" + repository;
      }
    }
    Tag tag = null;
    Digest digest = null;
    int form = r.nextInt(4);
    if (form != 1) {
      tag =
          new Tag(
              component(r, TAG_FIRST, 1, 1) + component(r, TAG_REST, 0, r.nextBoolean() ? 8 : 127));
    }
    if (form >= 1) {
      byte[] bytes = new byte[r.nextBoolean() ? 32 : 64];
      r.nextBytes(bytes);
      digest =
          Digest.parse(
              (bytes.length == 32 ? "sha256:" : "sha512:") + HexFormat.of().formatHex(bytes));
    }
    return new ImageReference(registry, new RepositoryName(repository), tag, digest);
  }

  private static String pathComponent(Random r) {
    StringBuilder sb = new StringBuilder(component(r, ALNUM, 1, 8));
    int parts = r.nextInt(3);
    for (int i = 0; i < parts; i++) {
      sb.append(SEPARATORS[r.nextInt(SEPARATORS.length)]).append(component(r, ALNUM, 1, 6));
    }
    return sb.toString();
  }

  private static String component(Random r, String alphabet, int min, int max) {
    int n = min + r.nextInt(max - min + 1);
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  private static String switchOn(int i, String... choices) {
    return choices[i];
  }
}
