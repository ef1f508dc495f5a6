package dev.hoist.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RSA key pair that signs tokens, kept as a PKCS#8 PEM file readable by its owner only ({@code
 * 0600}). {@link #keyId} is the libtrust key ID Distribution looks up a {@code kid} by, so a
 * Distribution registry configured with this key's certificate accepts Hoist's tokens too.
 */
record TokenKeys(RSAPrivateCrtKey privateKey, RSAPublicKey publicKey, String keyId) {
  private static final Logger log = LoggerFactory.getLogger(TokenKeys.class);
  private static final String BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String END = "-----END PRIVATE KEY-----";
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  static TokenKeys generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      KeyPair pair = generator.generateKeyPair();
      return of((RSAPrivateCrtKey) pair.getPrivate());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an RSA key", e);
    }
  }

  static TokenKeys of(RSAPrivateCrtKey privateKey) {
    try {
      RSAPublicKey publicKey =
          (RSAPublicKey)
              KeyFactory.getInstance("RSA")
                  .generatePublic(
                      new RSAPublicKeySpec(
                          privateKey.getModulus(), privateKey.getPublicExponent()));
      return new TokenKeys(privateKey, publicKey, libtrustKeyId(publicKey.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot derive the public key", e);
    }
  }

  /** The key in {@code file}, generating it (0600) when the file does not exist yet. */
  static TokenKeys loadOrCreate(Path file) {
    if (Files.exists(file)) {
      return load(file);
    }
    TokenKeys keys = generate();
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = dir.resolve(file.getFileName() + ".tmp");
      Files.deleteIfExists(tmp);
      try {
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } catch (UnsupportedOperationException e) {
        Files.createFile(tmp);
      }
      Files.writeString(tmp, keys.toPem(), StandardCharsets.US_ASCII);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file);
      }
    } catch (FileAlreadyExistsException e) {
      return load(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the token signing key " + file, e);
    }
    log.info("generated a token signing key: file={} kid={}", file, keys.keyId());
    return keys;
  }

  /** A PKCS#8 ({@code BEGIN PRIVATE KEY}) RSA key. */
  static TokenKeys load(Path file) {
    String pem;
    try {
      pem = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the token signing key " + file, e);
    }
    try {
      if (!OWNER_ONLY.containsAll(Files.getPosixFilePermissions(file))) {
        log.warn("token signing key is readable by others; chmod 600 it: file={}", file);
      }
    } catch (IOException | UnsupportedOperationException e) {
      // Not a POSIX file system: nothing to check.
    }
    int begin = pem.indexOf(BEGIN);
    int end = pem.indexOf(END);
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(
          "the token signing key "
              + file
              + " is not a PKCS#8 PEM RSA key (BEGIN PRIVATE KEY); convert one with"
              + " openssl pkcs8 -topk8 -nocrypt");
    }
    try {
      byte[] der =
          Base64.getMimeDecoder().decode(pem.substring(begin + BEGIN.length(), end).trim());
      return of(
          (RSAPrivateCrtKey)
              KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der)));
    } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
      throw new IllegalArgumentException(
          "the token signing key " + file + " is not a valid RSA private key", e);
    }
  }

  String toPem() {
    String body =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(privateKey.getEncoded());
    return BEGIN + "\n" + body + "\n" + END + "\n";
  }

  /**
   * libtrust's key ID: SHA-256 of the DER SubjectPublicKeyInfo, first 30 bytes, base32 without
   * padding, in 12 groups of 4 joined by {@code :}.
   */
  static String libtrustKeyId(byte[] subjectPublicKeyInfo) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(subjectPublicKeyInfo);
      String b32 = base32(Arrays.copyOf(hash, 30));
      StringBuilder id = new StringBuilder();
      for (int i = 0; i < 48; i += 4) {
        if (i > 0) {
          id.append(':');
        }
        id.append(b32, i, i + 4);
      }
      return id.toString();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String base32(byte[] data) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    StringBuilder out = new StringBuilder();
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        out.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(alphabet.charAt((buffer << (5 - bits)) & 31));
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return "TokenKeys[kid=" + keyId + "]";
  }
}
