package dev.hoist.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.config.ConfigException;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.oci.Digest;
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
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hoist over HTTPS with a CA made for the test: skopeo copies in and out trusting the CA (and
 * refuses without it), the JDK's client gets HTTP/2 by ALPN or HTTP/1.1 when it asks, and a
 * certificate replaced on disk is served to new connections while a bad one is not.
 */
class TlsIT {
  @TempDir Path tmp;

  private HoistServer hoist;

  @AfterEach
  void stop() {
    if (hoist != null) {
      hoist.close();
    }
  }

  private TestCa ca() {
    return TestCa.create(tmp.resolve("ca"), "Hoist Test CA");
  }

  private HoistServer start(TlsConfig tls) {
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(tmp.resolve("data"))
                .tls(tls)
                .build());
    return hoist;
  }

  private TlsConfig tls(Path cert, Path key, Duration reload) {
    return TlsConfig.builder().cert(cert).key(key).reloadInterval(reload).build();
  }

  @Test
  void skopeoCopiesInAndOutTrustingTheCaAndRefusesAServerItCannotVerify() throws Exception {
    TestCa ca = ca();
    Path cert = tmp.resolve("tls/cert.pem");
    Path key = tmp.resolve("tls/key.pem");
    ca.issue("hoist", cert, key, TestCa.KeyType.EC, true);
    start(tls(cert, key, Duration.ofSeconds(10)));
    assertThat(hoist.url()).startsWith("https://127.0.0.1:");
    Path certDir = tmp.resolve("certs");
    Files.createDirectories(certDir);
    Files.copy(ca.certificate(), certDir.resolve("ca.crt"));
    Skopeo skopeo = Skopeo.create(tmp.resolve("skopeo"));
    ImageLayout image = RandomImages.writeLayout(tmp.resolve("src"), "v1", 7, 1_500_000, 40_000);
    String ref = "docker://" + hoist.address() + "/team/app:1";

    Skopeo.Result untrusted = skopeo.run("copy", image.ociReference(), ref);
    assertThat(untrusted.succeeded()).as(untrusted.describe()).isFalse();
    assertThat(untrusted.stderr()).contains("x509: certificate signed by unknown authority");

    skopeo.checked("copy", "--dest-cert-dir", certDir.toString(), image.ociReference(), ref);
    Path back = tmp.resolve("back");
    skopeo.checked("copy", "--src-cert-dir", certDir.toString(), ref, "oci:" + back + ":v1");

    byte[] manifest = skopeo.inspectRaw("oci:" + back + ":v1");
    assertThat(Digest.sha256(manifest)).isEqualTo(image.manifestDigest());
    for (Digest layer : image.layerDigests()) {
      assertThat(blob(back, layer)).as("layer %s", layer).isEqualTo(blob(image.dir(), layer));
    }
  }

  @Test
  void alpnGivesHttp2ToClientsThatOfferItAndHttp11ToThoseThatAskForIt() throws Exception {
    TestCa ca = ca();
    Path cert = tmp.resolve("cert.pem");
    Path key = tmp.resolve("key.pem");
    ca.issue("hoist", cert, key);
    start(tls(cert, key, Duration.ofSeconds(10)));
    byte[] blob = new byte[3 * 1024 * 1024 + 5];
    new Random(5).nextBytes(blob);
    Digest digest = Digest.sha256(blob);
    HttpClient http1 = client(ca, HttpClient.Version.HTTP_1_1);
    HttpClient http2 = client(ca, HttpClient.Version.HTTP_2);

    HttpResponse<String> pushed =
        http1.send(
            HttpRequest.newBuilder(
                    URI.create(hoist.url() + "/v2/tls/blobs/uploads/?digest=" + digest))
                .POST(HttpRequest.BodyPublishers.ofByteArray(blob))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(pushed.statusCode()).isEqualTo(201);
    assertThat(pushed.version()).isEqualTo(HttpClient.Version.HTTP_1_1);

    URI uri = URI.create(hoist.url() + "/v2/tls/blobs/" + digest);
    // Over HTTP/1.1 on TLS a stored blob cannot go out as a file region: it is copied, whole.
    HttpResponse<byte[]> viaHttp1 =
        http1.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(viaHttp1.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(viaHttp1.statusCode()).isEqualTo(200);
    assertThat(viaHttp1.body()).isEqualTo(blob);
    HttpResponse<byte[]> range =
        http1.send(
            HttpRequest.newBuilder(uri).header("Range", "bytes=100-199").build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(range.statusCode()).isEqualTo(206);
    assertThat(range.body()).isEqualTo(Arrays.copyOfRange(blob, 100, 200));

    HttpResponse<byte[]> viaHttp2 =
        http2.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(viaHttp2.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(viaHttp2.body()).isEqualTo(blob);

    // Plain HTTP on the TLS port gets no answer of Hoist's.
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    assertThatThrownBy(
            () ->
                plain.send(
                    HttpRequest.newBuilder(URI.create("http://" + hoist.address() + "/v2/"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(java.io.IOException.class);
  }

  @Test
  void aReplacedCertificateIsServedToNewConnectionsAndABadOneNever() throws Exception {
    TestCa ca = ca();
    Path cert = tmp.resolve("cert.pem");
    Path key = tmp.resolve("key.pem");
    TestCa.Issued first = ca.issue("hoist-one", cert, key);
    start(tls(cert, key, Duration.ofMillis(200)));
    assertThat(served(ca).getSerialNumber().longValue()).isEqualTo(first.serial());

    try (SSLSocket open = handshake(ca)) {
      TestCa.Issued second = ca.issue("hoist-two", cert, key, TestCa.KeyType.RSA_PKCS1, true);
      X509Certificate now = awaitServed(ca, second.serial());
      assertThat(now.getSubjectX500Principal().getName()).isEqualTo("CN=hoist-two");
      // The connection made before keeps the certificate it was handshaken with, and works.
      assertThat(peer(open).getSerialNumber().longValue()).isEqualTo(first.serial());
      open.getOutputStream()
          .write(
              "GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String answer =
          new String(
              open.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
      assertThat(answer).startsWith("HTTP/1.1 200");
      // And ALPN still offers HTTP/2 with the new certificate.
      HttpResponse<String> h2 =
          client(ca, HttpClient.Version.HTTP_2)
              .send(
                  HttpRequest.newBuilder(URI.create(hoist.url() + "/v2/")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(h2.version()).isEqualTo(HttpClient.Version.HTTP_2);

      // A key that is not the certificate's, then a key file that is no key: neither is served.
      Path otherCert = tmp.resolve("other/cert.pem");
      Path otherKey = tmp.resolve("other/key.pem");
      ca.issue("hoist-wrong", otherCert, otherKey);
      Files.copy(otherKey, key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Thread.sleep(1_000);
      assertThat(served(ca).getSerialNumber().longValue()).isEqualTo(second.serial());
      Files.writeString(key, "not a key\n");
      Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");
      Thread.sleep(1_000);
      assertThat(served(ca).getSerialNumber().longValue()).isEqualTo(second.serial());

      // The reloader lives on: a good pair after the bad ones is taken.
      TestCa.Issued third = ca.issue("hoist-three", cert, key, TestCa.KeyType.EC_SEC1, false);
      assertThat(awaitServed(ca, third.serial()).getSubjectX500Principal().getName())
          .isEqualTo("CN=hoist-three");
    }
  }

  @Test
  void aMissingOrMismatchedKeyStopsTheStartNamingTheFile() throws Exception {
    TestCa ca = ca();
    Path cert = tmp.resolve("cert.pem");
    Path key = tmp.resolve("key.pem");
    ca.issue("hoist", cert, key);
    Path missing = tmp.resolve("nowhere/key.pem");
    assertThatThrownBy(() -> start(tls(cert, missing, Duration.ofSeconds(10))))
        .isInstanceOf(ConfigException.class)
        .hasMessage("invalid configuration: tls.key: cannot read " + missing + ": no such file");
    assertThat(tmp.resolve("data")).doesNotExist();

    Path otherKey = tmp.resolve("other/key.pem");
    ca.issue("other", tmp.resolve("other/cert.pem"), otherKey);
    assertThatThrownBy(() -> start(tls(cert, otherKey, Duration.ofSeconds(10))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.key: the first certificate in " + cert)
        .hasMessageContaining("does not match the private key in " + otherKey);

    Files.writeString(
        key, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
    assertThatThrownBy(() -> start(tls(cert, key, Duration.ofSeconds(10))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.key: " + key + ": the private key is encrypted");
    assertThatThrownBy(() -> start(tls(key, key, Duration.ofSeconds(10))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.cert: " + key + ": no PEM certificate in it");
  }

  private static HttpClient client(TestCa ca, HttpClient.Version version) {
    return HttpClient.newBuilder()
        .sslContext(ca.clientContext())
        .version(version)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  /** A new TLS connection to Hoist, handshaken. */
  private SSLSocket handshake(TestCa ca) throws Exception {
    SSLSocket socket =
        (SSLSocket) ca.clientContext().getSocketFactory().createSocket("127.0.0.1", hoist.port());
    socket.setSoTimeout(10_000);
    var params = socket.getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS");
    socket.setSSLParameters(params);
    socket.startHandshake();
    return socket;
  }

  private static X509Certificate peer(SSLSocket socket) throws Exception {
    return (X509Certificate) socket.getSession().getPeerCertificates()[0];
  }

  /** The certificate a new connection is served. */
  private X509Certificate served(TestCa ca) throws Exception {
    try (SSLSocket socket = handshake(ca)) {
      return peer(socket);
    }
  }

  private X509Certificate awaitServed(TestCa ca, long serial) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    X509Certificate served = served(ca);
    while (served.getSerialNumber().longValue() != serial && System.nanoTime() < deadline) {
      Thread.sleep(100);
      served = served(ca);
    }
    assertThat(served.getSerialNumber().longValue()).as("serial served").isEqualTo(serial);
    return served;
  }

  private static byte[] blob(Path layout, Digest digest) throws java.io.IOException {
    return Files.readAllBytes(
        layout.resolve("blobs").resolve(digest.algorithm()).resolve(digest.encoded()));
  }
}
