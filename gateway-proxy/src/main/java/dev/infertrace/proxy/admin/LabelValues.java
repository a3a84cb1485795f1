package dev.infertrace.proxy.admin;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.annotation.Nullable;

/**
 * Bounds the label values that come from outside — the model a client names, the finish reason an
 * upstream sends — so that no client or upstream can grow {@code /metrics} without bound: a value
 * not known to be real is counted as {@code other}. Thread-safe.
 *
 * <p>Models: with an allow-list ({@code --metric-models}), exactly those. Otherwise the models the
 * upstream serves (its {@code /v1/models}, refreshed by {@code ServedModels}); until that list is
 * known, a model the upstream answered with a success status, up to {@link #MAX_UNVERIFIED} of them
 * (so 300 requests for made-up models, all 404, add no series).
 */
public final class LabelValues {
  /** The label of every value that is not known to be real. */
  public static final String OTHER = "other";

  /** Finish reasons of the OpenAI API and vLLM; any other is {@link #OTHER}. */
  public static final Set<String> FINISH_REASONS =
      Set.of("stop", "length", "tool_calls", "content_filter", "function_call", "abort", "error");

  /** Models kept while the served list is not known. */
  static final int MAX_UNVERIFIED = 32;

  private final Set<String> allowed;
  @Nullable private volatile Set<String> served;
  private final Set<String> unverified = ConcurrentHashMap.newKeySet();

  /** {@code allowed}: the allow-list; empty for the served models. */
  public LabelValues(List<String> allowed) {
    this.allowed = Set.copyOf(allowed);
  }

  /** The models the upstreams serve now (their {@code /v1/models}). */
  public void served(Set<String> models) {
    this.served = Set.copyOf(models);
  }

  /**
   * The {@code model} label of a request for {@code model} (null: none named) that got {@code
   * status} (0: no response).
   */
  public String model(@Nullable String model, int status) {
    if (model == null || model.isEmpty()) {
      return "";
    }
    if (!allowed.isEmpty()) {
      return allowed.contains(model) ? model : OTHER;
    }
    Set<String> known = served;
    if (known != null && !known.isEmpty()) {
      return known.contains(model) ? model : OTHER;
    }
    if (unverified.contains(model)) {
      return model;
    }
    if (status >= 200 && status < 300 && unverified.size() < MAX_UNVERIFIED) {
      unverified.add(model);
      return model;
    }
    return OTHER;
  }

  /** The {@code reason} label of an upstream's finish reason. */
  public static String finishReason(String reason) {
    return FINISH_REASONS.contains(reason) ? reason : OTHER;
  }
}
