package dev.hoist.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every value parser, with good and bad input; every failure names the setting. */
class ValuesTest {
  private static final String SETTING = "some.setting";

  private static void failsNamingTheSetting(Runnable parse, String text, String problem) {
    assertThatThrownBy(parse::run)
        .as(text)
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("invalid configuration: " + SETTING + ": ")
        .hasMessageContaining(problem)
        .satisfies(
            e -> {
              assertThat(((ConfigException) e).setting()).isEqualTo(SETTING);
              assertThat(((ConfigException) e).problem()).contains(problem);
            });
  }

  @ParameterizedTest(name = "{0} is {1} ms")
  @CsvSource({
    "0s, 0",
    "500ms, 500",
    "10s, 10000",
    "30m, 1800000",
    "24h, 86400000",
    "7d, 604800000",
    "10S, 10000",
    "7D, 604800000",
    "' 10s ', 10000",
    "PT1H30M, 5400000",
    "pt1h, 3600000",
    "P1D, 86400000",
    "P1DT1S, 86401000",
    "PT0.5S, 500"
  })
  void durations(String text, long millis) {
    assertThat(Values.duration(SETTING, text)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "soon | 'soon' is not a duration (e.g. 500ms, 10s, 30m, 24h, 7d, PT1H)",
        "10 | '10' is not a duration",
        "10 s | '10 s' is not a duration",
        "1.5h | '1.5h' is not a duration",
        "1w | '1w' is not a duration",
        "P1M | 'P1M' is not a duration",
        "-5s | '-5s' is not a duration",
        "PT-5S | 'PT-5S' is negative",
        "99999999999999999999d | is too long a duration",
        "9999999999999999d | is too long a duration",
        "\"\" | '' is not a duration"
      })
  void badDurations(String text, String problem) {
    failsNamingTheSetting(() -> Values.duration(SETTING, text), text, problem);
  }

  @ParameterizedTest(name = "{0} is {1} bytes")
  @CsvSource({
    "0, 0",
    "1024, 1024",
    "1B, 1",
    "1KiB, 1024",
    "500MiB, 524288000",
    "10GiB, 10737418240",
    "1TiB, 1099511627776",
    "1KB, 1000",
    "1MB, 1000000",
    "1GB, 1000000000",
    "2TB, 2000000000000",
    "10 GiB, 10737418240",
    "' 100MiB ', 104857600"
  })
  void sizes(String text, long bytes) {
    assertThat(Values.size(SETTING, text)).isEqualTo(bytes);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "lots | 'lots' is not a size (e.g. 1048576, 500MiB, 10GiB, 1TB)",
        "-1 | '-1' is not a size",
        "1.5GiB | '1.5GiB' is not a size",
        "10gib | '10gib' is not a size",
        "10PiB | '10PiB' is not a size",
        "GiB | 'GiB' is not a size",
        "9999999TiB | is too large a size",
        "99999999999999999999 | is too large a size",
        "\"\" | '' is not a size"
      })
  void badSizes(String text, String problem) {
    failsNamingTheSetting(() -> Values.size(SETTING, text), text, problem);
  }

  @ParameterizedTest
  @CsvSource({
    "true, true",
    "TRUE, true",
    "yes, true",
    "on, true",
    "1, true",
    "false, false",
    "No, false",
    "off, false",
    "0, false"
  })
  void booleans(String text, boolean value) {
    assertThat(Values.bool(SETTING, text)).isEqualTo(value);
  }

  @ParameterizedTest
  @ValueSource(strings = {"maybe", "2", "tru", ""})
  void badBooleans(String text) {
    failsNamingTheSetting(
        () -> Values.bool(SETTING, text), text, "'" + text + "' is not true or false");
  }

  @ParameterizedTest
  @CsvSource({"0, 0", "4, 4", "-1, -1", "+7, 7", "' 600 ', 600", "2147483647, 2147483647"})
  void integers(String text, int value) {
    assertThat(Values.integer(SETTING, text)).isEqualTo(value);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "four | 'four' is not a whole number",
        "1.5 | '1.5' is not a whole number",
        "1e3 | '1e3' is not a whole number",
        "2147483648 | '2147483648' is too large a number",
        "\"\" | '' is not a whole number"
      })
  void badIntegers(String text, String problem) {
    failsNamingTheSetting(() -> Values.integer(SETTING, text), text, problem);
  }

  @ParameterizedTest
  @CsvSource({
    "127.0.0.1:5000, 127.0.0.1, 5000",
    "localhost:80, localhost, 80",
    ":5001, 0.0.0.0, 5001",
    "[::1]:8000, ::1, 8000",
    "0.0.0.0:0, 0.0.0.0, 0",
    "' 127.0.0.1:65535 ', 127.0.0.1, 65535"
  })
  void hostPorts(String text, String host, int port) {
    assertThat(Values.hostPort(SETTING, text)).isEqualTo(new HostPort(host, port));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "localhost | 'localhost' is not HOST:PORT (e.g. 127.0.0.1:5000)",
        "5000 | '5000' is not HOST:PORT",
        "::1:5000 | '::1:5000' is not HOST:PORT",
        "host:port | 'host:port' is not HOST:PORT",
        "127.0.0.1:123456 | '127.0.0.1:123456' is not HOST:PORT",
        "127.0.0.1:70000 | port 70000 is not between 0 and 65535"
      })
  void badHostPorts(String text, String problem) {
    failsNamingTheSetting(() -> Values.hostPort(SETTING, text), text, problem);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "a | a",
        "a,b | a;b",
        "\" a , b ,, \" | a;b",
        "10.0.0.1, 10.0.0.2 | 10.0.0.1;10.0.0.2"
      })
  void lists(String text, String entries) {
    assertThat(Values.list(SETTING, text)).isEqualTo(List.of(entries.split(";")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", ",", " , "})
  void aBlankListIsEmpty(String text) {
    assertThat(Values.list(SETTING, text)).isEmpty();
  }
}
