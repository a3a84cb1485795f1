package dev.infertrace.proxy.epp;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Status;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.opentelemetry.api.OpenTelemetry;

/**
 * The ext_proc messages as the proxy decodes them — the interposer's route observer on any bytes of
 * the stream both ways, and the gateway applying any header mutation an EPP answers with to the
 * upstream request. Nothing throws. See src/docs/fuzzing.md for the long run.
 */
class ExtProcFuzzTest {
  @FuzzTest(maxDuration = "5s")
  void anyExtProcStream(FuzzedDataProvider data) {
    RouteObserver route =
        new RouteObserver(OpenTelemetry.noop(), OpenTelemetry.noop().getTracer("fuzz"), null);
    int messages = data.consumeInt(0, 6);
    for (int i = 0; i < messages; i++) {
      byte[] message = data.consumeBytes(data.consumeInt(0, 512));
      if (data.consumeBoolean()) {
        route.onRequest(message);
      } else {
        route.onResponse(message);
        gatewayApplies(message);
      }
    }
    route.onClose(data.consumeBoolean() ? null : Status.fromCodeValue(data.consumeInt(0, 16)));
  }

  /** The gateway's side: the EPP's header mutation on the request it sends upstream. */
  private static void gatewayApplies(byte[] message) {
    ProcessingResponse r;
    try {
      r = ProcessingResponse.parseFrom(message);
    } catch (InvalidProtocolBufferException e) {
      return; // gRPC fails the stream: the failure policy applies
    }
    CommonResponse common =
        r.hasRequestHeaders()
            ? r.getRequestHeaders().getResponse()
            : r.getRequestBody().getResponse();
    ExtProcStream.applyMutation(
        new DefaultHttpHeaders(),
        common.getHeaderMutation().getSetHeadersList(),
        common.getHeaderMutation().getRemoveHeadersList());
  }
}
