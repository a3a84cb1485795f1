package dev.infertrace.agent;

import static dev.infertrace.core.text.Strings.isBlank;
import static dev.infertrace.core.text.Strings.strip;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ResourceProvider;
import io.opentelemetry.sdk.resources.Resource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Resource attributes from the pod's environment: {@code k8s.*} from the Downward API variables a
 * pod spec sets ({@code POD_NAME}, {@code POD_NAMESPACE}, {@code POD_UID}, {@code NODE_NAME},
 * {@code CONTAINER_NAME}, or their {@code K8S_*} spellings) and the GPU UUIDs the NVIDIA container
 * runtime assigned ({@code NVIDIA_VISIBLE_DEVICES}, when it lists {@code GPU-} UUIDs).
 */
public final class InfertraceResourceProvider implements ResourceProvider {
  static final AttributeKey<List<String>> GPU_UUIDS =
      AttributeKey.stringArrayKey("infertrace.gpu.uuids");

  @Override
  public Resource createResource(ConfigProperties config) {
    AttributesBuilder b = Attributes.builder();
    put(b, "k8s.pod.name", "POD_NAME", "K8S_POD_NAME");
    put(b, "k8s.namespace.name", "POD_NAMESPACE", "K8S_NAMESPACE_NAME");
    put(b, "k8s.pod.uid", "POD_UID", "K8S_POD_UID");
    put(b, "k8s.node.name", "NODE_NAME", "K8S_NODE_NAME");
    put(b, "k8s.container.name", "CONTAINER_NAME", "K8S_CONTAINER_NAME");
    Set<String> gpus = gpuUuids();
    if (!gpus.isEmpty()) {
      b.put(GPU_UUIDS, Collections.unmodifiableList(new ArrayList<>(gpus)));
    }
    return Resource.create(b.build());
  }

  /** {@code otel.infertrace.gpu.uuids}, else the UUIDs in {@code NVIDIA_VISIBLE_DEVICES}. */
  static Set<String> gpuUuids() {
    String v = InfertraceConfig.getOrNull("gpu.uuids");
    if (v == null) {
      v = System.getenv("NVIDIA_VISIBLE_DEVICES");
    }
    Set<String> out = new LinkedHashSet<>();
    if (v != null) {
      for (String s : v.split(",")) {
        if (strip(s).startsWith("GPU-")) {
          out.add(strip(s));
        }
      }
    }
    return out;
  }

  private static void put(AttributesBuilder b, String key, String... variables) {
    for (String name : variables) {
      String v = System.getenv(name);
      if (v != null && !isBlank(v)) {
        b.put(key, strip(v));
        return;
      }
    }
  }
}
