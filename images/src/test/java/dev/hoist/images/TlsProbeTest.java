package dev.hoist.images;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hoist.testkit.LoopbackHttps;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsProbeTest {
  @TempDir Path dir;

  private static void ok(HttpExchange e) throws IOException {
    e.sendResponseHeaders(200, -1);
    e.close();
  }

  @Test
  void aTlsServerIsToldFromAPlainHttpOne() throws Exception {
    try (LoopbackHttps tls = LoopbackHttps.start(dir, TlsProbeTest::ok)) {
      assertThat(TlsProbe.speaksTls("127.0.0.1", tls.port(), 3000)).isTrue();
      assertThat(TlsProbe.speaksTls("localhost", tls.port(), 3000)).isTrue(); // with SNI
    }
    HttpServer plain =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    plain.createContext("/", TlsProbeTest::ok);
    plain.start();
    try {
      assertThat(TlsProbe.speaksTls("127.0.0.1", plain.getAddress().getPort(), 3000)).isFalse();
    } finally {
      plain.stop(0);
    }
  }

  @Test
  void aClosedPortAServerThatHangsUpOrOneThatSaysNothingAreNotTls() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    assertThat(TlsProbe.speaksTls("127.0.0.1", closed, 3000)).isFalse();

    try (ServerSocket hangsUp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread t =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (Socket c = hangsUp.accept()) {
                      c.getInputStream().readNBytes(5);
                    } catch (IOException ignored) {
                      // the probe's side is what is tested
                    }
                  });
      assertThat(TlsProbe.speaksTls("127.0.0.1", hangsUp.getLocalPort(), 3000)).isFalse();
      t.join();
    }

    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      long start = System.nanoTime();
      assertThat(TlsProbe.speaksTls("127.0.0.1", silent.getLocalPort(), 300)).isFalse();
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3000);
    }
  }

  @Test
  void theClientHelloIsOneWellFormedHandshakeRecord() {
    byte[] hello = TlsProbe.clientHello("registry.example");
    assertThat(hello[0]).isEqualTo((byte) 22);
    int recordLength = ((hello[3] & 0xff) << 8) | (hello[4] & 0xff);
    assertThat(hello).hasSize(5 + recordLength);
    assertThat(hello[5]).isEqualTo((byte) 1); // client_hello
    int helloLength = ((hello[6] & 0xff) << 16) | ((hello[7] & 0xff) << 8) | (hello[8] & 0xff);
    assertThat(helloLength).isEqualTo(recordLength - 4);
    assertThat(new String(hello, java.nio.charset.StandardCharsets.ISO_8859_1))
        .contains("registry.example");
    assertThat(
            new String(
                TlsProbe.clientHello("127.0.0.1"), java.nio.charset.StandardCharsets.ISO_8859_1))
        .doesNotContain("127.0.0.1");
  }
}
