package dev.infertrace.core.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import javax.annotation.Nullable;

/**
 * Reads the fields infertrace records from an OpenAI chat/completions request body with a streaming
 * parser: one pass, no tree, text measured but never kept. A body that is not valid JSON yields
 * null: the proxy is transparent and relays it unchanged; the upstream answers it. Stateless and
 * thread-safe.
 */
public final class OpenAiRequestSniffer {
  private static final JsonFactory JSON = new JsonFactory();

  private OpenAiRequestSniffer() {}

  /** The operation a request path stands for, or null when it is not an OpenAI inference path. */
  @Nullable
  public static String operationOf(String path) {
    int q = path.indexOf('?');
    String p = q < 0 ? path : path.substring(0, q);
    if (p.endsWith("/chat/completions")) {
      return "chat";
    }
    if (p.endsWith("/completions")) {
      return "text_completion";
    }
    if (p.endsWith("/embeddings")) {
      return "embeddings";
    }
    return null;
  }

  /** Sniffs {@code body[off, off+len)} of a request for {@code operation}; null if not JSON. */
  @Nullable
  public static OpenAiRequest sniff(String operation, byte[] body, int off, int len) {
    String model = null;
    boolean stream = false;
    boolean includeUsage = false;
    Integer maxTokens = null;
    Integer n = null;
    int messages = 0;
    long promptChars = 0;
    try (JsonParser p = JSON.createParser(body, off, len)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "model":
            model = value == JsonToken.VALUE_STRING ? p.getText() : null;
            break;
          case "stream":
            stream = value == JsonToken.VALUE_TRUE;
            break;
          case "max_tokens":
          case "max_completion_tokens":
            if (value == JsonToken.VALUE_NUMBER_INT
                && (maxTokens == null || field.equals("max_tokens"))) {
              maxTokens = p.getIntValue();
            }
            break;
          case "n":
            n = value == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : null;
            break;
          case "stream_options":
            includeUsage = includeUsage(p, value);
            break;
          case "messages":
            if (value == JsonToken.START_ARRAY) {
              while (p.nextToken() == JsonToken.START_OBJECT) {
                messages++;
                promptChars += textIn(p, "content");
              }
            } else {
              p.skipChildren();
            }
            break;
          case "prompt":
          case "input":
            promptChars += textLength(p, value);
            break;
          default:
            p.skipChildren();
        }
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return new OpenAiRequest(
        operation, model, stream, includeUsage, maxTokens, n, messages, promptChars, len);
  }

  private static boolean includeUsage(JsonParser p, JsonToken value) throws IOException {
    boolean include = false;
    if (value != JsonToken.START_OBJECT) {
      p.skipChildren();
      return false;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (name.equals("include_usage")) {
        include = v == JsonToken.VALUE_TRUE;
      } else {
        p.skipChildren();
      }
    }
    return include;
  }

  /** Inside an object: the text length of field {@code name}; consumes the object. */
  private static long textIn(JsonParser p, String name) throws IOException {
    long chars = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      if (field.equals(name)) {
        chars += textLength(p, v);
      } else {
        p.skipChildren();
      }
    }
    return chars;
  }

  /** Characters of text in a string, or in the strings/text parts of an array. */
  private static long textLength(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_STRING) {
      return p.getTextLength();
    }
    if (value == JsonToken.START_ARRAY) {
      long chars = 0;
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t == JsonToken.VALUE_STRING) {
          chars += p.getTextLength();
        } else if (t == JsonToken.START_OBJECT) {
          chars += textIn(p, "text");
        } else {
          p.skipChildren();
        }
      }
      return chars;
    }
    p.skipChildren();
    return 0;
  }
}
