package dev.hoist.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VerifyingInputStreamTest {
  private static final byte[] CONTENT = randomBytes(100_000);
  private static final Digest DIGEST = Digest.sha256(CONTENT);

  @Test
  void verifyingStreamPassesTheRightBytesThrough() throws IOException {
    VerifyingInputStream in =
        new VerifyingInputStream(new ByteArrayInputStream(CONTENT), DIGEST, CONTENT.length);

    assertThat(in.readAllBytes()).isEqualTo(CONTENT);
    assertThat(in.verified()).isTrue();
    assertThat(in.bytes()).isEqualTo(CONTENT.length);
    assertThat(in.read()).isEqualTo(-1);
  }

  @Test
  void verifyingStreamAcceptsTheRightBytesWithSizeUnknown() throws IOException {
    VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(CONTENT), DIGEST);

    assertThat(in.transferTo(new ByteArrayOutputStream())).isEqualTo(CONTENT.length);
    assertThat(in.verified()).isTrue();
  }

  @Test
  void verifyingStreamAcceptsTheRightBytesReadOneAtATime() throws IOException {
    byte[] small = Arrays.copyOf(CONTENT, 300);
    InputStream in =
        new VerifyingInputStream(new ByteArrayInputStream(small), Digest.sha256(small));
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    for (int b; (b = in.read()) != -1; ) {
      out.write(b);
    }

    assertThat(out.toByteArray()).isEqualTo(small);
  }

  @Test
  void verifyingStreamRejectsOneFlippedByte() {
    byte[] flipped = CONTENT.clone();
    flipped[54_321] ^= 0x01;
    InputStream in =
        new VerifyingInputStream(new ByteArrayInputStream(flipped), DIGEST, flipped.length);

    assertThatThrownBy(in::readAllBytes)
        .isInstanceOfSatisfying(
            DigestMismatchException.class,
            e -> {
              assertThat(e.expected()).isEqualTo(DIGEST);
              assertThat(e.actual()).contains(Digest.sha256(flipped));
              assertThat(e.sizeMismatch()).isFalse();
              assertThat(e).hasMessageContaining("digest mismatch");
            });
  }

  @Test
  void verifyingStreamRejectsATruncatedStream() {
    byte[] truncated = Arrays.copyOf(CONTENT, CONTENT.length - 1);
    InputStream in =
        new VerifyingInputStream(new ByteArrayInputStream(truncated), DIGEST, CONTENT.length);

    assertThatThrownBy(in::readAllBytes)
        .isInstanceOfSatisfying(
            DigestMismatchException.class,
            e -> {
              assertThat(e.sizeMismatch()).isTrue();
              assertThat(e.actualSize()).isEqualTo(truncated.length);
              assertThat(e).hasMessageContaining("ended after 99999 of the expected 100000 bytes");
            });
  }

  @Test
  void verifyingStreamRejectsATruncatedStreamWithSizeUnknown() {
    byte[] truncated = Arrays.copyOf(CONTENT, 4096);
    InputStream in = new VerifyingInputStream(new ByteArrayInputStream(truncated), DIGEST);

    assertThatThrownBy(in::readAllBytes).isInstanceOf(DigestMismatchException.class);
  }

  @Test
  void verifyingStreamRejectsExtraBytesAsSoonAsTheyArrive() throws IOException {
    byte[] longer = Arrays.copyOf(CONTENT, CONTENT.length + 1);
    InputStream in =
        new VerifyingInputStream(new ByteArrayInputStream(longer), DIGEST, CONTENT.length);

    assertThat(in.readNBytes(CONTENT.length)).isEqualTo(CONTENT);
    assertThatThrownBy(in::read)
        .isInstanceOfSatisfying(
            DigestMismatchException.class,
            e -> {
              assertThat(e.actual()).isEmpty();
              assertThat(e.actualSize()).isEqualTo(CONTENT.length + 1);
              assertThat(e).hasMessageContaining("longer than the expected 100000 bytes");
            });
  }

  @Test
  void verifyingStreamRejectsExtraBytesWithSizeUnknown() {
    byte[] longer = Arrays.copyOf(CONTENT, CONTENT.length + 1);
    InputStream in = new VerifyingInputStream(new ByteArrayInputStream(longer), DIGEST);

    assertThatThrownBy(in::readAllBytes).isInstanceOf(DigestMismatchException.class);
  }

  @Test
  void verifyingStreamKeepsFailingAfterAMismatch() {
    byte[] flipped = CONTENT.clone();
    flipped[0] ^= 0x40;
    InputStream in = new VerifyingInputStream(new ByteArrayInputStream(flipped), DIGEST);

    assertThatThrownBy(in::readAllBytes).isInstanceOf(DigestMismatchException.class);
    assertThatThrownBy(in::read).isInstanceOf(DigestMismatchException.class);
    assertThatThrownBy(() -> in.read(new byte[10])).isInstanceOf(DigestMismatchException.class);
  }

  @Test
  void verifyingStreamHashesSkippedBytes() throws IOException {
    InputStream in = new VerifyingInputStream(new ByteArrayInputStream(CONTENT), DIGEST);

    assertThat(in.skip(50_000)).isEqualTo(50_000);
    assertThat(in.readAllBytes()).hasSize(50_000);
  }

  @Test
  void verifyingStreamWithoutReadingToTheEndHasVerifiedNothing() throws IOException {
    VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(CONTENT), DIGEST);

    in.readNBytes(CONTENT.length);

    assertThat(in.verified()).isFalse();
    assertThat(in.markSupported()).isFalse();
    assertThatThrownBy(in::reset).isInstanceOf(IOException.class);
  }

  @Test
  void verifyingStreamChecksSha512() throws IOException {
    Digest sha512 = Digest.sha512(CONTENT);
    byte[] flipped = CONTENT.clone();
    flipped[CONTENT.length - 1] ^= 0x01;

    assertThat(
            new VerifyingInputStream(new ByteArrayInputStream(CONTENT), sha512, CONTENT.length)
                .readAllBytes())
        .isEqualTo(CONTENT);
    assertThatThrownBy(
            () ->
                new VerifyingInputStream(new ByteArrayInputStream(flipped), sha512).readAllBytes())
        .isInstanceOfSatisfying(
            DigestMismatchException.class,
            e -> assertThat(e.actual()).contains(Digest.sha512(flipped)));
  }

  @Test
  void verifyingStreamAcceptsEmptyContent() throws IOException {
    InputStream in =
        new VerifyingInputStream(
            new ByteArrayInputStream(new byte[0]), Digest.sha256(new byte[0]), 0);

    assertThat(in.read()).isEqualTo(-1);
  }

  @Test
  void verifyingStreamRejectsNegativeSizeOtherThanUnknown() {
    assertThatThrownBy(
            () -> new VerifyingInputStream(new ByteArrayInputStream(CONTENT), DIGEST, -2))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void digestingStreamGivesTheDigestAfterTheEnd() throws IOException {
    DigestingInputStream in = new DigestingInputStream(new ByteArrayInputStream(CONTENT));

    assertThat(in.readAllBytes()).isEqualTo(CONTENT);
    assertThat(in.digest()).isEqualTo(DIGEST);
    assertThat(in.bytes()).isEqualTo(CONTENT.length);
  }

  @Test
  void digestingStreamRefusesToGiveADigestBeforeTheEnd() throws IOException {
    DigestingInputStream in = new DigestingInputStream(new ByteArrayInputStream(CONTENT), "sha512");

    in.readNBytes(10);

    assertThatThrownBy(in::digest).isInstanceOf(IllegalStateException.class);
    in.readAllBytes();
    assertThat(in.digest()).isEqualTo(Digest.sha512(CONTENT));
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new Random(42).nextBytes(b);
    return b;
  }
}
