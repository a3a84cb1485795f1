package dev.infertrace.testbed;

import picocli.CommandLine.IVersionProvider;

/** Reports the version recorded in the jar manifest ({@code dev} when run from classes). */
public final class InfertraceVersion implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = InfertraceVersion.class.getPackage().getImplementationVersion();
    return new String[] {"infertrace " + (version == null ? "dev" : version)};
  }
}
