package dev.infertrace.proxy.inject;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.List;
import java.util.Objects;

/**
 * What the webhook answers for one pod.
 *
 * @param outcome why the pod was or was not changed; also the {@code outcome} label of the metric
 * @param patch the JSON Patch (RFC 6902) to apply; empty when the pod is admitted unchanged
 * @param warnings AdmissionReview warnings, shown to the client that created the pod
 */
public record InjectionDecision(Outcome outcome, ArrayNode patch, List<String> warnings) {
  /** Why a pod was or was not changed. */
  public enum Outcome {
    INJECTED("injected"),
    NOT_REQUESTED("not_requested"),
    OPTED_OUT("opted_out"),
    EXCLUDED_NAMESPACE("excluded_namespace"),
    ALREADY_INJECTED("already_injected"),
    MALFORMED("malformed"),
    NOT_A_POD_CREATE("not_a_pod_create");

    private final String label;

    Outcome(String label) {
      this.label = label;
    }

    /** The metric label and log word. */
    public String label() {
      return label;
    }
  }

  public InjectionDecision {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(patch, "patch");
    warnings = List.copyOf(warnings);
  }

  /** Whether the pod is changed. */
  public boolean patched() {
    return !patch.isEmpty();
  }
}
