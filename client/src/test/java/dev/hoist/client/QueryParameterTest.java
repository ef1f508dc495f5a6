package dev.hoist.client;

import static dev.hoist.client.Fixtures.MANIFEST;
import static dev.hoist.client.Fixtures.MANIFEST_DIGEST;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.RepositoryName;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link RegistryClient.Builder#queryParameter}: containerd's {@code ?ns=} for mirrors. */
class QueryParameterTest {
  private static final RepositoryName APP = RepositoryName.of("library/app");
  private static final byte[] BLOB = "blob".getBytes(StandardCharsets.UTF_8);

  private FakeServer registry;
  private RegistryClient client;

  @AfterEach
  void close() {
    if (client != null) {
      client.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void everyApiRequestCarriesTheParameterButTheTokenRealmDoesNot() throws Exception {
    registry =
        FakeServer.start(
            (r, ex) -> {
              if (r.path().equals("/token")) {
                FakeServer.reply(ex, 200, "{\"token\":\"t\",\"expires_in\":300}");
              } else if (r.header("Authorization") == null) {
                FakeServer.reply(
                    ex,
                    401,
                    "",
                    "WWW-Authenticate",
                    "Bearer realm=\"" + registry.base() + "/token\",service=\"s\"");
              } else if (r.path().contains("/manifests/")) {
                FakeServer.reply(ex, 200, MANIFEST, "Content-Type", MediaTypes.OCI_MANIFEST);
              } else if (r.path().contains("/blobs/")) {
                FakeServer.reply(ex, 200, BLOB);
              } else {
                FakeServer.reply(ex, 200, "{}");
              }
            });
    client =
        Fixtures.client(registry, Fixtures.sleeps())
            .queryParameter("ns", "registry.example:5000")
            .build();

    client.ping();
    assertThat(client.getManifest(APP, "1", List.of()).digest()).isEqualTo(MANIFEST_DIGEST);
    try (BlobResponse b = client.getBlob(APP, Digest.sha256(BLOB), 0)) {
      assertThat(b.stream().readAllBytes()).isEqualTo(BLOB);
    }

    assertThat(registry.requests())
        .filteredOn(r -> r.path().startsWith("/v2/"))
        .isNotEmpty()
        .allSatisfy(
            r ->
                assertThat(Fixtures.query(r))
                    .containsEntry("ns", List.of("registry.example:5000")));
    assertThat(registry.requests("/token"))
        .isNotEmpty()
        .allSatisfy(r -> assertThat(Fixtures.query(r)).doesNotContainKey("ns"));
  }

  @Test
  void withoutTheOptionNoQueryIsAdded() throws Exception {
    registry = FakeServer.start((r, ex) -> FakeServer.reply(ex, 200, "{}"));
    client = Fixtures.client(registry, Fixtures.sleeps()).build();

    client.ping();

    assertThat(registry.requests().get(0).query()).isNull();
  }
}
