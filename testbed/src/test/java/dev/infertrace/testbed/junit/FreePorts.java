package dev.infertrace.testbed.junit;

import dev.infertrace.testbed.peers.LoopbackPorts;

/**
 * Free TCP ports on 127.0.0.1 for the tests' child processes, never the same one twice in this JVM,
 * and never from the kernel's ephemeral range (see {@link LoopbackPorts}).
 */
public final class FreePorts {
  private FreePorts() {}

  /** A port that was free on 127.0.0.1 a moment ago. */
  public static int next() {
    return LoopbackPorts.next();
  }
}
