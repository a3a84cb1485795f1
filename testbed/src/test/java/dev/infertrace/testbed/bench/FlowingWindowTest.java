package dev.infertrace.testbed.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FlowingWindowTest {
  private static final long SELF = ProcessHandle.current().pid();

  /** Burns {@code millis} of this thread's CPU, so the process's own counter moves. */
  private static long spin(long millis) {
    var threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long end = threads.getCurrentThreadCpuTime() + millis * 1_000_000L;
    long x = 0;
    while (threads.getCurrentThreadCpuTime() < end) {
      x += x * 31 + 7;
    }
    return x;
  }

  @Test
  void countsOnlyTheReportsFromOneSecondToOneSecondBeforeTheEnd() {
    BenchCommand.FlowingWindow w = new BenchCommand.FlowingWindow(SELF, 4);
    // tried: a report before 1 s (the streams opening) and one after 3 s (their ends) carry
    // frames that must not count
    w.onProgress(Duration.ofMillis(500), 5_000_000);
    w.onProgress(Duration.ofMillis(1_001), 100);
    spin(200);
    w.onProgress(Duration.ofMillis(2_000), 150);
    spin(200);
    w.onProgress(Duration.ofMillis(3_000), 300);
    w.onProgress(Duration.ofMillis(4_000), 5_000_000);
    double perChunk = w.cpuPerChunk();
    // 400 ms of this thread's CPU (and whatever the JVM's other threads did) over 200 frames: at
    // least 2,000 µs each, less the counter's 10 ms ticks
    assertThat(perChunk).isBetween(1_850.0, 10_000.0);
  }

  @Test
  void aScenarioTooShortForTheWindowHasNoFigure() {
    BenchCommand.FlowingWindow oneSecond = new BenchCommand.FlowingWindow(SELF, 1);
    oneSecond.onProgress(Duration.ofMillis(1_000), 10);
    oneSecond.onProgress(Duration.ofMillis(1_050), 20);
    assertThat(oneSecond.cpuPerChunk()).isNaN();

    BenchCommand.FlowingWindow oneReport = new BenchCommand.FlowingWindow(SELF, 4);
    oneReport.onProgress(Duration.ofMillis(1_500), 10);
    assertThat(oneReport.cpuPerChunk()).isNaN();

    BenchCommand.FlowingWindow noFrames = new BenchCommand.FlowingWindow(SELF, 4);
    noFrames.onProgress(Duration.ofMillis(1_000), 10);
    noFrames.onProgress(Duration.ofMillis(3_000), 10);
    assertThat(noFrames.cpuPerChunk()).isNaN();

    BenchCommand.FlowingWindow noProcess = new BenchCommand.FlowingWindow(0, 4);
    noProcess.onProgress(Duration.ofMillis(1_000), 10);
    noProcess.onProgress(Duration.ofMillis(3_000), 20);
    assertThat(noProcess.cpuPerChunk()).isNaN();
  }
}
