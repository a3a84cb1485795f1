package dev.infertrace.core.stream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.annotation.Nullable;

/**
 * Reads a non-streaming OpenAI response body (or an error body) for the same facts {@link
 * SseObserver} finds in a stream: id, model, finish reasons, usage, error type. One streaming
 * parse; the completion text is skipped, never kept. Stateless and thread-safe.
 */
public final class JsonBodyReader {
  private static final JsonFactory JSON = new JsonFactory();

  private JsonBodyReader() {}

  /**
   * Summarises {@code body[off, off+len)} received between {@code headersNanos} and {@code
   * endNanos}; a body that is not a JSON object gives a summary with nothing but the times.
   */
  public static StreamSummary read(
      byte[] body, int off, int len, long headersNanos, long endNanos) {
    Fields f = new Fields();
    try (JsonParser p = JSON.createParser(body, off, len)) {
      if (p.nextToken() == JsonToken.START_OBJECT) {
        topLevel(p, f);
      }
    } catch (IOException | RuntimeException e) {
      // not JSON (or cut short by the sniff limit): keep what was read
    }
    return new StreamSummary(
        headersNanos,
        0,
        0,
        0,
        endNanos,
        0,
        new GapHistogram(),
        f.prompt,
        f.completion,
        f.cached,
        Collections.unmodifiableList(new ArrayList<>(f.finishReasons)),
        f.id,
        f.model,
        f.errorType,
        f.errorMessageLength,
        false);
  }

  private static final class Fields {
    int prompt = -1;
    int completion = -1;
    int cached = -1;
    final List<String> finishReasons = new ArrayList<>(1);
    @Nullable String id;
    @Nullable String model;
    @Nullable String errorType;
    int errorMessageLength;
  }

  private static void topLevel(JsonParser p, Fields f) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "id":
          f.id = v == JsonToken.VALUE_STRING ? p.getText() : null;
          break;
        case "model":
          f.model = v == JsonToken.VALUE_STRING ? p.getText() : null;
          break;
        case "choices":
          choices(p, v, f);
          break;
        case "usage":
          usage(p, v, f);
          break;
        case "error":
          error(p, v, f);
          break;
        default:
          p.skipChildren();
      }
    }
  }

  private static void choices(JsonParser p, JsonToken v, Fields f) throws IOException {
    if (v != JsonToken.START_ARRAY) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.START_OBJECT) {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("finish_reason")
            && value == JsonToken.VALUE_STRING
            && f.finishReasons.size() < StreamSummary.MAX_FINISH_REASONS) {
          f.finishReasons.add(StreamSummary.boundedLabel(p.getText()));
        } else {
          p.skipChildren();
        }
      }
    }
  }

  private static void usage(JsonParser p, JsonToken v, Fields f) throws IOException {
    if (v != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      switch (name) {
        case "prompt_tokens":
          f.prompt = intOr(p, value, -1);
          break;
        case "completion_tokens":
          f.completion = intOr(p, value, -1);
          break;
        case "prompt_tokens_details":
          if (value == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String detail = p.currentName();
              JsonToken dv = p.nextToken();
              if (detail.equals("cached_tokens")) {
                f.cached = intOr(p, dv, -1);
              } else {
                p.skipChildren();
              }
            }
          }
          break;
        default:
          p.skipChildren();
      }
    }
  }

  private static void error(JsonParser p, JsonToken v, Fields f) throws IOException {
    if (v == JsonToken.VALUE_STRING) {
      f.errorType = "error";
      f.errorMessageLength = p.getTextLength();
      return;
    }
    if (v != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    String code = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      switch (name) {
        case "type":
          f.errorType =
              value == JsonToken.VALUE_STRING && p.getTextLength() > 0
                  ? StreamSummary.boundedLabel(p.getText())
                  : f.errorType;
          break;
        case "code":
          code =
              value.isScalarValue() && value != JsonToken.VALUE_NULL && p.getTextLength() > 0
                  ? StreamSummary.boundedLabel(p.getText())
                  : null;
          break;
        case "message":
          f.errorMessageLength = value == JsonToken.VALUE_STRING ? p.getTextLength() : 0;
          break;
        default:
          p.skipChildren();
      }
    }
    if (f.errorType == null) {
      f.errorType = code != null ? code : "error";
    }
  }

  private static int intOr(JsonParser p, JsonToken v, int otherwise) throws IOException {
    return v == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : otherwise;
  }
}
