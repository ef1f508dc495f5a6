package dev.hoist.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM text: certificates, and one unencrypted private key as PKCS#8 ({@code PRIVATE KEY}),
 * PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}), the encodings openssl, certbot
 * and cert-manager write. Failures are {@link IllegalArgumentException}s saying what was found, for
 * people.
 */
final class Pem {
  private static final Pattern BLOCK =
      Pattern.compile(
          "-----BEGIN ([A-Z0-9 ]+)-----\\R(.*?)-----END \\1-----",
          Pattern.DOTALL | Pattern.MULTILINE);

  // DER prefixes of PKCS#8's AlgorithmIdentifier: rsaEncryption with NULL parameters, and
  // id-ecPublicKey (whose curve follows).
  private static final byte[] RSA_ALGORITHM =
      HexFormat.of().parseHex("300d06092a864886f70d0101010500");
  private static final byte[] EC_PUBLIC_KEY = HexFormat.of().parseHex("06072a8648ce3d0201");

  private Pem() {}

  private record Block(String label, String body) {
    byte[] der() {
      return Base64.getMimeDecoder().decode(body);
    }
  }

  private static List<Block> blocks(String text) {
    List<Block> blocks = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      blocks.add(new Block(m.group(1), m.group(2)));
    }
    return blocks;
  }

  /** Every {@code CERTIFICATE} block, in order; at least one. */
  static List<X509Certificate> certificates(String text) {
    List<X509Certificate> out = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (Block block : blocks(text)) {
        if (block.label().equals("CERTIFICATE")) {
          out.add(
              (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
        }
      }
    } catch (CertificateException | IllegalArgumentException e) {
      throw new IllegalArgumentException("a CERTIFICATE block is not a valid X.509 certificate", e);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no PEM certificate in it (-----BEGIN CERTIFICATE-----)");
    }
    return List.copyOf(out);
  }

  /** The one private key block. */
  static PrivateKey privateKey(String text) {
    List<Block> keys =
        blocks(text).stream().filter(b -> b.label().endsWith("PRIVATE KEY")).toList();
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("no PEM private key in it (-----BEGIN PRIVATE KEY-----)");
    }
    if (keys.size() > 1) {
      throw new IllegalArgumentException("it holds " + keys.size() + " private keys, not one");
    }
    Block key = keys.get(0);
    if (key.label().equals("ENCRYPTED PRIVATE KEY") || key.body().contains("ENCRYPTED")) {
      throw new IllegalArgumentException(
          "the private key is encrypted; give it unencrypted (openssl pkey -in KEY -out KEY.pem)");
    }
    byte[] der;
    try {
      der = key.der();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the " + key.label() + " block is not base64", e);
    }
    byte[] pkcs8 =
        switch (key.label()) {
          case "PRIVATE KEY" -> der;
          case "RSA PRIVATE KEY" -> pkcs8(RSA_ALGORITHM, der);
          case "EC PRIVATE KEY" -> pkcs8(ecAlgorithm(der), der);
          default ->
              throw new IllegalArgumentException(
                  "a " + key.label() + " is not supported (PKCS#8, RSA or EC keys are)");
        };
    for (String algorithm : List.of("RSA", "EC", "EdDSA")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      } catch (GeneralSecurityException e) {
        // Not this algorithm; try the next.
      }
    }
    throw new IllegalArgumentException(
        "the " + key.label() + " block is no RSA, EC or EdDSA private key");
  }

  /** PKCS#8 PrivateKeyInfo: version 0, the algorithm, the key as an OCTET STRING. */
  private static byte[] pkcs8(byte[] algorithm, byte[] key) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(new byte[] {0x02, 0x01, 0x00});
    body.writeBytes(algorithm);
    body.writeBytes(tlv(0x04, key));
    return tlv(0x30, body.toByteArray());
  }

  /** id-ecPublicKey with the named curve that a SEC1 key carries in its {@code [0]} field. */
  private static byte[] ecAlgorithm(byte[] sec1) {
    Der outer = Der.at(sec1, 0);
    if (outer.tag() != 0x30) {
      throw new IllegalArgumentException("the EC PRIVATE KEY block is not a SEC1 key");
    }
    int at = outer.contentStart();
    while (at < outer.end()) {
      Der field = Der.at(sec1, at);
      if (field.tag() == 0xa0) {
        Der curve = Der.at(sec1, field.contentStart());
        if (curve.tag() != 0x06) {
          break;
        }
        ByteArrayOutputStream algorithm = new ByteArrayOutputStream();
        algorithm.writeBytes(EC_PUBLIC_KEY);
        algorithm.write(sec1, curve.start(), curve.end() - curve.start());
        return tlv(0x30, algorithm.toByteArray());
      }
      at = field.end();
    }
    throw new IllegalArgumentException(
        "the EC PRIVATE KEY names no curve; give it as PKCS#8 (openssl pkey -in KEY -out KEY.pem)");
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int n = content.length;
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = (32 - Integer.numberOfLeadingZeros(n) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  /** One DER element: where it starts, where its content starts, where it ends. */
  private record Der(int tag, int start, int contentStart, int end) {
    static Der at(byte[] der, int start) {
      if (start + 2 > der.length) {
        throw new IllegalArgumentException("the key's DER encoding is cut short");
      }
      int tag = der[start] & 0xff;
      int length = der[start + 1] & 0xff;
      int content = start + 2;
      if (length >= 0x80) {
        int bytes = length & 0x7f;
        if (bytes == 0 || bytes > 3 || content + bytes > der.length) {
          throw new IllegalArgumentException("the key's DER encoding is not valid");
        }
        length = 0;
        for (int i = 0; i < bytes; i++) {
          length = (length << 8) | (der[content + i] & 0xff);
        }
        content += bytes;
      }
      if (content + length > der.length) {
        throw new IllegalArgumentException("the key's DER encoding is cut short");
      }
      return new Der(tag, start, content, content + length);
    }
  }
}
