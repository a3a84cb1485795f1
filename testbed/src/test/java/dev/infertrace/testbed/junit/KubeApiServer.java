package dev.infertrace.testbed.junit;

import dev.infertrace.testbed.peers.Peer;
import dev.infertrace.testbed.peers.PeerHome;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real Kubernetes control plane on loopback for one test class: etcd, kube-apiserver (static
 * token file, RBAC, a self-signed serving certificate) and, when asked, kube-controller-manager
 * with the Deployment, ReplicaSet and ServiceAccount controllers — so a Deployment really becomes a
 * ReplicaSet and Pods, created through admission. There is no kubelet and no scheduler: pods are
 * stored, never run.
 *
 * <p>Every port is a free 127.0.0.1 port, every file is under {@code workDir}, and {@link #close()}
 * stops the processes (they are killed after 15 minutes, or when the JVM exits, whatever happens).
 * The peers' logs stay under {@code logDir}.
 */
public final class KubeApiServer implements AutoCloseable {
  /** How long the control plane of one test class may live. */
  private static final Duration LIFETIME = Duration.ofMinutes(15);

  private final Path dir;
  private final URI server;
  private final String token;
  private final byte[] caPem;
  private final Path kubeconfig;
  private final List<PeerProcess> processes;
  private final KubernetesClient client;

  private KubeApiServer(
      Path dir,
      URI server,
      String token,
      byte[] caPem,
      Path kubeconfig,
      List<PeerProcess> processes,
      KubernetesClient client) {
    this.dir = dir;
    this.server = server;
    this.token = token;
    this.caPem = caPem;
    this.kubeconfig = kubeconfig;
    this.processes = processes;
    this.client = client;
  }

  /**
   * Starts etcd and kube-apiserver (and kube-controller-manager when {@code controllerManager}),
   * ready to answer: {@code /readyz} passes and the {@code default} namespace exists.
   */
  public static KubeApiServer start(Class<?> testClass, boolean controllerManager)
      throws Exception {
    PeerHome home = PeerHome.fromEnvironment();
    Path dir = TargetDir.resolve("peer-work", testClass.getSimpleName(), "kube");
    Path logs = TargetDir.resolve("peer-logs", testClass.getSimpleName(), "kube");
    deleteTree(dir);
    Files.createDirectories(dir);
    Files.createDirectories(logs);
    List<PeerProcess> processes = new ArrayList<>();
    try {
      int etcdClient = FreePorts.next();
      int etcdPeer = FreePorts.next();
      String etcdUrl = "http://127.0.0.1:" + etcdClient;
      String peerUrl = "http://127.0.0.1:" + etcdPeer;
      PeerProcess etcd =
          PeerProcess.start(
              Peer.ETCD,
              List.of(
                  executable(home, Peer.ETCD),
                  "--name=it",
                  "--data-dir=" + dir.resolve("etcd"),
                  "--listen-client-urls=" + etcdUrl,
                  "--advertise-client-urls=" + etcdUrl,
                  "--listen-peer-urls=" + peerUrl,
                  "--initial-advertise-peer-urls=" + peerUrl,
                  "--initial-cluster=it=" + peerUrl,
                  "--unsafe-no-fsync", // a test's data need not survive a power cut
                  "--log-level=warn"),
              Map.of(),
              dir,
              logs.resolve("etcd.log"),
              LIFETIME);
      processes.add(etcd);
      etcd.awaitHttpOk(URI.create(etcdUrl + "/health"), Duration.ofSeconds(60));

      String token = UUID.randomUUID().toString();
      Path tokens = dir.resolve("tokens.csv");
      Files.writeString(tokens, token + ",infertrace-it-admin,admin-uid,\"system:masters\"\n");
      Path saKey = dir.resolve("service-account.key");
      KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
      rsa.initialize(2048);
      KeyPair pair = rsa.generateKeyPair();
      Files.writeString(saKey, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
      Path certDir = dir.resolve("pki");
      int port = FreePorts.next();
      PeerProcess apiserver =
          PeerProcess.start(
              Peer.KUBE_APISERVER,
              List.of(
                  executable(home, Peer.KUBE_APISERVER),
                  "--etcd-servers=" + etcdUrl,
                  "--bind-address=127.0.0.1",
                  "--advertise-address=127.0.0.1",
                  "--secure-port=" + port,
                  "--cert-dir=" + certDir,
                  "--token-auth-file=" + tokens,
                  "--authorization-mode=RBAC",
                  "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                  "--service-account-key-file=" + saKey,
                  "--service-account-signing-key-file=" + saKey,
                  "--service-cluster-ip-range=10.96.0.0/16",
                  // The kubernetes Service's endpoint would be the loopback address: not allowed.
                  "--endpoint-reconciler-type=none",
                  "--allow-privileged=true"),
              Map.of(),
              dir,
              logs.resolve("kube-apiserver.log"),
              LIFETIME);
      processes.add(apiserver);
      URI server = URI.create("https://127.0.0.1:" + port);
      // The self-signed serving certificate is written at start; it holds the CA after the leaf.
      Path cert = certDir.resolve("apiserver.crt");
      apiserver.awaitPort(port, Duration.ofSeconds(120));
      byte[] caPem = Files.readAllBytes(cert);
      awaitReady(apiserver, server, token, caPem);

      Path kubeconfig = dir.resolve("kubeconfig");
      Files.writeString(kubeconfig, kubeconfig(server, token, caPem));
      if (controllerManager) {
        processes.add(
            PeerProcess.start(
                Peer.KUBE_CONTROLLER_MANAGER,
                List.of(
                    executable(home, Peer.KUBE_CONTROLLER_MANAGER),
                    "--kubeconfig=" + kubeconfig,
                    "--controllers=deployment-controller,replicaset-controller,"
                        + "serviceaccount-controller",
                    "--leader-elect=false",
                    "--secure-port=0",
                    "--use-service-account-credentials=false"),
                Map.of(),
                dir,
                logs.resolve("kube-controller-manager.log"),
                LIFETIME));
      }
      KubernetesClient client =
          new KubernetesClientBuilder()
              .withConfig(
                  new ConfigBuilder(Config.empty())
                      .withMasterUrl(server.toString())
                      .withOauthToken(token)
                      .withCaCertData(Base64.getEncoder().encodeToString(caPem))
                      .withRequestTimeout(30_000)
                      .build())
              .build();
      KubeApiServer kube =
          new KubeApiServer(dir, server, token, caPem, kubeconfig, processes, client);
      kube.awaitNamespace("default");
      return kube;
    } catch (Exception | Error e) {
      processes.forEach(PeerProcess::close);
      for (PeerProcess p : processes) {
        System.err.printf("--- %s log %s:%n%s%n", p.peer().cliName(), p.log(), p.logTail(40));
      }
      throw e;
    }
  }

  /**
   * Waits until the CRD {@code name} is Established: until then the API server does not serve its
   * kind (a freshly created CRD has no status conditions at all for a moment).
   */
  public void awaitCrdEstablished(String name) {
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(name)
        .waitUntilCondition(
            c ->
                c != null
                    && c.getStatus() != null
                    && c.getStatus().getConditions() != null
                    && c.getStatus().getConditions().stream()
                        .anyMatch(
                            k -> "Established".equals(k.getType()) && "True".equals(k.getStatus())),
            60,
            java.util.concurrent.TimeUnit.SECONDS);
  }

  /** A client of the API server, as a member of {@code system:masters}. */
  public KubernetesClient client() {
    return client;
  }

  /** {@code https://127.0.0.1:PORT}. */
  public URI server() {
    return server;
  }

  /** The bearer token of a member of {@code system:masters}. */
  public String token() {
    return token;
  }

  /** A kubeconfig file for the API server (for Helm, kubectl). */
  public Path kubeconfig() {
    return kubeconfig;
  }

  /** A TLS context that trusts the API server's certificate (for plain HTTP calls). */
  public SSLContext tls() throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    int i = 0;
    for (Certificate c :
        CertificateFactory.getInstance("X.509")
            .generateCertificates(new ByteArrayInputStream(caPem))) {
      trust.setCertificateEntry("ca" + i++, c);
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  /**
   * Creates the namespace (with {@code labels}) and its {@code default} ServiceAccount, which the
   * ServiceAccount admission plugin asks of every pod, unless they exist.
   */
  public void namespace(String name, Map<String, String> labels) {
    if (client.namespaces().withName(name).get() == null) {
      client
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(name)
                  .withLabels(labels)
                  .endMetadata()
                  .build())
          .create();
    }
    try {
      client
          .serviceAccounts()
          .inNamespace(name)
          .resource(
              new ServiceAccountBuilder()
                  .withNewMetadata()
                  .withName("default")
                  .endMetadata()
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) { // the controller manager's ServiceAccount controller was first
        throw e;
      }
    }
  }

  private void awaitNamespace(String name) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (client.namespaces().withName(name).get() == null) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("kube-apiserver: no namespace " + name + " after 60 s");
      }
      Thread.sleep(100);
    }
  }

  private static void awaitReady(PeerProcess apiserver, URI server, String token, byte[] caPem)
      throws Exception {
    KubeApiServer probe = new KubeApiServer(null, server, token, caPem, null, List.of(), null);
    HttpClient http =
        HttpClient.newBuilder()
            .sslContext(probe.tls())
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      if (!apiserver.isAlive()) {
        throw new IllegalStateException(
            "kube-apiserver exited; log " + apiserver.log() + ":\n" + apiserver.logTail(40));
      }
      try {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(server.resolve("/readyz?verbose"))
                    .header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
        last = response.body();
      } catch (IOException notYet) {
        last = notYet.toString();
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(
        "kube-apiserver: /readyz did not pass within 120 s: "
            + last
            + "\n"
            + apiserver.logTail(40));
  }

  private static String kubeconfig(URI server, String token, byte[] caPem) {
    return String.join(
        "\n",
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: it",
        "  cluster:",
        "    server: " + server,
        "    certificate-authority-data: " + Base64.getEncoder().encodeToString(caPem),
        "users:",
        "- name: it-admin",
        "  user:",
        "    token: " + token,
        "contexts:",
        "- name: it",
        "  context: {cluster: it, user: it-admin, namespace: default}",
        "current-context: it",
        "");
  }

  private static String executable(PeerHome home, Peer peer) {
    Path path = home.find(peer);
    if (path == null) {
      throw new IllegalStateException(home.missingMessage(peer));
    }
    return path.toString();
  }

  /** PEM text of {@code der} under {@code type}, e.g. {@code PRIVATE KEY}. */
  public static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  /** Stops the controller manager, the API server and etcd (in that order); keeps the logs. */
  @Override
  public void close() {
    if (client != null) {
      client.close();
    }
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).close();
    }
    if (dir != null) {
      try {
        deleteTree(dir);
      } catch (IOException e) {
        System.err.println("KubeApiServer: cannot delete " + dir + ": " + e);
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
