package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LoginCommandTest {

  @ParameterizedTest(name = "\"{0}\" -> {1}")
  @CsvSource(
      delimiter = '|',
      nullValues = "null",
      value = {
        "null                         | docker.io",
        "'  '                         | docker.io",
        "docker.io                    | docker.io",
        "index.docker.io              | docker.io",
        "registry-1.docker.io         | docker.io",
        "https://index.docker.io/v1/  | docker.io",
        "Localhost:5000               | localhost:5000",
        "https://ghcr.io/             | ghcr.io",
      })
  void loginNamesTheRegistryWhoseCredentialsItStores(String given, String name) {
    assertThat(LoginCommand.registryName(given)).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"not a host", "ho_st:5000", "https://"})
  void aRegistryThatIsNoHostIsRefused(String given) {
    assertThatThrownBy(() -> LoginCommand.registryName(given))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid registry");
  }
}
