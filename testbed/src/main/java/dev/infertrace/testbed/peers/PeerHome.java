package dev.infertrace.testbed.peers;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one place that knows where the installed peers are.
 *
 * <p>The peer home is {@code $INFERTRACE_PEERS}, or {@code ~/.cache/infertrace/peers} when that is
 * unset — the same rule {@code scripts/install-peers.sh} follows. Immutable and thread-safe.
 */
public final class PeerHome {
  /** Environment variable that overrides the peer home directory. */
  public static final String ENV_VAR = "INFERTRACE_PEERS";

  /** The command that installs every peer, for messages that tell people what to run. */
  public static final String INSTALL_COMMAND = "scripts/install-peers.sh";

  private static final String VERSIONS_FILE = "versions.txt";

  private final Path dir;
  private final List<Path> systemPath;

  private PeerHome(Path dir, List<Path> systemPath) {
    this.dir = dir;
    this.systemPath = List.copyOf(systemPath);
  }

  /** The peer home the environment names, with the system {@code PATH} for Debian peers. */
  public static PeerHome fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  static PeerHome fromEnvironment(Map<String, String> env) {
    String configured = env.get(ENV_VAR);
    Path dir =
        configured == null || configured.isBlank()
            ? Path.of(System.getProperty("user.home"), ".cache", "infertrace", "peers")
            : Path.of(configured);
    List<Path> searchPath = new ArrayList<>();
    String pathVar = env.getOrDefault("PATH", "");
    for (String entry : pathVar.split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        searchPath.add(Path.of(entry));
      }
    }
    // Debian puts daemons (nginx, haproxy) in /usr/sbin, which is often not on a user's PATH.
    searchPath.add(Path.of("/usr/sbin"));
    searchPath.add(Path.of("/usr/bin"));
    return new PeerHome(dir.toAbsolutePath(), searchPath);
  }

  /** A peer home at {@code dir} that searches {@code systemPath} for Debian peers. */
  public static PeerHome of(Path dir, List<Path> systemPath) {
    return new PeerHome(
        Objects.requireNonNull(dir, "dir").toAbsolutePath(),
        Objects.requireNonNull(systemPath, "systemPath"));
  }

  /** The peer home directory (it may not exist yet). */
  public Path dir() {
    return dir;
  }

  /** The peer's executable (or data file), or {@code null} when it is not installed. */
  public Path find(Peer peer) {
    return switch (peer.source()) {
      case PEER_HOME ->
          isExecutableFile(dir.resolve(peer.executable())) ? dir.resolve(peer.executable()) : null;
      case PEER_HOME_FILE ->
          Files.isRegularFile(dir.resolve(peer.executable()))
              ? dir.resolve(peer.executable())
              : null;
      case SYSTEM_PATH ->
          systemPath.stream()
              .map(entry -> entry.resolve(peer.executable()))
              .filter(PeerHome::isExecutableFile)
              .findFirst()
              .orElse(null);
    };
  }

  private static boolean isExecutableFile(Path path) {
    return Files.isExecutable(path) && !Files.isDirectory(path);
  }

  /** Why a peer is missing, naming where it was looked for and how to install it. */
  public String missingMessage(Peer peer) {
    String where =
        peer.source() != Peer.Source.SYSTEM_PATH
            ? dir.resolve(peer.executable()).toString()
            : peer.executable() + " on PATH, /usr/sbin, /usr/bin";
    return "peer "
        + peer.cliName()
        + " ("
        + peer.description()
        + ") is not installed: looked for "
        + where
        + ". Install the peers with "
        + INSTALL_COMMAND
        + " (peer home: $"
        + ENV_VAR
        + ", default ~/.cache/infertrace/peers).";
  }

  /**
   * The versions {@code install-peers.sh} recorded, peer name to version line, in file order; empty
   * when nothing was installed.
   */
  public Map<String, String> installedVersions() {
    Path file = dir.resolve(VERSIONS_FILE);
    Map<String, String> versions = new LinkedHashMap<>();
    if (!Files.isRegularFile(file)) {
      return versions;
    }
    try {
      for (String line : Files.readAllLines(file)) {
        int tab = line.indexOf('\t');
        if (tab > 0) {
          versions.put(line.substring(0, tab), line.substring(tab + 1));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return versions;
  }
}
