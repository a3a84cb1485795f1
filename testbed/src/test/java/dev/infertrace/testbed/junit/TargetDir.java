package dev.infertrace.testbed.junit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The build output directory of the module under test, and the repository root above it. */
public final class TargetDir {
  private TargetDir() {}

  /** {@code target/<parts...>} of the module whose tests run (Maven runs them in its basedir). */
  public static Path resolve(String... parts) {
    Path path = Path.of(System.getProperty("user.dir"), "target");
    for (String part : parts) {
      path = path.resolve(part);
    }
    try {
      return Files.createDirectories(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + path, e);
    }
  }

  /** The repository root: the nearest directory at or above the working directory with a .mvn/. */
  public static Path repoRoot() {
    for (Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        dir != null;
        dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve(".mvn"))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "no repository root (a directory with .mvn/) above " + System.getProperty("user.dir"));
  }
}
