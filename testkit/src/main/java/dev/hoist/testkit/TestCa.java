package dev.hoist.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A certificate authority made for one test with {@code /usr/bin/openssl}: it issues server
 * certificates for {@code localhost}, {@code 127.0.0.1} and {@code ::1} (subjectAltName, as Go's
 * and the JDK's clients require), and gives clients an {@link SSLContext} that trusts it alone.
 * Keys are written unencrypted in the encoding asked for.
 */
public final class TestCa {
  private static final Path OPENSSL = Path.of("/usr/bin/openssl");

  /** A key type and its PEM encoding. */
  public enum KeyType {
    /** EC P-256, PKCS#8 ({@code PRIVATE KEY}). */
    EC,
    /** EC P-256, SEC1 ({@code EC PRIVATE KEY}), as cert-manager writes ECDSA keys. */
    EC_SEC1,
    /** RSA 2048, PKCS#8. */
    RSA,
    /** RSA 2048, PKCS#1 ({@code RSA PRIVATE KEY}). */
    RSA_PKCS1,
    /** Ed25519, PKCS#8. */
    ED25519
  }

  private final Path dir;
  private final Path certificate;
  private final Path key;
  private final AtomicLong serials = new AtomicLong(1000);

  private TestCa(Path dir) {
    this.dir = dir;
    this.certificate = dir.resolve("ca.crt");
    this.key = dir.resolve("ca.key");
  }

  /** Makes a CA (EC P-256, valid two days) named {@code CN=<name>} in {@code dir}. */
  public static TestCa create(Path dir, String name) {
    TestCa ca = new TestCa(dir);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    openssl(
        dir,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        ca.key.toString(),
        "-out",
        ca.certificate.toString(),
        "-days",
        "2",
        "-subj",
        "/CN=" + name,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign");
    return ca;
  }

  /** The CA's certificate (PEM): what clients put in {@code certs.d/<host:port>/ca.crt}. */
  public Path certificate() {
    return certificate;
  }

  /** A server certificate and its key, as issued. */
  public record Issued(Path cert, Path key, String commonName, long serial) {}

  /**
   * Issues a server certificate {@code CN=<commonName>} for {@code localhost}, {@code ::1} and
   * {@code 127.0.0.1} with a fresh serial, writing it to {@code cert} and its key to {@code key}
   * (replacing what they held).
   *
   * @param withChain whether the certificate file carries the CA's certificate after the server's
   */
  public Issued issue(String commonName, Path cert, Path key, KeyType type, boolean withChain) {
    long serial = serials.incrementAndGet();
    Path work = dir.resolve("issue-" + serial);
    try {
      Files.createDirectories(work);
      Path newKey = work.resolve("key.pem");
      switch (type) {
        case EC, EC_SEC1 ->
            openssl(
                work,
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                newKey.toString());
        case RSA, RSA_PKCS1 ->
            openssl(
                work,
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                newKey.toString());
        case ED25519 ->
            openssl(work, "genpkey", "-algorithm", "ED25519", "-out", newKey.toString());
      }
      if (type == KeyType.EC_SEC1 || type == KeyType.RSA_PKCS1) {
        Path traditional = work.resolve("key-traditional.pem");
        openssl(
            work, "pkey", "-in", newKey.toString(), "-traditional", "-out", traditional.toString());
        newKey = traditional;
      }
      Path csr = work.resolve("req.csr");
      openssl(
          work,
          "req",
          "-new",
          "-key",
          newKey.toString(),
          "-subj",
          "/CN=" + commonName,
          "-out",
          csr.toString());
      Path extensions = work.resolve("ext.cnf");
      Files.writeString(
          extensions,
          "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n"
              + "basicConstraints=critical,CA:FALSE\n"
              + "keyUsage=critical,digitalSignature"
              + (type == KeyType.RSA || type == KeyType.RSA_PKCS1 ? ",keyEncipherment" : "")
              + "\nextendedKeyUsage=serverAuth\n");
      Path newCert = work.resolve("cert.pem");
      openssl(
          work,
          "x509",
          "-req",
          "-in",
          csr.toString(),
          "-CA",
          certificate.toString(),
          "-CAkey",
          this.key.toString(),
          "-set_serial",
          Long.toString(serial),
          "-days",
          "2",
          "-extfile",
          extensions.toString(),
          "-out",
          newCert.toString());
      String pem = Files.readString(newCert);
      if (withChain) {
        pem += Files.readString(certificate);
      }
      // Written whole and then moved: a reader never sees half a file.
      replace(cert, pem.getBytes(StandardCharsets.US_ASCII));
      replace(key, Files.readAllBytes(newKey));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot issue a certificate in " + work, e);
    }
    return new Issued(cert, key, commonName, serial);
  }

  /** Issues an EC (PKCS#8) certificate without the chain. */
  public Issued issue(String commonName, Path cert, Path key) {
    return issue(commonName, cert, key, KeyType.EC, false);
  }

  private static void replace(Path target, byte[] content) throws IOException {
    Files.createDirectories(target.toAbsolutePath().getParent());
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.write(tmp, content);
    Files.move(
        tmp,
        target,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** A client context that trusts this CA and nothing else. */
  public SSLContext clientContext() {
    try (InputStream in = Files.newInputStream(certificate)) {
      X509Certificate ca =
          (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      trust.setCertificateEntry("test-ca", ca);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot trust " + certificate, e);
    }
  }

  private static void openssl(Path workDir, String... args) {
    if (!Files.isExecutable(OPENSSL)) {
      throw new IllegalStateException(
          "openssl not found at "
              + OPENSSL
              + ": TLS tests need it (Debian: apt-get install openssl)");
    }
    List<String> command = new ArrayList<>();
    command.add(OPENSSL.toString());
    command.addAll(List.of(args));
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(workDir.toFile())
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(
            "openssl failed: " + String.join(" ", command) + "\n" + out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run openssl", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running openssl", e);
    }
  }
}
