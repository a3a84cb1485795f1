package dev.infertrace.testbed.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The soak's faults on a twin: its DCGM exporter killed and back, the twin restarted in place. */
class SimRestartTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static int get(String url) throws IOException, InterruptedException {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  @Test
  void theDcgmExporterGoesDownAndComesBackOnItsPortWhileTheApiServes() throws Exception {
    try (Sim sim = Sim.start(SimConfig.loopback("m"))) {
      String dcgm = "http://127.0.0.1:" + sim.dcgmAddress().getPort() + "/metrics";
      assertThat(get(dcgm)).isEqualTo(200);

      sim.stopDcgm();
      assertThatThrownBy(() -> get(dcgm)).isInstanceOf(IOException.class);
      assertThat(get(sim.baseUrl() + "/health")).isEqualTo(200);

      sim.startDcgm();
      assertThat(get(dcgm)).isEqualTo(200);
    }
  }

  @Test
  void aTwinRestartedWithItsListenersServesOnTheSamePorts() throws Exception {
    SimConfig config;
    String api;
    try (Sim first = Sim.start(SimConfig.loopback("m"))) {
      config = first.config().withListeners(first.apiAddress(), first.dcgmAddress());
      api = first.baseUrl();
    }
    try (Sim again = Sim.start(config)) {
      assertThat(again.baseUrl()).isEqualTo(api);
      assertThat(get(api + "/health")).isEqualTo(200);
    }
  }
}
