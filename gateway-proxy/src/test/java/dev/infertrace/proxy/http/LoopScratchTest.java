package dev.infertrace.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LoopScratchTest {
  @Test
  void theCopyBufferIsOnePerThread() throws Exception {
    byte[] mine = LoopScratch.get();
    assertThat(LoopScratch.get()).isSameAs(mine);
    byte[][] theirs = new byte[1][];
    Thread t = new Thread(() -> theirs[0] = LoopScratch.get());
    t.start();
    t.join();
    assertThat(theirs[0]).isNotNull().isNotSameAs(mine);
  }
}
