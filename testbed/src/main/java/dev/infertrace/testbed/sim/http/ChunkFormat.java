package dev.infertrace.testbed.sim.http;

import javax.annotation.Nullable;

/**
 * Renders one request's response bodies in vLLM's exact shapes: SSE {@code data:} events for
 * streams ({@code chat.completion.chunk} / {@code text_completion}), and the whole JSON object
 * otherwise. The per-request prefix is built once; a token chunk costs one string build.
 */
final class ChunkFormat {
  private final boolean chat;
  private final String id;
  private final String head;
  private final String model;
  private final long created;
  private final int promptTokens;

  ChunkFormat(boolean chat, String id, String model, long createdEpochSeconds, int promptTokens) {
    this.chat = chat;
    this.id = id;
    this.model = model;
    this.created = createdEpochSeconds;
    this.promptTokens = promptTokens;
    this.head =
        "data: {\"id\":"
            + Json.quote(id)
            + ",\"object\":\""
            + (chat ? "chat.completion.chunk" : "text_completion")
            + "\",\"created\":"
            + createdEpochSeconds
            + ",\"model\":"
            + Json.quote(model)
            + ",\"choices\":[";
  }

  /** The role-only first chunk of a chat stream. */
  String roleChunk() {
    return head
        + "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,"
        + "\"finish_reason\":null}]}\n\n";
  }

  /**
   * A chunk carrying output token number {@code index} (0-based).
   *
   * @param finishReason set on the last token's chunk
   * @param continuousUsage add cumulative usage, as {@code continuous_usage_stats} asks
   */
  String tokenChunk(
      String text, int index, @Nullable String finishReason, boolean continuousUsage) {
    StringBuilder out = new StringBuilder(head.length() + 160);
    out.append(head).append("{\"index\":0,");
    if (chat) {
      out.append("\"delta\":{\"content\":");
      Json.appendQuoted(out, text);
      out.append("},\"logprobs\":null,");
    } else {
      out.append("\"text\":");
      Json.appendQuoted(out, text);
      out.append(",\"logprobs\":null,");
    }
    if (finishReason == null) {
      out.append("\"finish_reason\":null");
      if (!chat) {
        out.append(",\"stop_reason\":null");
      }
    } else {
      out.append("\"finish_reason\":\"").append(finishReason).append("\",\"stop_reason\":null");
    }
    out.append("}]");
    if (continuousUsage) {
      out.append(',');
      usage(out, index + 1, -1);
    }
    return out.append("}\n\n").toString();
  }

  /** The final usage chunk ({@code choices} empty), sent before {@code [DONE]}. */
  String usageChunk(int completionTokens, int cachedTokens) {
    StringBuilder out = new StringBuilder(head.length() + 120);
    out.append(head).append("],");
    usage(out, completionTokens, cachedTokens);
    return out.append("}\n\n").toString();
  }

  static String done() {
    return "data: [DONE]\n\n";
  }

  /**
   * The whole non-streaming response.
   *
   * @param cachedTokens prefix-cache hits to report, or -1 to leave {@code prompt_tokens_details}
   *     null
   */
  String completeResponse(
      String text, String finishReason, int completionTokens, int cachedTokens) {
    StringBuilder out = new StringBuilder(text.length() + 400);
    out.append("{\"id\":")
        .append(Json.quote(id))
        .append(",\"object\":\"")
        .append(chat ? "chat.completion" : "text_completion")
        .append("\",\"created\":")
        .append(created)
        .append(",\"model\":")
        .append(Json.quote(model))
        .append(",\"choices\":[{\"index\":0,");
    if (chat) {
      out.append("\"message\":{\"role\":\"assistant\",\"content\":");
      Json.appendQuoted(out, text);
      out.append(",\"tool_calls\":[]},\"logprobs\":null,");
    } else {
      out.append("\"text\":");
      Json.appendQuoted(out, text);
      out.append(",\"logprobs\":null,");
    }
    out.append("\"finish_reason\":\"").append(finishReason).append("\",\"stop_reason\":null}],");
    usage(out, completionTokens, cachedTokens);
    if (cachedTokens <= 0) {
      out.setLength(out.length() - 1);
      out.append(",\"prompt_tokens_details\":null}");
    }
    return out.append('}').toString();
  }

  private void usage(StringBuilder out, int completionTokens, int cachedTokens) {
    out.append("\"usage\":{\"prompt_tokens\":")
        .append(promptTokens)
        .append(",\"total_tokens\":")
        .append(promptTokens + completionTokens)
        .append(",\"completion_tokens\":")
        .append(completionTokens);
    if (cachedTokens > 0) {
      out.append(",\"prompt_tokens_details\":{\"cached_tokens\":").append(cachedTokens).append('}');
    }
    out.append('}');
  }
}
