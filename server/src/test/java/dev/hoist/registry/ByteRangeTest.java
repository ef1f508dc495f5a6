package dev.hoist.registry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ByteRangeTest {

  private static ByteRange.Result parse(String header) {
    return ByteRange.parse(header, 100);
  }

  private static ByteRange.Partial partial(long start, long end) {
    return new ByteRange.Partial(new ByteRange(start, end));
  }

  @Test
  void singleRangesSelectInclusiveBytes() {
    assertThat(parse("bytes=0-9")).isEqualTo(partial(0, 9));
    assertThat(parse("bytes=90-")).isEqualTo(partial(90, 99));
    assertThat(parse("bytes=-10")).isEqualTo(partial(90, 99));
    assertThat(parse("bytes=-1000")).isEqualTo(partial(0, 99));
    assertThat(parse("bytes=50-5000")).isEqualTo(partial(50, 99));
    assertThat(parse(" Bytes=1-1 ")).isEqualTo(partial(1, 1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes=500-0", "bytes=10-9", "bytes=100-", "bytes=100-200", "bytes=-0"})
  void rangesSelectingNothingAreUnsatisfiable(String header) {
    assertThat(parse(header)).isInstanceOf(ByteRange.Unsatisfiable.class);
  }

  @Test
  void anyRangeOfAnEmptyBlobIsUnsatisfiable() {
    assertThat(ByteRange.parse("bytes=0-", 0)).isInstanceOf(ByteRange.Unsatisfiable.class);
    assertThat(ByteRange.parse("bytes=-5", 0)).isInstanceOf(ByteRange.Unsatisfiable.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "bytes=0-1,3-4",
        "bytes=",
        "bytes=-",
        "bytes=a-b",
        "bytes=1-2-3",
        "pages=1-2",
        "0-9",
        "bytes=+1-2",
        "bytes=9999999999999999999-"
      })
  void severalOrMalformedRangesMeanTheWholeBlob(String header) {
    assertThat(parse(header)).isInstanceOf(ByteRange.Full.class);
  }

  @Test
  void noHeaderMeansTheWholeBlob() {
    assertThat(parse(null)).isInstanceOf(ByteRange.Full.class);
  }

  @Test
  void contentRangeNamesTheSize() {
    assertThat(new ByteRange(10, 19).contentRange(100)).isEqualTo("bytes 10-19/100");
    assertThat(new ByteRange(10, 19).length()).isEqualTo(10);
  }
}
