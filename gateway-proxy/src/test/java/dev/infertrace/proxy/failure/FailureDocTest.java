package dev.infertrace.proxy.failure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The table of failures in src/docs/configuration.md says what {@link ProxyFailure} does. */
class FailureDocTest {
  @Test
  void everyFailureKindIsARowWithItsStatusTypeAndKind() throws Exception {
    List<String> rows =
        Files.readAllLines(Path.of("../src/docs/configuration.md")).stream()
            .filter(l -> l.startsWith("| ") && l.split("\\|").length == 5)
            .toList();
    for (ProxyFailure f : ProxyFailure.values()) {
      String type = f == ProxyFailure.EPP_FAILED ? "epp_<grpc code>" : f.errorType();
      // The response has started when these happen: the client's connection is closed instead.
      String status =
          f == ProxyFailure.UPSTREAM_RESET || f == ProxyFailure.STREAM_IDLE_TIMEOUT
              ? "(closed)"
              : Integer.toString(f.status());
      assertThat(rows)
          .as(f.name())
          .anySatisfy(
              row -> {
                String[] cells = row.split("\\|");
                assertThat(cells[1]).contains(status);
                assertThat(cells[2].strip()).isEqualTo("`" + type + "`");
                assertThat(cells[3].strip()).isEqualTo("`" + f.metricLabel() + "`");
              });
    }
  }
}
