package dev.infertrace.proxy.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/**
 * Reads a certificate chain and key (the webhook's, the OTLP exporter's client identity) from PEM
 * files as Kubernetes tooling writes them: PKCS#8 ({@code BEGIN PRIVATE KEY}, cert-manager with
 * {@code encoding: PKCS8}, openssl 3) or PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}, Helm's {@code
 * genSignedCert}, cert-manager's default).
 */
public final class PemFiles {
  private static final byte[] RSA_ALGORITHM = {
    0x30,
    0x0d,
    0x06,
    0x09,
    0x2a,
    (byte) 0x86,
    0x48,
    (byte) 0x86,
    (byte) 0xf7,
    0x0d,
    0x01,
    0x01,
    0x01,
    0x05,
    0x00
  };

  private PemFiles() {}

  /** The certificates of a PEM file, in order; an error names the file. */
  public static List<X509Certificate> certificates(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> chain =
          CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
              .map(X509Certificate.class::cast)
              .toList();
      if (chain.isEmpty()) {
        throw new IOException(file + ": no certificate");
      }
      return chain;
    } catch (GeneralSecurityException e) {
      throw new IOException(file + ": not a PEM certificate chain (" + e.getMessage() + ")", e);
    }
  }

  /** The unencrypted private key of a PEM file (PKCS#8, or PKCS#1 RSA). */
  public static PrivateKey privateKey(Path file) throws IOException {
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    try {
      if (pem.contains("-----BEGIN PRIVATE KEY-----")) {
        byte[] der = block(pem, "PRIVATE KEY");
        try {
          return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException notRsa) {
          return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
        }
      }
      if (pem.contains("-----BEGIN RSA PRIVATE KEY-----")) {
        byte[] pkcs8 = pkcs1ToPkcs8(block(pem, "RSA PRIVATE KEY"));
        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      }
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException(file + ": the private key cannot be read (" + e.getMessage() + ")", e);
    }
    throw new IOException(
        file
            + ": expected an unencrypted PEM key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY);"
            + " convert others with: openssl pkcs8 -topk8 -nocrypt");
  }

  private static byte[] block(String pem, String type) {
    String begin = "-----BEGIN " + type + "-----";
    int start = pem.indexOf(begin) + begin.length();
    int end = pem.indexOf("-----END " + type + "-----", start);
    if (end < 0) {
      throw new IllegalArgumentException("no END " + type + " line");
    }
    return Base64.getMimeDecoder().decode(pem.substring(start, end));
  }

  /** PrivateKeyInfo { version 0, rsaEncryption, OCTET STRING pkcs1 } (RFC 5208). */
  private static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(new byte[] {0x02, 0x01, 0x00});
    body.writeBytes(RSA_ALGORITHM);
    body.write(0x04);
    body.writeBytes(length(pkcs1.length));
    body.writeBytes(pkcs1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x30);
    out.writeBytes(length(body.size()));
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }

  private static byte[] length(int n) {
    if (n < 0x80) {
      return new byte[] {(byte) n};
    }
    if (n < 0x100) {
      return new byte[] {(byte) 0x81, (byte) n};
    }
    if (n < 0x10000) {
      return new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
    }
    return new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
  }
}
