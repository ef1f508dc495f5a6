package dev.hoist.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hoist.testkit.LoopbackHttps;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LazyTlsTest {
  @TempDir Path dir;

  private static void answer(HttpExchange e) throws IOException {
    byte[] body = "{}".getBytes();
    e.getResponseHeaders().set("Docker-Distribution-API-Version", "registry/2.0");
    e.sendResponseHeaders(200, body.length);
    e.getResponseBody().write(body);
    e.close();
  }

  @Test
  void theTlsContextIsBuiltByTheFirstHttpsConnectionOnly() throws Exception {
    AtomicInteger built = new AtomicInteger();
    SSLContext lazy =
        new LazyTls.LazyContext(
            () -> {
              built.incrementAndGet();
              return InsecureTls.context();
            });
    HttpServer plain =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    plain.createContext("/", LazyTlsTest::answer);
    plain.start();
    try (LoopbackHttps tls = LoopbackHttps.start(dir, LazyTlsTest::answer);
        HttpClient http =
            HttpClient.newBuilder()
                .sslContext(lazy)
                .sslParameters(LazyTls.clientParameters())
                .build()) {
      URI plainUri = URI.create("http://127.0.0.1:" + plain.getAddress().getPort() + "/v2/");
      assertThat(
              http.send(
                      HttpRequest.newBuilder(plainUri).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(200);
      assertThat(built).hasValue(0);

      HttpResponse<String> overTls =
          http.send(
              HttpRequest.newBuilder(URI.create(tls.url() + "/v2/")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(overTls.statusCode()).isEqualTo(200);
      assertThat(overTls.sslSession()).isPresent();
      http.send(
          HttpRequest.newBuilder(URI.create(tls.url() + "/v2/")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(built).hasValue(1);
    } finally {
      plain.stop(0);
    }
  }

  @Test
  void anInsecureEndpointAcceptsASelfSignedCertificateAndASecureOneRefusesIt() throws Exception {
    try (LoopbackHttps tls = LoopbackHttps.start(dir, LazyTlsTest::answer)) {
      try (RegistryClient insecure =
          RegistryClient.builder(RegistryEndpoint.of(tls.url()).withInsecureTls(true))
              .retryPolicy(RetryPolicy.none())
              .build()) {
        insecure.ping();
      }
      try (RegistryClient checked =
          RegistryClient.builder(RegistryEndpoint.of(tls.url()))
              .retryPolicy(RetryPolicy.none())
              .build()) {
        assertThatThrownBy(checked::ping)
            .isInstanceOf(RegistryException.class)
            .satisfies(
                e -> {
                  boolean handshake = false;
                  boolean untrusted = false;
                  for (Throwable t = e; t != null; t = t.getCause()) {
                    handshake |= t instanceof SSLHandshakeException;
                    untrusted |= t instanceof CertificateException;
                  }
                  assertThat(handshake).as("an SSLHandshakeException in " + e).isTrue();
                  assertThat(untrusted).as("a CertificateException in " + e).isTrue();
                });
      }
    }
  }
}
