package dev.infertrace.core.openai;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The request sniffer on any request path and body a client may send: it never throws (a body it
 * cannot read is null). See src/docs/fuzzing.md for the long run.
 */
class OpenAiRequestSnifferFuzzTest {
  @FuzzTest(maxDuration = "5s")
  void anyPathAndBody(FuzzedDataProvider data) {
    String path = data.consumeString(64);
    String operation = OpenAiRequestSniffer.operationOf(path);
    byte[] body = data.consumeRemainingAsBytes();
    int off = body.length == 0 ? 0 : Math.floorMod(path.length(), body.length);
    OpenAiRequestSniffer.sniff(
        operation == null ? "chat" : operation, body, off, body.length - off);
  }
}
