package dev.infertrace.testbed.sim.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infertrace.testbed.sim.SimClock;
import dev.infertrace.testbed.sim.fault.Fault;
import dev.infertrace.testbed.sim.fault.FaultSchedule;
import dev.infertrace.testbed.sim.fault.FaultSpec;
import dev.infertrace.testbed.sim.fault.FaultType;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /admin/faults}: {@code GET} lists the active and scheduled faults, {@code POST} adds one
 * from a JSON body such as {@code {"type":"thermal-throttle","durationSeconds":60}}, {@code DELETE}
 * clears them all and {@code DELETE /admin/faults/{id}} one. Thread-safe.
 */
final class FaultsAdmin {
  static final String PATH = "/admin/faults";

  private final ObjectMapper json = new ObjectMapper();
  private final FaultSchedule faults;
  private final SimClock clock;

  FaultsAdmin(FaultSchedule faults, SimClock clock) {
    this.faults = faults;
    this.clock = clock;
  }

  /** A status and a JSON body. */
  record Reply(HttpResponseStatus status, String body) {}

  Reply handle(HttpMethod method, String path, byte[] body) throws OpenAiError {
    String rest = path.substring(PATH.length());
    if (rest.isEmpty() || rest.equals("/")) {
      if (method.equals(HttpMethod.GET)) {
        return new Reply(HttpResponseStatus.OK, list());
      }
      if (method.equals(HttpMethod.POST)) {
        Fault fault = faults.add(parse(body));
        return new Reply(HttpResponseStatus.CREATED, render(fault).toString());
      }
      if (method.equals(HttpMethod.DELETE)) {
        return new Reply(HttpResponseStatus.OK, "{\"cleared\":" + faults.clear() + "}");
      }
      throw OpenAiError.methodNotAllowed(PATH + " takes GET, POST and DELETE, not " + method);
    }
    String idText = rest.substring(1);
    if (!method.equals(HttpMethod.DELETE)) {
      throw OpenAiError.methodNotAllowed(PATH + "/{id} takes DELETE, not " + method);
    }
    long id;
    try {
      id = Long.parseLong(idText);
    } catch (NumberFormatException e) {
      throw OpenAiError.notFound(null, "no fault with id '" + idText + "'");
    }
    if (!faults.remove(id)) {
      throw OpenAiError.notFound(null, "no fault with id " + id);
    }
    return new Reply(HttpResponseStatus.OK, "{\"cleared\":1}");
  }

  private FaultSpec parse(byte[] body) throws OpenAiError {
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (JsonProcessingException e) {
      throw OpenAiError.badRequest(null, "the body is not valid JSON: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw OpenAiError.badRequest(null, "the body could not be read: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw OpenAiError.badRequest(null, "the body must be a JSON object with a \"type\"");
    }
    JsonNode type = root.get("type");
    if (type == null || !type.isTextual()) {
      throw OpenAiError.badRequest("type", "\"type\" must be one of: " + FaultType.wireNames());
    }
    Map<String, Double> values = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("type")) {
        continue;
      }
      if (!e.getValue().isNumber()) {
        throw OpenAiError.badRequest(e.getKey(), "\"" + e.getKey() + "\" must be a number");
      }
      values.put(e.getKey(), e.getValue().asDouble());
    }
    try {
      return FaultSpec.of(FaultType.fromWireName(type.asText()), values);
    } catch (IllegalArgumentException e) {
      throw OpenAiError.badRequest(null, e.getMessage());
    }
  }

  private String list() {
    ObjectNode root = json.createObjectNode();
    ArrayNode array = root.putArray("faults");
    for (Fault f : faults.list()) {
      array.add(render(f));
    }
    return root.toString();
  }

  private ObjectNode render(Fault f) {
    ObjectNode node = json.createObjectNode();
    node.put("id", f.id());
    node.put("type", f.type().wireName());
    node.put("startsAt", instant(f.startNanos()));
    node.put("endsAt", instant(f.endNanos()));
    node.put("active", f.activeAt(clock.nowNanos()));
    if (f.gpu() != null) {
      node.put("gpu", f.gpu());
    }
    ObjectNode params = node.putObject("params");
    f.params().forEach(params::put);
    return node;
  }

  private static String instant(long epochNanos) {
    return Instant.ofEpochSecond(0, epochNanos).toString();
  }
}
