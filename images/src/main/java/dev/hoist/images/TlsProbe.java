package dev.hoist.images;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Whether a server speaks TLS, told from the first byte it answers a TLS ClientHello with.
 *
 * <p>For an insecure or loopback registry Docker tries HTTPS and falls back to plain HTTP; so does
 * {@link RegistryAccess}. A real handshake to find out cost about 0.3 s of every such {@code hoist
 * pull}: building a TLS context, then generating key shares, only to learn that the server answers
 * {@code HTTP/1.1 400}. A TLS server answers a ClientHello with a TLS record, a handshake (22) or
 * an alert (21), whatever it thinks of the offer; an HTTP server answers with text ({@code H}) or
 * closes. Nothing is negotiated: the probe closes after that byte, and the real connection, if any,
 * is the HTTP client's own.
 */
final class TlsProbe {
  private static final int HANDSHAKE = 22;
  private static final int ALERT = 21;

  private TlsProbe() {}

  /** Whether {@code host:port} answers a ClientHello with TLS, within {@code timeoutMillis}. */
  static boolean speaksTls(String host, int port, int timeoutMillis) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), timeoutMillis);
      s.setSoTimeout(timeoutMillis);
      s.setTcpNoDelay(true);
      s.getOutputStream().write(clientHello(host));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      int first = in.read();
      return first == HANDSHAKE || first == ALERT;
    } catch (IOException e) {
      return false;
    }
  }

  /** A TLS 1.2 ClientHello offering the common ECDHE suites, with SNI for a host name. */
  static byte[] clientHello(String host) {
    try {
      ByteArrayOutputStream extensions = new ByteArrayOutputStream();
      DataOutputStream x = new DataOutputStream(extensions);
      if (host != null && !host.isEmpty() && !host.contains(":") && !host.matches("[0-9.]+")) {
        byte[] name = host.getBytes(StandardCharsets.US_ASCII);
        x.writeShort(0x0000); // server_name
        x.writeShort(name.length + 5);
        x.writeShort(name.length + 3);
        x.writeByte(0); // host_name
        x.writeShort(name.length);
        x.write(name);
      }
      x.writeShort(0x000a); // supported_groups: x25519, secp256r1, secp384r1
      x.writeShort(8);
      x.writeShort(6);
      x.writeShort(0x001d);
      x.writeShort(0x0017);
      x.writeShort(0x0018);
      x.writeShort(0x000b); // ec_point_formats: uncompressed
      x.writeShort(2);
      x.writeByte(1);
      x.writeByte(0);
      int[] signatures = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};
      x.writeShort(0x000d); // signature_algorithms
      x.writeShort(2 + 2 * signatures.length);
      x.writeShort(2 * signatures.length);
      for (int sig : signatures) {
        x.writeShort(sig);
      }

      ByteArrayOutputStream hello = new ByteArrayOutputStream();
      DataOutputStream h = new DataOutputStream(hello);
      h.writeShort(0x0303); // TLS 1.2
      byte[] random = new byte[32];
      ThreadLocalRandom.current().nextBytes(random);
      h.write(random);
      h.writeByte(0); // no session id
      int[] suites = {0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0x009c, 0x009d, 0x002f};
      h.writeShort(2 * suites.length);
      for (int suite : suites) {
        h.writeShort(suite);
      }
      h.writeByte(1); // compression methods: null
      h.writeByte(0);
      h.writeShort(extensions.size());
      extensions.writeTo(h);

      ByteArrayOutputStream record = new ByteArrayOutputStream();
      DataOutputStream r = new DataOutputStream(record);
      r.writeByte(HANDSHAKE);
      r.writeShort(0x0301); // the record version ClientHellos use
      r.writeShort(hello.size() + 4);
      r.writeByte(1); // client_hello
      r.writeByte(hello.size() >>> 16);
      r.writeShort(hello.size() & 0xffff);
      hello.writeTo(r);
      return record.toByteArray();
    } catch (IOException e) {
      throw new AssertionError("in-memory streams do not fail", e);
    }
  }
}
