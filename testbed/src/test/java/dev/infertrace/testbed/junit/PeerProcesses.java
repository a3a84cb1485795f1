package dev.infertrace.testbed.junit;

import dev.infertrace.testbed.peers.Peer;
import dev.infertrace.testbed.peers.PeerHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Starts peers for one test and stops them when it ends. Injected into test methods of a class
 * annotated with {@link RequiresPeers}. Not thread-safe: one test uses it.
 */
public final class PeerProcesses {
  private final PeerHome home;
  private final Path logDir;
  private final Path workDir;
  private final Duration maxLifetime;
  private final List<PeerProcess> started = new ArrayList<>();

  PeerProcesses(PeerHome home, Path logDir, Path workDir, Duration maxLifetime) {
    this.home = home;
    this.logDir = logDir;
    this.workDir = workDir;
    this.maxLifetime = maxLifetime;
  }

  /** A scratch directory for this test (configs, data files); kept when the test fails. */
  public Path workDir() {
    return workDir;
  }

  /** The installed executable of a peer (present: the class-level check guarantees it). */
  public Path executable(Peer peer) {
    Path path = home.find(peer);
    if (path == null) {
      throw new IllegalStateException(home.missingMessage(peer));
    }
    return path;
  }

  /** Starts {@code peer} with {@code args}, its output going to a log file. */
  public PeerProcess start(Peer peer, List<String> args) {
    return start(peer, args, Map.of());
  }

  /** Starts {@code peer} with {@code args} and extra environment variables. */
  public PeerProcess start(Peer peer, List<String> args, Map<String, String> env) {
    List<String> command = new ArrayList<>();
    command.add(executable(peer).toString());
    command.addAll(args);
    Path log = logDir.resolve(peer.cliName() + "-" + (started.size() + 1) + ".log");
    PeerProcess process = PeerProcess.start(peer, command, env, workDir, log, maxLifetime);
    started.add(process);
    return process;
  }

  /**
   * Stops every process this test started. On success the logs and scratch files are deleted; on
   * failure they stay under {@code target/} and the end of each log is printed.
   */
  void finish(boolean failed) {
    for (PeerProcess process : started) {
      process.close();
    }
    if (failed) {
      for (PeerProcess process : started) {
        System.err.printf(
            "--- %s log kept at %s; last lines:%n%s%n",
            process.peer().cliName(), process.log(), process.logTail(40));
      }
    } else {
      deleteTree(logDir);
      deleteTree(workDir);
    }
    started.clear();
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }
}
