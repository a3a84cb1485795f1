package dev.infertrace.testbed.soak;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples the soak process's own resources — the whole stack runs in it: resident set size and open
 * file descriptors (from {@code /proc/self}, -1 where there is none) every call to {@link #sample},
 * the heap in use right after a full collection every {@link #heapEvery} calls. Single-threaded
 * use.
 */
final class ResourceSampler {
  private final long startNanos;
  private final int heapEvery;
  private final List<Slope.Point> rss = new ArrayList<>();
  private final List<Slope.Point> fds = new ArrayList<>();
  private final List<Slope.Point> heap = new ArrayList<>();
  private int calls;

  ResourceSampler(long startNanos, int heapEvery) {
    this.startNanos = startNanos;
    this.heapEvery = heapEvery;
  }

  /** Takes one sample (and a heap sample, after {@link System#gc()}, every n-th call). */
  void sample() {
    sample(false);
  }

  /** As above, with a heap sample also when {@code heapToo} (the last sample of a run). */
  void sample(boolean heapToo) {
    double t = (System.nanoTime() - startNanos) / 1e9;
    long r = rssBytes();
    if (r >= 0) {
      rss.add(new Slope.Point(t, r));
    }
    long f = openFds();
    if (f >= 0) {
      fds.add(new Slope.Point(t, f));
    }
    if (calls++ % heapEvery == 0 || heapToo) {
      heap.add(new Slope.Point(t, heapAfterGc()));
    }
  }

  List<Slope.Point> rss() {
    return rss;
  }

  List<Slope.Point> fds() {
    return fds;
  }

  List<Slope.Point> heap() {
    return heap;
  }

  /** Heap in use after a full collection, bytes. */
  static long heapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** {@code VmRSS} of {@code /proc/self/status}, bytes; -1 without it. */
  static long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          String kb = line.substring(6).trim().split("\\s+")[0];
          return Long.parseLong(kb) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** Entries of {@code /proc/self/fd}; -1 without it. */
  static long openFds() {
    long n = 0;
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path ignored : dir) {
        n++;
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return n;
  }
}
