package dev.infertrace.core.stream;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Watches an OpenAI-style SSE response go by, bytes as they arrive, and notes what tracing needs:
 * the first event, the first chunk that carries a token (not the role-only chunk), the gaps between
 * token chunks, usage, finish reasons, the response's id and model, and an error object sent under
 * HTTP 200. It looks for a handful of keys in each {@code data:} line instead of parsing every
 * chunk as JSON; the usage chunk and an error are the only ones read further.
 *
 * <p>Template: the streamed-response listener of OpenTelemetry's OpenAI instrumentation, which
 * accumulates chunk state and ends once. Not thread-safe: one response, one event loop.
 */
public final class SseObserver {
  private static final int LINE_CAP = 16 * 1024;
  private static final byte[] DATA = ascii("data:");
  private static final byte[] DONE = ascii("[DONE]");
  private static final byte[] CONTENT = ascii("\"content\":");
  private static final byte[] TEXT = ascii("\"text\":");
  private static final byte[] TOOL_CALLS = ascii("\"tool_calls\":[{");
  private static final byte[] FINISH = ascii("\"finish_reason\":");
  private static final byte[] ID = ascii("\"id\":");
  private static final byte[] MODEL = ascii("\"model\":");
  private static final byte[] USAGE = ascii("\"usage\":{");
  private static final byte[] PROMPT_TOKENS = ascii("\"prompt_tokens\":");
  private static final byte[] COMPLETION_TOKENS = ascii("\"completion_tokens\":");
  private static final byte[] CACHED_TOKENS = ascii("\"cached_tokens\":");
  private static final byte[] ERROR = ascii("\"error\":");
  private static final byte[] TYPE = ascii("\"type\":");
  private static final byte[] CODE = ascii("\"code\":");
  private static final byte[] MESSAGE = ascii("\"message\":");

  // Grown as lines need it, up to LINE_CAP: most responses' lines (vLLM chunks) fit the first size,
  // and an observer is made per exchange — a fixed 16 KiB each was most of the proxy's allocation.
  private byte[] line = new byte[512];
  private int lineLength;
  // Where the line's double quotes are: every key looked for starts with one, so a search visits
  // these (a vLLM chunk has a few dozen) instead of every byte of the line for each key.
  private int[] quotes = new int[64];
  private int quoteCount;
  // Where the keys of a data line's top level are (-1: absent), found in one pass over its quotes
  // (locateKeys): each quote is told apart by the byte after it, instead of trying every key at
  // every quote, key after key.
  private int atContent;
  private int atText;
  private int atToolCalls;
  private int atFinish;
  private int atUsage;
  private int atError;
  private int atId;
  private int atModel;
  private final GapHistogram gaps = new GapHistogram();
  private final List<String> finishReasons = new ArrayList<>(1);
  private long headersNanos;
  private long firstEventNanos;
  private long firstTokenNanos;
  private long lastTokenNanos;
  private long endNanos;
  private int tokenChunks;
  private int promptTokens = -1;
  private int completionTokens = -1;
  private int cachedTokens = -1;
  private String responseId;
  private String responseModel;
  private String errorType;
  private int errorMessageLength;
  private boolean done;

  public void onHeaders(long nanos) {
    headersNanos = nanos;
  }

  /** Bytes of the body, {@code data[off, off+len)}, arrived at {@code nanos}. */
  public void onBytes(byte[] data, int off, int len, long nanos) {
    for (int i = off; i < off + len; i++) {
      byte b = data[i];
      if (b == '\n') {
        onLine(nanos);
        lineLength = 0;
        quoteCount = 0;
      } else if (b != '\r' && lineLength < LINE_CAP) {
        if (lineLength == line.length) {
          line = java.util.Arrays.copyOf(line, Math.min(LINE_CAP, line.length * 2));
        }
        if (b == '"') {
          if (quoteCount == quotes.length) {
            quotes = java.util.Arrays.copyOf(quotes, quotes.length * 2);
          }
          quotes[quoteCount++] = lineLength;
        }
        line[lineLength++] = b;
      }
    }
  }

  /** The response ended at {@code nanos}. */
  public StreamSummary onEnd(long nanos) {
    if (lineLength > 0) {
      onLine(nanos); // a last line without its newline
      lineLength = 0;
      quoteCount = 0;
    }
    endNanos = nanos;
    return new StreamSummary(
        headersNanos,
        firstEventNanos,
        firstTokenNanos,
        lastTokenNanos,
        endNanos,
        tokenChunks,
        gaps,
        promptTokens,
        completionTokens,
        cachedTokens,
        Collections.unmodifiableList(new ArrayList<>(finishReasons)),
        responseId,
        responseModel,
        errorType,
        errorMessageLength,
        done);
  }

  private void onLine(long nanos) {
    if (!startsWith(DATA, 0)) {
      return; // comments, event:, id:, retry: lines and blank separators
    }
    int start = DATA.length;
    if (start < lineLength && line[start] == ' ') {
      start++;
    }
    if (firstEventNanos == 0) {
      firstEventNanos = nanos;
    }
    if (startsWith(DONE, start)) {
      done = true;
      return;
    }
    locateKeys(start);
    if (responseId == null) {
      responseId = stringAt(atId, ID.length);
      responseModel = stringAt(atModel, MODEL.length);
    }
    if (carriesToken()) {
      if (firstTokenNanos == 0) {
        firstTokenNanos = nanos;
      } else {
        gaps.record(nanos - lastTokenNanos);
      }
      lastTokenNanos = nanos;
      tokenChunks++;
    }
    String finish = stringAt(atFinish, FINISH.length);
    if (finish != null && finishReasons.size() < StreamSummary.MAX_FINISH_REASONS) {
      finishReasons.add(StreamSummary.boundedLabel(finish));
    }
    int usage = atUsage;
    if (usage >= 0) {
      promptTokens = intAfter(PROMPT_TOKENS, usage, promptTokens);
      completionTokens = intAfter(COMPLETION_TOKENS, usage, completionTokens);
      cachedTokens = intAfter(CACHED_TOKENS, usage, cachedTokens);
    }
    int error = atError;
    if (error >= 0 && error <= start + 2 && errorType == null) {
      String type = stringAfter(TYPE, error);
      int code = intAfter(CODE, error, -1);
      // A type, else the code, else the plain word: never a number made up (was "0").
      errorType =
          type != null && !type.isEmpty()
              ? StreamSummary.boundedLabel(type)
              : code >= 0 ? String.valueOf(code) : "error";
      String message = stringAfter(MESSAGE, error);
      errorMessageLength = message == null ? 0 : message.length();
    }
  }

  /**
   * Finds the first place at or after {@code from} of each top-level key (the same places {@link
   * #indexOf} would give, key by key).
   */
  private void locateKeys(int from) {
    atContent = atText = atToolCalls = atFinish = atUsage = atError = atId = atModel = -1;
    for (int q = 0; q < quoteCount; q++) {
      int i = quotes[q];
      if (i < from || i + 1 >= lineLength) {
        continue;
      }
      switch (line[i + 1]) {
        case 'c':
          if (atContent < 0 && startsWith(CONTENT, i)) {
            atContent = i;
          }
          break;
        case 't':
          if (atText < 0 && startsWith(TEXT, i)) {
            atText = i;
          } else if (atToolCalls < 0 && startsWith(TOOL_CALLS, i)) {
            atToolCalls = i;
          }
          break;
        case 'f':
          if (atFinish < 0 && startsWith(FINISH, i)) {
            atFinish = i;
          }
          break;
        case 'u':
          if (atUsage < 0 && startsWith(USAGE, i)) {
            atUsage = i;
          }
          break;
        case 'e':
          if (atError < 0 && startsWith(ERROR, i)) {
            atError = i;
          }
          break;
        case 'i':
          if (atId < 0 && startsWith(ID, i)) {
            atId = i;
          }
          break;
        case 'm':
          if (atModel < 0 && startsWith(MODEL, i)) {
            atModel = i;
          }
          break;
        default:
          break;
      }
    }
  }

  /** A non-empty {@code content} or {@code text}, or a tool-call delta. */
  private boolean carriesToken() {
    return nonEmptyStringAt(atContent, CONTENT.length)
        || nonEmptyStringAt(atText, TEXT.length)
        || atToolCalls >= 0;
  }

  private boolean nonEmptyStringAt(int at, int keyLength) {
    if (at < 0) {
      return false;
    }
    int i = skipSpaces(at + keyLength);
    return i + 1 < lineLength && line[i] == '"' && line[i + 1] != '"';
  }

  private String stringAfter(byte[] key, int from) {
    return stringAt(indexOf(key, from), key.length);
  }

  /** The string value of the key found at {@code at} (-1: none), null if absent or not a string. */
  private String stringAt(int at, int keyLength) {
    if (at < 0) {
      return null;
    }
    int i = skipSpaces(at + keyLength);
    if (i >= lineLength || line[i] != '"') {
      return null; // null or not a string
    }
    int end = i + 1;
    while (end < lineLength && line[end] != '"') {
      end += line[end] == '\\' ? 2 : 1;
    }
    return new String(line, i + 1, Math.min(end, lineLength) - i - 1, StandardCharsets.UTF_8);
  }

  private int intAfter(byte[] key, int from, int otherwise) {
    int at = indexOf(key, from);
    if (at < 0) {
      return otherwise;
    }
    int i = skipSpaces(at + key.length);
    int value = 0;
    int digits = 0;
    while (i < lineLength && line[i] >= '0' && line[i] <= '9' && digits < 10) {
      value = value * 10 + (line[i++] - '0');
      digits++;
    }
    return digits == 0 ? otherwise : value;
  }

  private int skipSpaces(int i) {
    while (i < lineLength && line[i] == ' ') {
      i++;
    }
    return i;
  }

  /** The first place at or after {@code from} where {@code key} (which starts with a quote) is. */
  private int indexOf(byte[] key, int from) {
    for (int q = 0; q < quoteCount; q++) {
      int i = quotes[q];
      if (i >= from && startsWith(key, i)) {
        return i;
      }
    }
    return -1;
  }

  private boolean startsWith(byte[] prefix, int at) {
    if (at + prefix.length > lineLength) {
      return false;
    }
    for (int j = 0; j < prefix.length; j++) {
      if (line[at + j] != prefix[j]) {
        return false;
      }
    }
    return true;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
