package dev.infertrace.proxy.epp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One model server the reference EPP can route to, as the llm-d file-discovery endpoints file lists
 * it: {@code endpoints: [{name: w0, address: 127.0.0.1, port: "8001"}]}.
 */
public record Endpoint(String name, String address, int port) {

  /** {@code address:port}, the value of {@code x-gateway-destination-endpoint}. */
  public String hostPort() {
    return address + ":" + port;
  }

  /** Reads an endpoints file; errors name the file and the entry. */
  public static List<Endpoint> read(Path file) throws IOException {
    JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
    JsonNode list = root == null ? null : root.get("endpoints");
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw new IOException(
          file + ": expected 'endpoints:' with at least one {name, address, port}");
    }
    List<Endpoint> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode e = list.get(i);
      String address = e.path("address").asText("");
      int port = e.path("port").asInt(-1);
      if (address.isEmpty() || port <= 0 || port > 65535) {
        throw new IOException(file + ": endpoints[" + i + "] needs an address and a port 1-65535");
      }
      out.add(new Endpoint(e.path("name").asText("ep" + i), address, port));
    }
    return List.copyOf(out);
  }
}
