package dev.infertrace.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.QueryStringDecoder;
import org.junit.jupiter.api.Test;

class ExchangePathTest {
  @Test
  void theFastPathAgreesWithNettysDecoder() {
    // Plain targets, queries, fragments, escapes in the path and in the query, absolute form.
    for (String uri :
        new String[] {
          "/v1/chat/completions",
          "/v1/completions?stream=true",
          "/v1/models#x",
          "/",
          "",
          "?only=query",
          "/v1/chat%2Fcompletions",
          "/a%20b?c=%41",
          "/v1/embeddings?q=%zz",
          "http://gateway:8080/v1/chat/completions?x=1",
          "/v1/a+b",
        }) {
      assertThat(Exchange.pathOf(uri)).as(uri).isEqualTo(new QueryStringDecoder(uri).path());
    }
  }
}
