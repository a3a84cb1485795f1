package dev.infertrace.testbed.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The bench's peak resident set can be the peak of one scenario: a process that touched 200 MB and
 * gave it back has a peak of over 200 MB for its whole life, and after the reset a peak of what it
 * holds now.
 */
class ProcTreeTest {
  @Test
  void thePeakAfterAResetIsThePeakFromThereOn() throws Exception {
    Process p =
        new ProcessBuilder(
                "python3",
                "-c",
                "import sys, time\n"
                    + "b = b'x' * 200_000_000\n"
                    + "del b\n"
                    + "print('freed', flush=True)\n"
                    + "sys.stdin.read()\n")
            .redirectErrorStream(true)
            .start();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).isEqualTo("freed");
      double life = ProcTree.peakRssMb(p.pid());
      assertThat(life).as("peak of its whole life, MB").isGreaterThan(190);

      assertThat(ProcTree.resetPeakRss(p.pid())).isTrue();

      double now = ProcTree.peakRssMb(p.pid());
      assertThat(now).as("peak since the reset, MB").isLessThan(100).isPositive();
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void aProcessThatIsGoneRefusesTheReset() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    assertThat(ProcTree.resetPeakRss(p.pid())).isFalse();
  }
}
