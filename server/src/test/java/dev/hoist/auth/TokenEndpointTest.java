package dev.hoist.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.Scope;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenEndpointTest {
  @Test
  void basicCredentialsSplitAtTheFirstColonSoPasswordsMayContainColons() {
    String header =
        "Basic "
            + Base64.getEncoder().encodeToString("alice:pa:ss".getBytes(StandardCharsets.UTF_8));
    assertThat(TokenEndpoint.basic(header)).containsExactly("alice", "pa:ss");
    assertThat(TokenEndpoint.basic("Basic !!!")).isNull();
    assertThat(TokenEndpoint.basic("Bearer x")).isNull();
    assertThat(TokenEndpoint.basic("Basic " + Base64.getEncoder().encodeToString(":x".getBytes())))
        .isNull();
  }

  @Test
  void formIsDecodedWithRepeatedKeysAndPlusAsSpace() {
    var form =
        TokenEndpoint.parseForm(
            "grant_type=password&username=alice&password=p%26w+d&scope=repository%3Aa%3Apull+"
                + "repository%3Ab%3Apush&scope=registry%3Acatalog%3A*");
    assertThat(form.get("password")).containsExactly("p&w d");
    assertThat(Scope.parseAll(form.get("scope")))
        .extracting(Scope::toString)
        .isEqualTo(List.of("repository:a:pull", "repository:b:push", "registry:catalog:*"));
  }
}
