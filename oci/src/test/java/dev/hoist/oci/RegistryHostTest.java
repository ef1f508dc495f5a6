package dev.hoist.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class RegistryHostTest {

  /** input, value, cache key. */
  static Stream<Arguments> valid() {
    return Stream.of(
        Arguments.of("docker.io", "docker.io", "docker.io"),
        Arguments.of("index.docker.io", "docker.io", "docker.io"),
        Arguments.of("registry-1.docker.io", "registry-1.docker.io", "registry-1.docker.io"),
        Arguments.of("ghcr.io", "ghcr.io", "ghcr.io"),
        Arguments.of("localhost", "localhost", "localhost"),
        Arguments.of("localhost:5000", "localhost:5000", "localhost-5000"),
        Arguments.of("127.0.0.1:5000", "127.0.0.1:5000", "127.0.0.1-5000"),
        Arguments.of("myhost", "myhost", "myhost"),
        Arguments.of("a-b.example.com:443", "a-b.example.com:443", "a-b.example.com-443"),
        Arguments.of("[::1]", "[::1]", "[--1]"),
        Arguments.of("[::1]:5000", "[::1]:5000", "[--1]-5000"),
        Arguments.of("[2001:db8::1]:443", "[2001:db8::1]:443", "[2001-db8--1]-443"),
        // The case is kept, as Docker keeps it; only the exact legacy name is an alias.
        Arguments.of("Foo", "Foo", "Foo"),
        Arguments.of("GHCR.io", "GHCR.io", "GHCR.io"),
        Arguments.of("INDEX.DOCKER.IO", "INDEX.DOCKER.IO", "INDEX.DOCKER.IO"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valid")
  void parseKeepsTheHostAndMakesTheLegacyNameDockerHub(String input, String value, String key) {
    RegistryHost host = RegistryHost.parse(input);
    assertThat(host.value()).isEqualTo(value);
    assertThat(host).hasToString(value);
    assertThat(host.cacheKey()).isEqualTo(key);
    assertThat(new RegistryHost(input)).isEqualTo(host);
  }

  static Stream<String> invalid() {
    return Stream.of(
        "",
        " ",
        "docker.io/",
        "https://docker.io",
        "ghcr.io/org",
        "-host.com",
        "host-.com",
        "ho_st.com",
        "host..com",
        ".host.com",
        "host.com.",
        "host.com:",
        "host.com:port",
        "host.com:-1",
        ":5000",
        "[::1",
        "::1",
        "[zz::1]:5000",
        "[::1]:",
        "user@host.com",
        "host.com\n",
        " docker.io",
        "docker.io ",
        "höst.com");
  }

  @ParameterizedTest(name = "\"{0}\"")
  @MethodSource("invalid")
  void parseRefusesWhatIsNotHostAndPort(String input) {
    assertThatThrownBy(() -> RegistryHost.parse(input))
        .isInstanceOf(InvalidReferenceException.class)
        .hasMessageStartingWith("invalid registry host");
  }

  @Test
  void lowercaseIsTheHostAsConfigurationSpellsIt() {
    assertThat(RegistryHost.parse("GHCR.io:5000").lowercase())
        .isEqualTo(new RegistryHost("ghcr.io:5000"));
    assertThat(RegistryHost.parse("INDEX.DOCKER.IO").lowercase())
        .isEqualTo(RegistryHost.DOCKER_HUB);
  }

  @Test
  void nullIsRefused() {
    assertThatThrownBy(() -> RegistryHost.parse(null))
        .isInstanceOf(InvalidReferenceException.class);
  }

  @ParameterizedTest(name = "\"{0}\" -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "docker.io                    | docker.io",
        "Docker.IO                    | docker.io",
        "INDEX.DOCKER.IO              | docker.io",
        "'  ghcr.io  '                | ghcr.io",
        "https://GHCR.io/v2/          | ghcr.io",
        "http://localhost:5000        | localhost:5000",
        "registry.lan:5000/some/path  | registry.lan:5000",
        "registry-1.docker.io         | registry-1.docker.io",
        "https://index.docker.io/v1/  | docker.io",
        "[::1]:5000                   | [::1]:5000",
      })
  void parseConfiguredDropsSchemeAndPathAndLowercases(String input, String value) {
    assertThat(RegistryHost.parseConfigured(input).value()).isEqualTo(value);
  }

  @ParameterizedTest(name = "\"{0}\"")
  @CsvSource(
      delimiter = '|',
      value = {"''", "https://", "'   '", "not a registry", "ho_st:5000", "/v2/"})
  void parseConfiguredRefusesWhatNamesNoHost(String input) {
    assertThatThrownBy(() -> RegistryHost.parseConfigured(input))
        .isInstanceOf(InvalidReferenceException.class);
  }

  @ParameterizedTest(name = "\"{0}\" -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "docker.io                    | docker.io",
        "index.docker.io              | docker.io",
        "registry-1.docker.io         | docker.io",
        "https://index.docker.io/v1/  | docker.io",
        "https://registry-1.docker.io | docker.io",
        "REGISTRY-1.DOCKER.IO         | docker.io",
        "ghcr.io                      | ghcr.io",
        "https://registry.lan:5000/   | registry.lan:5000",
        "'   '                        | ",
        "not a host                   | ",
        "'*.example.com'              | ",
      })
  void forCredentialsAlsoTakesDockerHubsApiHostForDockerHub(String input, String value) {
    assertThat(RegistryHost.forCredentials(input))
        .isEqualTo(Optional.ofNullable(value).map(RegistryHost::new));
  }

  @Test
  void forCredentialsOfNullIsEmpty() {
    assertThat(RegistryHost.forCredentials(null)).isEmpty();
  }

  @Test
  void credentialsKeyIsDockersForDockerHubAndTheHostElse() {
    assertThat(RegistryHost.DOCKER_HUB.credentialsKey()).isEqualTo("https://index.docker.io/v1/");
    assertThat(RegistryHost.parse("index.docker.io").credentialsKey())
        .isEqualTo(RegistryHost.DOCKER_HUB_CREDENTIALS_KEY);
    assertThat(RegistryHost.parse("localhost:5000").credentialsKey()).isEqualTo("localhost:5000");
    assertThat(RegistryHost.parse("registry-1.docker.io").credentialsKey())
        .isEqualTo("registry-1.docker.io");
  }

  @Test
  void onlyDockerHubHasASecondSpelling() {
    assertThat(RegistryHost.DOCKER_HUB.isDockerHub()).isTrue();
    assertThat(RegistryHost.DOCKER_HUB.spellings())
        .containsExactlyInAnyOrder("docker.io", "index.docker.io");
    assertThat(RegistryHost.parse("registry-1.docker.io").isDockerHub()).isFalse();
    assertThat(RegistryHost.parse("ghcr.io").spellings()).containsExactly("ghcr.io");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "ghcr.io, true",
    "localhost, true",
    "localhost:5000, true",
    "myhost:5000, true",
    "127.0.0.1, true",
    "Foo, true",
    "[::1], true",
    "alice, false",
    "library, false",
    "localhostx, false",
    "a-b_c, false",
  })
  void aFirstComponentIsAHostWhenItHasADotAColonIsLocalhostOrHasUppercase(
      String component, boolean isHost) {
    assertThat(RegistryHost.isRegistryHost(component)).isEqualTo(isHost);
  }
}
