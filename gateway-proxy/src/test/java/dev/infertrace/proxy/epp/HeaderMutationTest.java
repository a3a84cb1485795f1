package dev.infertrace.proxy.epp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An EPP's header mutation that is not valid HTTP/1.1 is skipped, not thrown. */
class HeaderMutationTest {
  private static HeaderValueOption set(String key, String value) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(key).setRawValue(ByteString.copyFromUtf8(value)))
        .build();
  }

  @Test
  void invalidNamesAndValuesAreSkippedAndTheRestApplied() {
    HttpHeaders h = new DefaultHttpHeaders();
    h.set("x-old", "1");

    ExtProcStream.applyMutation(
        h,
        List.of(set("bad name", "v"), set("x-split", "a\r\nb"), set("x-good", "yes")),
        List.of("x-old", ""));

    assertThat(h.names()).containsExactly("x-good");
    assertThat(h.get("x-good")).isEqualTo("yes");
  }
}
