package dev.infertrace.testbed.junit;

import dev.infertrace.testbed.peers.Peer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One running peer: its log, readiness checks, and a bounded lifetime.
 *
 * <p>A process is killed when {@link #close()} is called, when its maximum lifetime is over, or
 * when the test JVM exits — whichever comes first — so no peer outlives the build.
 */
public final class PeerProcess implements AutoCloseable {
  private static final ScheduledExecutorService reaper =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "peer-reaper");
            thread.setDaemon(true);
            return thread;
          });

  private final Peer peer;
  private final Process process;
  private final Path log;
  private final ScheduledFuture<?> lifetimeKill;
  private final Thread shutdownHook;

  private PeerProcess(Peer peer, Process process, Path log, Duration maxLifetime) {
    this.peer = peer;
    this.process = process;
    this.log = log;
    this.lifetimeKill = reaper.schedule(this::kill, maxLifetime.toMillis(), TimeUnit.MILLISECONDS);
    this.shutdownHook = new Thread(this::kill, "peer-shutdown-" + peer.cliName());
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  static PeerProcess start(
      Peer peer,
      List<String> command,
      Map<String, String> env,
      Path workDir,
      Path log,
      Duration maxLifetime) {
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().putAll(env);
    try {
      Files.writeString(log.resolveSibling(log.getFileName() + ".cmd"), String.join(" ", command));
      return new PeerProcess(peer, builder.start(), log, maxLifetime);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + peer.cliName() + ": " + command, e);
    }
  }

  public Peer peer() {
    return peer;
  }

  /** The file that receives the peer's stdout and stderr. */
  public Path log() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits for a peer that runs to completion (a client, a validator) and returns its exit status. A
   * peer still running after {@code timeout} is killed and reported.
   */
  public int waitFor(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill();
        throw new IllegalStateException(
            peer.cliName()
                + " still running after "
                + timeout
                + "; log "
                + log
                + ":\n"
                + logTail(30));
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for " + peer.cliName(), e);
    }
  }

  /** Waits until {@code port} on 127.0.0.1 accepts connections; fails early if the peer dies. */
  public PeerProcess awaitPort(int port, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return this;
      } catch (IOException notYet) {
        checkStillWaiting(deadline, "port " + port + " to accept connections", timeout);
      }
    }
  }

  /** Waits until a GET of {@code uri} answers 2xx; fails early if the peer dies. */
  public PeerProcess awaitHttpOk(URI uri, Duration timeout) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        HttpResponse<Void> response =
            client.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build(),
                HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() / 100 == 2) {
          return this;
        }
      } catch (IOException notYet) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for " + uri, e);
      }
      checkStillWaiting(deadline, "GET " + uri + " to answer 2xx", timeout);
    }
  }

  private void checkStillWaiting(long deadline, String what, Duration timeout) {
    if (!process.isAlive()) {
      throw new IllegalStateException(
          peer.cliName()
              + " exited with status "
              + process.exitValue()
              + " while waiting for "
              + what
              + "; log "
              + log
              + ":\n"
              + logTail(30));
    }
    if (System.nanoTime() > deadline) {
      throw new IllegalStateException(
          peer.cliName()
              + ": no "
              + what
              + " within "
              + timeout
              + "; log "
              + log
              + ":\n"
              + logTail(30));
    }
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for " + what, e);
    }
  }

  /** The last {@code lines} lines of the log. */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /**
   * Kills the peer at once (SIGKILL: no shutdown, no flush), as a crash or an OOM kill would, and
   * waits for it to be gone.
   */
  public void crash() {
    lifetimeKill.cancel(false);
    try {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Asks the peer to stop (SIGTERM), then kills it if it has not stopped within 5 s. */
  @Override
  public void close() {
    lifetimeKill.cancel(false);
    kill();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or about to: nothing left to remove
    }
  }

  private void kill() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
