package dev.infertrace.proxy.inject;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The worker sidecar as a native sidecar: an init container with {@code restartPolicy: Always},
 * started before the pod's containers and kept running beside them (Kubernetes 1.29+).
 */
final class SidecarContainer {
  private SidecarContainer() {}

  /** The sidecar in front of vLLM's {@code upstreamPort}, listening on {@code listenPort}. */
  static Container create(InjectionSettings settings, int upstreamPort, int listenPort) {
    int admin = settings.adminPort();
    int otlp = settings.otlpReceiverPort();
    List<EnvVar> env = new ArrayList<>();
    env.add(fieldRef("POD_NAME", "metadata.name"));
    env.add(fieldRef("POD_NAMESPACE", "metadata.namespace"));
    env.add(fieldRef("NODE_NAME", "spec.nodeName"));
    env.add(fieldRef("HOST_IP", "status.hostIP"));
    if (settings.dcgmPort() != 0) {
      // dcgm-exporter runs once per node; its series carry the pod/namespace labels of the pod a
      // GPU is given to, which the worker selects by POD_NAME and POD_NAMESPACE.
      env.add(value("INFERTRACE_DCGM", "http://$(HOST_IP):" + settings.dcgmPort() + "/metrics"));
    }
    env.add(value("OTEL_SERVICE_NAME", "infertrace-worker"));
    if (!settings.otlpEndpoint().isEmpty()) {
      env.add(value("OTEL_EXPORTER_OTLP_ENDPOINT", settings.otlpEndpoint()));
    }
    env.add(
        value(
            "OTEL_RESOURCE_ATTRIBUTES",
            "k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE),"
                + "k8s.node.name=$(NODE_NAME)"));
    return new ContainerBuilder()
        .withName(InjectAnnotations.SIDECAR_NAME)
        .withImage(settings.image())
        .withRestartPolicy("Always")
        .withArgs(
            "worker",
            "--listen",
            "0.0.0.0:" + listenPort,
            "--upstream",
            "http://127.0.0.1:" + upstreamPort,
            "--admin",
            "0.0.0.0:" + admin,
            "--otlp-receiver",
            "127.0.0.1:" + otlp,
            "--otlp-receiver-http",
            "127.0.0.1:" + (otlp + 1))
        .withPorts(
            new ContainerPortBuilder()
                .withName("infertrace")
                .withContainerPort(listenPort)
                .withProtocol("TCP")
                .build(),
            new ContainerPortBuilder()
                .withName("infertrace-adm")
                .withContainerPort(admin)
                .withProtocol("TCP")
                .build())
        .withEnv(env)
        .withResources(
            new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity(settings.cpuRequest()))
                .addToRequests("memory", new Quantity(settings.memoryRequest()))
                .addToLimits("memory", new Quantity(settings.memoryLimit()))
                .build())
        // The pod's containers start once this passes: vLLM's first request finds the sidecar up.
        .withStartupProbe(
            new ProbeBuilder()
                .withNewHttpGet()
                .withPath("/health")
                .withPort(new IntOrString(admin))
                .endHttpGet()
                .withPeriodSeconds(1)
                .withFailureThreshold(120)
                .build())
        .withReadinessProbe(
            new ProbeBuilder()
                .withNewHttpGet()
                .withPath("/ready")
                .withPort(new IntOrString(admin))
                .endHttpGet()
                .withPeriodSeconds(5)
                .build())
        .withSecurityContext(
            new SecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withAllowPrivilegeEscalation(false)
                .withNewCapabilities()
                .withDrop("ALL")
                .endCapabilities()
                .build())
        .build();
  }

  static EnvVar value(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }

  private static EnvVar fieldRef(String name, String path) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewFieldRef()
        .withFieldPath(path)
        .endFieldRef()
        .endValueFrom()
        .build();
  }
}
