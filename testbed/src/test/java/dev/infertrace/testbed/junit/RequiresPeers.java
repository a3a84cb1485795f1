package dev.infertrace.testbed.junit;

import dev.infertrace.testbed.peers.Peer;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that runs against real peers.
 *
 * <p>When a listed peer is not installed the class is skipped with a message naming the install
 * command — except under {@code CI=true}, where a missing peer fails every test of the class. Test
 * methods may take a {@link PeerProcesses} parameter to start peers on loopback; whatever they
 * start is stopped when the test ends, and its log is kept under {@code target/peer-logs/} when the
 * test fails.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(PeerExtension.class)
@Tag("peer")
public @interface RequiresPeers {
  /** The peers every test of the class needs. */
  Peer[] value();
}
