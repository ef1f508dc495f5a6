package dev.hoist.tls;

import dev.hoist.config.ConfigException;
import io.vertx.core.net.KeyCertOptions;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;

/**
 * A certificate chain and its private key, read from PEM files and checked to belong together: the
 * first certificate of the chain is the server's own, and the key signs what its public key
 * verifies. What the HTTP server is given ({@link #keyCertOptions()}) is built from what was
 * checked, never read from the files again.
 */
public final class ServerCertificate {
  private static final char[] STORE_PASSWORD = "hoist".toCharArray();

  private final List<X509Certificate> chain;
  private final PrivateKey key;

  private ServerCertificate(List<X509Certificate> chain, PrivateKey key) {
    this.chain = chain;
    this.key = key;
  }

  /**
   * Reads and checks the pair {@code config} names.
   *
   * @throws ConfigException naming {@code tls.cert} or {@code tls.key} and the file: {@code cannot
   *     read /etc/hoist/key.pem: no such file}, {@code /etc/hoist/cert.pem: no PEM certificate in
   *     it}, {@code the first certificate in … does not match the private key in …}
   */
  public static ServerCertificate load(TlsConfig config) {
    Path cert = config.cert();
    Path key = config.key();
    if (cert == null || key == null) {
      throw new IllegalArgumentException("TLS is not configured");
    }
    return load(cert, key, Instant.now());
  }

  /**
   * Reads and checks a pair at {@code now}: besides the files and their match, the certificate must
   * be valid then (a client refuses an expired one with an error that does not name the server's
   * file; here the operator sees which file and when it expired).
   */
  static ServerCertificate load(Path certFile, Path keyFile, Instant now) {
    List<X509Certificate> chain;
    try {
      chain = Pem.certificates(read("tls.cert", certFile));
    } catch (IllegalArgumentException e) {
      throw problem("tls.cert", certFile, e);
    }
    PrivateKey key;
    try {
      key = Pem.privateKey(read("tls.key", keyFile));
    } catch (IllegalArgumentException e) {
      throw problem("tls.key", keyFile, e);
    }
    if (!matches(key, chain.get(0).getPublicKey())) {
      throw new ConfigException(
          "tls.key",
          "the first certificate in "
              + certFile
              + " ("
              + chain.get(0).getSubjectX500Principal().getName()
              + ") does not match the private key in "
              + keyFile);
    }
    X509Certificate leaf = chain.get(0);
    Instant notAfter = leaf.getNotAfter().toInstant();
    Instant notBefore = leaf.getNotBefore().toInstant();
    if (now.isAfter(notAfter)) {
      throw new ConfigException(
          "tls.cert",
          certFile
              + ": the certificate ("
              + leaf.getSubjectX500Principal().getName()
              + ") expired at "
              + notAfter
              + "; renew it");
    }
    if (now.isBefore(notBefore)) {
      throw new ConfigException(
          "tls.cert",
          certFile
              + ": the certificate ("
              + leaf.getSubjectX500Principal().getName()
              + ") is not valid before "
              + notBefore
              + " (is this machine's clock right?)");
    }
    return new ServerCertificate(chain, key);
  }

  private static ConfigException problem(String setting, Path file, IllegalArgumentException e) {
    if (e instanceof ConfigException c) {
      return c;
    }
    return new ConfigException(setting, file + ": " + e.getMessage());
  }

  private static String read(String setting, Path file) {
    try {
      return Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(setting, "cannot read " + file + ": no such file");
    } catch (AccessDeniedException e) {
      throw new ConfigException(setting, "cannot read " + file + ": permission denied");
    } catch (CharacterCodingException e) {
      throw new ConfigException(setting, "cannot read " + file + ": it is not PEM text");
    } catch (IOException e) {
      String reason = Files.isDirectory(file) ? "it is a directory" : e.toString();
      throw new ConfigException(setting, "cannot read " + file + ": " + reason);
    }
  }

  /** Whether {@code key} signs what {@code publicKey} verifies. */
  private static boolean matches(PrivateKey key, PublicKey publicKey) {
    if (!key.getAlgorithm().equals(publicKey.getAlgorithm())
        && !(isEdDsa(key.getAlgorithm()) && isEdDsa(publicKey.getAlgorithm()))) {
      return false;
    }
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> key.getAlgorithm(); // EdDSA, Ed25519, Ed448 name their own signature
        };
    byte[] challenge = new byte[32];
    new SecureRandom().nextBytes(challenge);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static boolean isEdDsa(String algorithm) {
    return algorithm.equals("EdDSA") || algorithm.equals("Ed25519") || algorithm.equals("Ed448");
  }

  /** The server's own certificate, first of the chain. */
  public X509Certificate certificate() {
    return chain.get(0);
  }

  public Instant notAfter() {
    return certificate().getNotAfter().toInstant();
  }

  /** {@code subject=CN=registry.example.com notAfter=2026-03-01T00:00:00Z}, for the log. */
  public String describe() {
    return "subject="
        + certificate().getSubjectX500Principal().getName()
        + " notAfter="
        + notAfter();
  }

  /** The chain and key for Vert.x's HTTP server. */
  public KeyCertOptions keyCertOptions() {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("hoist", key, STORE_PASSWORD, chain.toArray(X509Certificate[]::new));
      KeyManagerFactory keys =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, STORE_PASSWORD);
      return KeyCertOptions.wrap(keys);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot make a key store of the checked certificate", e);
    }
  }
}
