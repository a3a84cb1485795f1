package dev.infertrace.testbed.sim.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * A client that resets its connection to the twin (the proxy cancelling a stream) closes it
 * quietly: no "reached the tail of the pipeline" stack trace in the demo's output.
 */
class QuietResetTest {
  @Test
  void aResetClosesTheConnectionWithoutReachingTheTailOfThePipeline() {
    EmbeddedChannel ch = new EmbeddedChannel(new DcgmHttpHandler(null), QuietReset.INSTANCE);

    ch.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));

    ch.checkException(); // throws what reached the tail
    assertThat(ch.isOpen()).isFalse();
  }
}
