package dev.infertrace.testbed.epp;

import dev.infertrace.proxy.cli.AddressConverter;
import dev.infertrace.proxy.epp.Endpoint;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ./infertrace ref-epp}: the reference Endpoint Picker. */
@Command(
    name = "ref-epp",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "A reference Endpoint Picker speaking Envoy ext_proc, for when the llm-d EPP is not"
          + " installed: queue, KV-cache and approximate prefix-cache scorers with weights,"
          + " max-score picker, scores emitted in envoy.lb metadata (as the EPP's"
          + " --emit-endpoint-scores), endpoints from an llm-d file-discovery endpoints file, their"
          + " vLLM /metrics scraped every 50 ms."
    })
public final class RefEppCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      converter = AddressConverter.class,
      description = "ext_proc and gRPC health (default: 127.0.0.1:9002).")
  private InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 9002);

  @Option(
      names = "--endpoints",
      required = true,
      paramLabel = "FILE",
      description = "endpoints: [{name: w0, address: 127.0.0.1, port: \"8001\"}, ...]")
  private Path endpoints;

  @Option(
      names = "--weights",
      paramLabel = "queue=W,kv=W,prefix=W",
      description = "Scorer weights (default: ${DEFAULT-VALUE}).")
  private String weights = "queue=1,kv=1,prefix=1";

  @Option(
      names = "--misroute",
      description = "Fault: ignore load, send everything to the first endpoint.")
  private boolean misroute;

  @Override
  public Integer call() throws Exception {
    double q = 1;
    double kv = 1;
    double prefix = 1;
    for (String part : weights.split(",")) {
      String[] kvp = part.strip().split("=", 2);
      double w;
      try {
        w = Double.parseDouble(kvp.length == 2 ? kvp[1] : "x");
      } catch (NumberFormatException e) {
        throw new ParameterException(
            spec.commandLine(), "--weights: '" + part + "' is not name=number");
      }
      switch (kvp[0]) {
        case "queue" -> q = w;
        case "kv" -> kv = w;
        case "prefix" -> prefix = w;
        default ->
            throw new ParameterException(
                spec.commandLine(),
                "--weights: unknown scorer '" + kvp[0] + "'; use queue, kv, prefix");
      }
    }
    List<Endpoint> list;
    try {
      list = Endpoint.read(endpoints);
    } catch (java.io.IOException e) {
      throw new ParameterException(spec.commandLine(), "--endpoints " + e.getMessage());
    }
    InetSocketAddress address = listen;
    RefEpp epp = RefEpp.start(address, list, new Scorer(q, kv, prefix), misroute);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  epp.close();
                  stopped.countDown();
                },
                "ref-epp-stop"));
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "ref-epp: ext_proc on %s:%d, %d endpoint(s)%s%n",
        address.getHostString(), epp.port(), list.size(), misroute ? ", MISROUTING" : "");
    out.flush();
    stopped.await();
    return 0;
  }
}
