package dev.hoist.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.oci.Digest;
import dev.hoist.testkit.DockerDaemon;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.RandomImages.ImageLayout;
import dev.hoist.testkit.Skopeo;
import dev.hoist.testkit.TestCa;
import dev.hoist.tls.TlsConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Docker daemon pulls through Hoist over TLS, with the test's CA in {@code
 * /etc/docker/certs.d/<host:port>/ca.crt}: an image pushed into Hoist, by name, and a docker.io
 * image through {@code registry-mirrors}, which Hoist fetches from its upstream (Debian's
 * docker-registry standing in for Docker Hub, which no test reaches).
 *
 * <p>Docker 20.10 counts 127.0.0.0/8 as an insecure registry whatever its configuration says: it
 * speaks TLS to {@code 127.0.0.1:<port>} but verifies nothing, and reads no {@code certs.d} for it
 * (a pull by name works without the CA). The mirror test listens on {@code [::1]} instead, which
 * Docker does verify (a registry name cannot be an IPv6 literal in Docker 20.10, a mirror URL can):
 * without the CA the mirror is refused with an x509 error, with it the pull succeeds.
 */
class DockerTlsIT {
  @TempDir Path tmp;

  private final List<AutoCloseable> opened = new ArrayList<>();
  private TestCa ca;
  private Path certDir;
  private DockerRegistryProcess upstream;
  private HoistServer hoist;
  private Skopeo skopeo;

  @BeforeEach
  void start() throws Exception {
    ca = TestCa.create(tmp.resolve("ca"), "Hoist Docker Test CA");
    certDir = Files.createDirectories(tmp.resolve("certs"));
    Files.copy(ca.certificate(), certDir.resolve("ca.crt"));
    upstream = DockerRegistryProcess.builder().workDir(tmp.resolve("upstream")).start();
    opened.add(upstream);
    skopeo = Skopeo.create(tmp.resolve("skopeo"));
  }

  /** Hoist on {@code host}, serving the test CA's certificate, mirroring docker.io. */
  private void startHoist(String host) {
    Path cert = tmp.resolve("tls/cert.pem");
    Path key = tmp.resolve("tls/key.pem");
    ca.issue("hoist", cert, key, TestCa.KeyType.EC, true);
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen(host, 0)
                .dataDir(tmp.resolve("data"))
                .mirror(
                    MirrorConfig.builder()
                        .upstreams(
                            List.of(
                                Upstream.known("docker.io")
                                    .orElseThrow()
                                    .withUrl(URI.create(upstream.url()))))
                        .hostedPrefixes(List.of("team"))
                        .build())
                .tls(TlsConfig.builder().cert(cert).key(key).build())
                .build());
    opened.add(hoist);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : opened.reversed()) {
      c.close();
    }
  }

  @Test
  void dockerPullsAnImagePushedIntoHoistByNameOverTls() throws Exception {
    startHoist("127.0.0.1");
    opened.add(DockerDaemon.trustCa(hoist.address(), ca.certificate()));
    // Into Hoist over TLS, verified against the CA.
    ImageLayout pushed = RandomImages.writeLayout(tmp.resolve("app"), "1", 41, 300_000, 20_000);
    Path pushedDigest = tmp.resolve("app.digest");
    skopeo.checked(
        "copy",
        "--dest-cert-dir",
        certDir.toString(),
        "--format",
        "v2s2",
        "--digestfile",
        pushedDigest.toString(),
        pushed.ociReference(),
        "docker://" + hoist.address() + "/team/app:1");
    DockerDaemon docker = DockerDaemon.builder().debug(true).start();
    opened.add(docker);

    String byName = hoist.address() + "/team/app:1";
    docker.pull(byName);

    assertThat(docker.images()).contains(byName);
    assertThat(repoDigests(docker.inspect(byName)))
        .contains(hoist.address() + "/team/app@" + digest(pushedDigest));
    // Hoist answers HTTPS only, and Docker says it pulled over it.
    assertThat(docker.log())
        .contains(
            "Trying to pull " + hoist.address() + "/team/app from https://" + hoist.address());
  }

  @Test
  void dockerVerifiesHoistAsItsDockerHubMirrorAgainstTheCaInCertsD() throws Exception {
    startHoist("::1");
    ImageLayout mirrored = RandomImages.writeLayout(tmp.resolve("hub"), "1", 42, 250_000, 9_000);
    Path mirroredDigest = tmp.resolve("hub.digest");
    skopeo.copy(
        mirrored.ociReference(),
        "docker://" + upstream.hostPort() + "/library/tlsdemo:1",
        "--format",
        "v2s2",
        "--digestfile",
        mirroredDigest.toString());
    DockerDaemon docker = DockerDaemon.builder().registryMirror(hoist.url()).debug(true).start();
    opened.add(docker);

    // Without the CA the mirror is refused (and Docker Hub, its fallback, is out of reach).
    DockerDaemon.Result untrusted = docker.docker("pull", "tlsdemo:1");
    assertThat(untrusted.succeeded()).as(untrusted.describe()).isFalse();
    assertThat(docker.log()).contains("x509: certificate signed by unknown authority");
    assertThat(upstream.requestCount("GET", "/v2/library/tlsdemo/.*")).isZero();

    opened.add(DockerDaemon.trustCa(hoist.address(), ca.certificate()));
    docker.pull("tlsdemo:1");

    assertThat(docker.images()).contains("tlsdemo:1");
    assertThat(repoDigests(docker.inspect("tlsdemo:1")))
        .contains("tlsdemo@" + digest(mirroredDigest));
    assertThat(docker.log()).contains("Trying to pull tlsdemo from " + hoist.url());
    // Hoist fetched it from its upstream, each layer once, and keeps it.
    assertThat(upstream.requestCount("GET", "/v2/library/tlsdemo/manifests/.*")).isPositive();
    for (Digest layer : mirrored.layerDigests()) {
      assertThat(upstream.requestCount("GET", "/v2/library/tlsdemo/blobs/" + layer))
          .as("layer %s", layer)
          .isEqualTo(1);
    }
    HttpResponse<Void> cached =
        HttpClient.newBuilder()
            .sslContext(ca.clientContext())
            .build()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            hoist.url()
                                + "/v2/library/tlsdemo/blobs/"
                                + mirrored.layerDigests().get(0)))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.discarding());
    assertThat(cached.statusCode()).isEqualTo(200);
    assertThat(cached.headers().firstValue("X-Hoist-Cache")).hasValue("HIT");
  }

  private static Digest digest(Path digestFile) throws Exception {
    return Digest.parse(Files.readString(digestFile).trim());
  }

  private static List<String> repoDigests(JsonNode image) {
    List<String> out = new ArrayList<>();
    image.path("RepoDigests").forEach(d -> out.add(d.asText()));
    return out;
  }
}
