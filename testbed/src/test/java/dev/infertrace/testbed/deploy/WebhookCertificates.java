package dev.infertrace.testbed.deploy;

import dev.infertrace.testbed.junit.KubeApiServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A CA and a certificate for 127.0.0.1 that it signed (for serving and, OtlpExportTlsTest, as a
 * client identity), made with the JDK's keytool: what a webhook on loopback serves and what its
 * configuration's caBundle trusts.
 *
 * @param caPem the CA certificate (the caBundle)
 * @param cert the serving certificate, PEM
 * @param key its private key, PKCS#8 PEM
 */
record WebhookCertificates(byte[] caPem, Path cert, Path key) {
  private static final String PASS = "changeit";

  static WebhookCertificates create(Path dir) throws Exception {
    Files.createDirectories(dir);
    Path ca = dir.resolve("ca.p12");
    Path server = dir.resolve("server.p12");
    Path csr = dir.resolve("server.csr");
    Path cert = dir.resolve("server.crt");
    Path caCert = dir.resolve("ca.crt");
    Path key = dir.resolve("server.key");
    for (Path stale : List.of(ca, server, csr, cert, caCert, key)) {
      Files.deleteIfExists(stale); // keytool adds to a keystore that exists
    }
    keytool(
        "-genkeypair",
        "-alias",
        "ca",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        "CN=infertrace-it-ca",
        "-ext",
        "bc:c",
        "-validity",
        "2",
        "-keystore",
        ca.toString());
    keytool(
        "-genkeypair",
        "-alias",
        "server",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        "CN=127.0.0.1",
        "-validity",
        "2",
        "-keystore",
        server.toString());
    keytool(
        "-certreq", "-alias", "server", "-keystore", server.toString(), "-file", csr.toString());
    keytool(
        "-gencert",
        "-alias",
        "ca",
        "-keystore",
        ca.toString(),
        "-infile",
        csr.toString(),
        "-outfile",
        cert.toString(),
        "-ext",
        "san=ip:127.0.0.1",
        "-ext",
        "eku=serverAuth,clientAuth",
        "-rfc",
        "-validity",
        "2");
    keytool(
        "-exportcert",
        "-alias",
        "ca",
        "-keystore",
        ca.toString(),
        "-rfc",
        "-file",
        caCert.toString());
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(server)) {
      store.load(in, PASS.toCharArray());
    }
    PrivateKey privateKey = (PrivateKey) store.getKey("server", PASS.toCharArray());
    Files.writeString(key, KubeApiServer.pem("PRIVATE KEY", privateKey.getEncoded()));
    return new WebhookCertificates(Files.readAllBytes(caCert), cert, key);
  }

  /** A server-side TLS context that serves the certificate (for a webhook written in the test). */
  SSLContext serverContext() throws Exception {
    KeyStore source = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(cert.resolveSibling("server.p12"))) {
      source.load(in, PASS.toCharArray());
    }
    PrivateKey privateKey = (PrivateKey) source.getKey("server", PASS.toCharArray());
    List<Certificate> chain = new ArrayList<>();
    chain.addAll(
        CertificateFactory.getInstance("X.509")
            .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(cert))));
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("server", privateKey, PASS.toCharArray(), chain.toArray(Certificate[]::new));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, PASS.toCharArray());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    return context;
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASS, "-noprompt"));
    if (List.of(args).contains("-genkeypair")) {
      command.addAll(List.of("-keypass", PASS));
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("keytool failed: " + command + "\n" + out);
    }
  }
}
