package dev.infertrace.testbed.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU time and peak memory of a process and its descendants, from {@code /proc} (Linux): utime +
 * stime in clock ticks ({@code CLK_TCK}, 100 on Linux), {@code VmHWM} in kB. The peak can be reset
 * ({@code /proc/<pid>/clear_refs}, Linux 4.0+), so that it is the peak of one scenario.
 */
final class ProcTree {
  private static final double TICK_MICROS = 1_000_000.0 / 100;

  private ProcTree() {}

  private static List<Long> pids(long root) {
    List<Long> out = new ArrayList<>();
    out.add(root);
    ProcessHandle.of(root).ifPresent(h -> h.descendants().forEach(d -> out.add(d.pid())));
    return out;
  }

  /** CPU time (user + system) of the tree so far, in microseconds. */
  static double cpuMicros(long root) {
    double total = 0;
    for (long pid : pids(root)) {
      try {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        total += (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_MICROS; // fields 14, 15
      } catch (IOException | RuntimeException gone) {
        // a process that ended between listing and reading
      }
    }
    return total;
  }

  /**
   * CPU time (user + system) so far of the JIT compiler threads of one JVM ({@code C1/C2
   * CompilerThread*}), in microseconds; 0 for a process that is not a HotSpot JVM.
   */
  static double jitCpuMicros(long pid) {
    double total = 0;
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          if (!Files.readString(task.resolve("comm")).strip().matches("C\\d CompilerThre.*")) {
            continue;
          }
          String stat = Files.readString(task.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          total += (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_MICROS;
        } catch (IOException | RuntimeException gone) {
          // a thread that ended between listing and reading
        }
      }
    } catch (IOException | RuntimeException gone) {
      // the process ended
    }
    return total;
  }

  /** Sum over the tree of each process's peak resident set, in MB. */
  static double peakRssMb(long root) {
    double kb = 0;
    for (long pid : pids(root)) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
          if (line.startsWith("VmHWM:")) {
            kb += Long.parseLong(line.replaceAll("[^0-9]", ""));
          }
        }
      } catch (IOException | RuntimeException gone) {
        // ended
      }
    }
    return kb / 1024;
  }

  /**
   * Resets each process's peak resident set to its resident set now ({@code 5} written to {@code
   * /proc/<pid>/clear_refs}), so that {@link #peakRssMb} is the peak from here on; false when a
   * process refused it (then the peak stays that of its whole life).
   */
  static boolean resetPeakRss(long root) {
    boolean all = true;
    for (long pid : pids(root)) {
      try {
        Files.writeString(Path.of("/proc/" + pid + "/clear_refs"), "5");
      } catch (IOException | RuntimeException refused) {
        all = false;
      }
    }
    return all;
  }
}
