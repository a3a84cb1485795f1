package dev.infertrace.testbed.sim.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infertrace.testbed.sim.engine.PromptEncoder;
import dev.infertrace.testbed.sim.engine.PromptEncoder.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.annotation.Nullable;

/**
 * Parses and validates OpenAI chat and completions bodies as vLLM does, answering bad input with a
 * 400 that names the field. Thread-safe.
 */
final class RequestParser {
  private static final Set<String> ROLES =
      Set.of("system", "developer", "user", "assistant", "tool");

  private final ObjectMapper json = new ObjectMapper();
  private final String servedModel;
  private final int maxModelLen;

  RequestParser(String servedModel, int maxModelLen) {
    this.servedModel = servedModel;
    this.maxModelLen = maxModelLen;
  }

  ParsedRequest parse(byte[] body, boolean chat) throws OpenAiError {
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (JsonProcessingException e) {
      throw OpenAiError.badRequest(
          null, "the body is not valid JSON: " + e.getOriginalMessage() + locate(e));
    } catch (java.io.IOException e) {
      throw OpenAiError.badRequest(null, "the body could not be read: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw OpenAiError.badRequest(null, "the body must be a JSON object");
    }
    String model = servedModel;
    JsonNode modelNode = root.get("model");
    if (modelNode != null && !modelNode.isNull()) {
      if (!modelNode.isTextual()) {
        throw OpenAiError.badRequest("model", "'model' must be a string");
      }
      if (!modelNode.asText().equals(servedModel)) {
        throw OpenAiError.notFound(
            "model", "The model `" + modelNode.asText() + "` does not exist.");
      }
    }
    int[] prompt = chat ? chatPrompt(root) : textPrompt(root);
    Integer requested = optionalInt(root, "max_tokens", 1);
    Integer completionTokens = optionalInt(root, "max_completion_tokens", 1);
    if (requested == null) {
      requested = completionTokens;
    }
    if (prompt.length >= maxModelLen) {
      throw OpenAiError.badRequest(
          chat ? "messages" : "prompt",
          "the prompt is "
              + prompt.length
              + " tokens, the model's maximum context length is "
              + maxModelLen
              + " tokens");
    }
    if (requested != null && prompt.length + requested > maxModelLen) {
      throw OpenAiError.badRequest(
          "max_tokens",
          "the prompt ("
              + prompt.length
              + " tokens) plus max_tokens ("
              + requested
              + ") exceeds the model's maximum context length of "
              + maxModelLen
              + " tokens");
    }
    int maxTokens = requested != null ? requested : maxModelLen - prompt.length;
    Integer n = optionalInt(root, "n", 1);
    if (n != null && n != 1) {
      throw OpenAiError.badRequest("n", "the twin generates one choice per request; 'n' must be 1");
    }
    boolean stream = optionalBool(root, "stream");
    boolean includeUsage = false;
    boolean continuousUsage = false;
    JsonNode options = root.get("stream_options");
    if (options != null && !options.isNull()) {
      if (!stream) {
        throw OpenAiError.badRequest(
            "stream_options", "'stream_options' can only be given when 'stream' is true");
      }
      if (!options.isObject()) {
        throw OpenAiError.badRequest("stream_options", "'stream_options' must be an object");
      }
      includeUsage = optionalBool(options, "include_usage");
      continuousUsage = optionalBool(options, "continuous_usage_stats");
    }
    Integer minTokens = optionalInt(root, "min_tokens", 0);
    return new ParsedRequest(
        chat,
        model,
        prompt,
        maxTokens,
        requested,
        minTokens == null ? 0 : Math.min(minTokens, maxTokens),
        optionalBool(root, "ignore_eos"),
        stream,
        includeUsage,
        continuousUsage,
        optionalNumber(root, "temperature", 0, Double.MAX_VALUE),
        optionalNumber(root, "top_p", Double.MIN_VALUE, 1));
  }

  private static int[] chatPrompt(JsonNode root) throws OpenAiError {
    JsonNode messages = root.get("messages");
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw OpenAiError.badRequest("messages", "'messages' must be a non-empty array");
    }
    List<Message> out = new ArrayList<>(messages.size());
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      String where = "messages[" + i + "]";
      if (!m.isObject()) {
        throw OpenAiError.badRequest(where, "'" + where + "' must be an object");
      }
      JsonNode role = m.get("role");
      if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
        throw OpenAiError.badRequest(
            where + ".role", "'" + where + ".role' must be one of " + String.join(", ", ROLES));
      }
      out.add(new Message(role.asText(), content(m.get("content"), where + ".content")));
    }
    return PromptEncoder.chat(out);
  }

  private static String content(@Nullable JsonNode content, String where) throws OpenAiError {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    if (!content.isArray()) {
      throw OpenAiError.badRequest(where, "'" + where + "' must be a string or an array of parts");
    }
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < content.size(); i++) {
      JsonNode part = content.get(i);
      JsonNode type = part.get("type");
      if (type == null || !"text".equals(type.asText()) || !part.path("text").isTextual()) {
        throw OpenAiError.badRequest(
            where + "[" + i + "]",
            "'"
                + where
                + "["
                + i
                + "]' must be a text part ({\"type\": \"text\", \"text\": ...}); the twin's model"
                + " takes text only");
      }
      text.append(part.get("text").asText());
    }
    return text.toString();
  }

  private static int[] textPrompt(JsonNode root) throws OpenAiError {
    JsonNode prompt = root.get("prompt");
    if (prompt != null && prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
      prompt = prompt.get(0);
    }
    if (prompt != null && prompt.isTextual()) {
      return PromptEncoder.text(prompt.asText());
    }
    if (prompt != null && prompt.isArray() && !prompt.isEmpty()) {
      int[] ids = new int[prompt.size()];
      for (int i = 0; i < ids.length; i++) {
        JsonNode id = prompt.get(i);
        if (!id.canConvertToInt() || !id.isIntegralNumber() || id.asInt() < 0) {
          throw OpenAiError.badRequest(
              "prompt",
              "'prompt' must be a string or an array of token ids; the twin serves one prompt"
                  + " per request");
        }
        ids[i] = id.asInt();
      }
      return ids;
    }
    throw OpenAiError.badRequest(
        "prompt", "'prompt' must be a non-empty string or an array of token ids");
  }

  @Nullable
  private static Integer optionalInt(JsonNode root, String field, int min) throws OpenAiError {
    JsonNode v = root.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min) {
      throw OpenAiError.badRequest(
          field, "'" + field + "' must be an integer >= " + min + ", got " + v);
    }
    return v.asInt();
  }

  @Nullable
  private static Double optionalNumber(JsonNode root, String field, double min, double max)
      throws OpenAiError {
    JsonNode v = root.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
      throw OpenAiError.badRequest(
          field,
          "'" + field + "' must be a number" + (max <= 1 ? " in (0, 1]" : " >= 0") + ", got " + v);
    }
    return v.asDouble();
  }

  private static boolean optionalBool(JsonNode root, String field) throws OpenAiError {
    JsonNode v = root.get(field);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw OpenAiError.badRequest(field, "'" + field + "' must be true or false, got " + v);
    }
    return v.asBoolean();
  }

  private static String locate(JsonProcessingException e) {
    return e.getLocation() == null
        ? ""
        : " (line "
            + e.getLocation().getLineNr()
            + ", column "
            + e.getLocation().getColumnNr()
            + ")";
  }
}
