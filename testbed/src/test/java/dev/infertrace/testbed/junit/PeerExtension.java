package dev.infertrace.testbed.junit;

import dev.infertrace.testbed.peers.Peer;
import dev.infertrace.testbed.peers.PeerHome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/** The JUnit side of {@link RequiresPeers}: skip or fail on missing peers, run and stop peers. */
final class PeerExtension
    implements ExecutionCondition,
        BeforeAllCallback,
        ParameterResolver,
        AfterTestExecutionCallback {

  /** How long any peer process may live before it is killed, whatever the test does. */
  static final Duration MAX_PEER_LIFETIME = Duration.ofMinutes(5);

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(PeerExtension.class);

  private final PeerHome home = PeerHome.fromEnvironment();

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    List<String> missing = missingPeers(context);
    if (missing.isEmpty()) {
      return ConditionEvaluationResult.enabled("all peers installed");
    }
    if (isCi()) {
      // Enabled on purpose: beforeAll fails the class, because CI must never skip a peer test.
      return ConditionEvaluationResult.enabled("CI=true: missing peers fail the test");
    }
    return ConditionEvaluationResult.disabled("skipped, " + String.join("; ", missing));
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    List<String> missing = missingPeers(context);
    if (!missing.isEmpty()) {
      throw new ExtensionConfigurationException(
          "CI=true, so a missing peer is a failure, not a skip: " + String.join("; ", missing));
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == PeerProcesses.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            PeerProcesses.class, key -> newProcesses(context), PeerProcesses.class);
  }

  @Override
  public void afterTestExecution(ExtensionContext context) {
    PeerProcesses processes =
        context.getStore(NAMESPACE).get(PeerProcesses.class, PeerProcesses.class);
    if (processes != null) {
      processes.finish(context.getExecutionException().isPresent());
    }
  }

  private PeerProcesses newProcesses(ExtensionContext context) {
    String testClass = context.getRequiredTestClass().getSimpleName();
    String testMethod = context.getRequiredTestMethod().getName();
    Path logDir = TargetDir.resolve("peer-logs", testClass, testMethod);
    Path workDir = TargetDir.resolve("peer-work", testClass, testMethod);
    return new PeerProcesses(home, logDir, workDir, MAX_PEER_LIFETIME);
  }

  private List<String> missingPeers(ExtensionContext context) {
    List<String> missing = new ArrayList<>();
    RequiresPeers annotation =
        AnnotationSupport.findAnnotation(context.getRequiredTestClass(), RequiresPeers.class)
            .orElseThrow(() -> new ExtensionConfigurationException("no @RequiresPeers"));
    for (Peer peer : annotation.value()) {
      if (home.find(peer) == null) {
        missing.add(home.missingMessage(peer));
      }
    }
    return missing;
  }

  private static boolean isCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }
}
