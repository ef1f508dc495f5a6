package dev.hoist.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.OciException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Query strings, page sizes, upload Content-Range and digests as the API reads them. */
class RequestValuesTest {

  @Test
  void queryValuesArePercentDecodedButPlusStaysPlus() {
    Query q = Query.parse("artifactType=application/spdx+json&n=10&last=a%2Fb&flag&n=20");
    assertThat(q.first("artifactType")).isEqualTo("application/spdx+json");
    assertThat(q.first("n")).isEqualTo("10");
    assertThat(q.first("last")).isEqualTo("a/b");
    assertThat(q.first("flag")).isEmpty();
    assertThat(q.first("missing")).isNull();
    assertThat(Query.parse(null).first("n")).isNull();
  }

  @Test
  void brokenEscapesAreKeptAsWritten() {
    assertThat(Query.decode("a%2")).isEqualTo("a%2");
    assertThat(Query.decode("%zz")).isEqualTo("%zz");
    assertThat(Query.decode("%ff%fe")).isEqualTo("%ff%fe");
    assertThat(Query.decode("sha256%3Aab")).isEqualTo("sha256:ab");
  }

  @Test
  void pageSizeIsClampedToTheLimit() {
    assertThat(Pagination.pageSize(null, 100)).isEqualTo(100);
    assertThat(Pagination.pageSize("0", 100)).isZero();
    assertThat(Pagination.pageSize("7", 100)).isEqualTo(7);
    assertThat(Pagination.pageSize("2147483647", 100)).isEqualTo(100);
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "abc", "99999999999", "2147483648", "", " 1", "1e3", "+5"})
  void invalidPageSizesAreRefused(String n) {
    assertThatThrownBy(() -> Pagination.pageSize(n, 100))
        .isInstanceOfSatisfying(
            OciException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.PAGINATION_NUMBER_INVALID));
  }

  @Test
  void nextLinkCarriesLastAndN() {
    assertThat(Pagination.nextLink("/v2/a/tags/list", "v9", 10))
        .isEqualTo("</v2/a/tags/list?last=v9&n=10>; rel=\"next\"");
  }

  @Test
  void contentRangeAcceptsTheSpecFormAndCommonVariants() {
    assertThat(ContentRange.parse("0-99")).isEqualTo(new ContentRange(0, 99));
    assertThat(ContentRange.parse("bytes 100-199/*")).isEqualTo(new ContentRange(100, 199));
    assertThat(ContentRange.parse("bytes=5-5/1000")).isEqualTo(new ContentRange(5, 5));
    assertThat(ContentRange.parse(null)).isNull();
    assertThat(new ContentRange(100, 199).length()).isEqualTo(100);
  }

  @Test
  void malformedOrBackwardsContentRangesAreRefused() {
    assertThatThrownBy(() -> ContentRange.parse("zero-nine"))
        .isInstanceOfSatisfying(
            OciException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BLOB_UPLOAD_INVALID));
    assertThatThrownBy(() -> ContentRange.parse("10-9"))
        .isInstanceOfSatisfying(
            OciException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RANGE_INVALID));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sha256:abc", "md5:00", "", "x", "sha256:" + "A"})
  void badDigestsAreDigestInvalid(String text) {
    assertThatThrownBy(() -> Errors.digest(text))
        .isInstanceOfSatisfying(
            OciException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DIGEST_INVALID));
  }

  @ParameterizedTest
  @ValueSource(strings = {"../x", "%2e%2e/x", "Foo/bar", "a//b", "x/"})
  void badNamesAreNameInvalid(String name) {
    assertThatThrownBy(() -> Errors.repositoryName(name))
        .isInstanceOfSatisfying(
            OciException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NAME_INVALID));
  }

  @Test
  void optionsAreValidated() {
    RegistryOptions d = RegistryOptions.defaults();
    assertThat(d.maxManifestBytes()).isEqualTo(4 * 1024 * 1024);
    assertThatThrownBy(() -> d.withMaxManifestBytes(4 * 1024 * 1024 + 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.withMaxPageSize(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.withChunkMinLength(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.withUploadPurgeAge(java.time.Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(RegistryApi.purgeInterval(java.time.Duration.ofDays(7)))
        .isEqualTo(java.time.Duration.ofHours(1));
    assertThat(RegistryApi.purgeInterval(java.time.Duration.ofSeconds(1)))
        .isEqualTo(java.time.Duration.ofMinutes(1));
  }
}
