package dev.infertrace.proxy.inject;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infertrace.proxy.inject.InjectionDecision.Outcome;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.zjsonpatch.JsonPatch;
import io.fabric8.zjsonpatch.JsonPatchException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * AdmissionReview v1 in, AdmissionReview v1 out. Every well-formed review is answered {@code
 * allowed: true}: the webhook only ever adds the sidecar, it never blocks a pod. Thread-safe.
 */
public final class AdmissionHandler {
  private static final Logger LOG = Logger.getLogger(AdmissionHandler.class.getName());
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final SidecarInjector injector;
  private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();

  public AdmissionHandler(SidecarInjector injector) {
    this.injector = Objects.requireNonNull(injector, "injector");
  }

  /**
   * The answer to one AdmissionReview.
   *
   * @param namespaceEnabled whether the request came through the webhook entry whose
   *     namespaceSelector matches {@code infertrace.io/injection=enabled}
   * @throws IOException when {@code body} is not an AdmissionReview with a request (HTTP 400)
   */
  public byte[] handle(byte[] body, boolean namespaceEnabled) throws IOException {
    AdmissionReview review = JSON.readValue(body, AdmissionReview.class);
    AdmissionRequest request = review.getRequest();
    if (request == null || request.getUid() == null) {
      throw new IOException("an AdmissionReview without request.uid");
    }
    InjectionDecision decision = decide(request, namespaceEnabled);
    AdmissionResponse response = new AdmissionResponse();
    response.setUid(request.getUid());
    response.setAllowed(true);
    if (decision.patched()) {
      response.setPatchType("JSONPatch");
      response.setPatch(
          Base64.getEncoder().encodeToString(JSON.writeValueAsBytes(decision.patch())));
    }
    if (!decision.warnings().isEmpty()) {
      response.setWarnings(decision.warnings());
    }
    outcomes.computeIfAbsent(decision.outcome().label(), k -> new LongAdder()).increment();
    LOG.fine(
        () ->
            "admission "
                + request.getUid()
                + " "
                + request.getNamespace()
                + "/"
                + podName(request)
                + ": "
                + decision.outcome().label());
    AdmissionReview answer = new AdmissionReview();
    answer.setApiVersion("admission.k8s.io/v1");
    answer.setKind("AdmissionReview");
    answer.setResponse(response);
    return JSON.writeValueAsBytes(answer);
  }

  /** How many reviews ended in each outcome, by {@link Outcome#label()}. */
  public Map<String, Long> outcomes() {
    Map<String, Long> counts = new java.util.TreeMap<>();
    outcomes.forEach((k, v) -> counts.put(k, v.sum()));
    return counts;
  }

  private InjectionDecision decide(AdmissionRequest request, boolean namespaceEnabled) {
    boolean podCreate =
        "CREATE".equals(request.getOperation())
            && request.getKind() != null
            && "Pod".equals(request.getKind().getKind())
            && (request.getSubResource() == null || request.getSubResource().isEmpty())
            && request.getObject() != null;
    if (!podCreate) {
      return new InjectionDecision(Outcome.NOT_A_POD_CREATE, JSON.createArrayNode(), List.of());
    }
    JsonNode pod = JSON.valueToTree(request.getObject());
    String namespace =
        request.getNamespace() != null
            ? request.getNamespace()
            : pod.path("metadata").path("namespace").asText("");
    InjectionDecision decision = injector.decide(namespace, namespaceEnabled, pod);
    if (decision.patched()) {
      // A patch that does not apply would fail the pod's creation: prove it applies, or admit the
      // pod unchanged and say so.
      try {
        JsonPatch.apply(decision.patch(), pod);
      } catch (JsonPatchException | IllegalArgumentException e) {
        List<String> warnings = new ArrayList<>(decision.warnings());
        warnings.add(
            "infertrace: sidecar not injected: the patch does not apply ("
                + e.getMessage()
                + "); the pod is unchanged");
        return new InjectionDecision(Outcome.MALFORMED, JSON.createArrayNode(), warnings);
      }
    }
    return decision;
  }

  private static String podName(AdmissionRequest request) {
    if (request.getName() != null && !request.getName().isEmpty()) {
      return request.getName();
    }
    JsonNode meta = JSON.valueToTree(request.getObject()).path("metadata");
    return meta.path("generateName").asText("?") + "*";
  }
}
