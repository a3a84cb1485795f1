package dev.infertrace.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.core.openai.OpenAiRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The request body held until an upstream can take it. */
class RequestBodyTest {
  private static ByteBuf bytes(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
  }

  @Test
  void gathersPartsWithoutCopyingAndSniffsOnlyWhenWhole() {
    RequestBody body = new RequestBody(ByteBufAllocator.DEFAULT);
    ByteBuf first = bytes("{\"model\":\"m1\",\"stream\":true,");
    ByteBuf second = bytes("\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    body.add(first);
    first.release(); // the caller's reference; the body holds its own
    assertThat(body.sniff("chat")).as("not whole yet").isNull();
    body.add(second);
    second.release();
    body.markComplete();

    OpenAiRequest r = body.sniff("chat");
    assertThat(r).isNotNull();
    assertThat(r.model()).isEqualTo("m1");
    assertThat(r.stream()).isTrue();
    assertThat(body.sniff(null)).as("not an LLM path").isNull();
    ByteBuf taken = body.take();
    assertThat(taken.toString(StandardCharsets.UTF_8)).startsWith("{\"model\"").endsWith("]}");
    assertThat(body.size()).isZero();
    taken.release();
    assertThat(first.refCnt()).isZero();
    assertThat(second.refCnt()).isZero();
  }

  @Test
  void replacingTheBodyReleasesWhatWasHeld() {
    RequestBody body = new RequestBody(ByteBufAllocator.DEFAULT);
    ByteBuf original = bytes("original");
    body.add(original);
    original.release();

    body.replace(bytes("echoed by the EPP"));

    assertThat(original.refCnt()).isZero();
    assertThat(body.size()).isEqualTo("echoed by the EPP".length());
    body.release();
    assertThat(body.view()).isNull();
  }
}
