package dev.infertrace.testbed.sim.gpu;

import dev.infertrace.core.schema.MetricNames.Dcgm;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import javax.annotation.Nullable;

/**
 * Writes dcgm-exporter's text exposition for a set of GPUs: the default counters, then the throttle
 * fields a custom counters CSV enables (max SM clock, clocks-event reasons, thermal and power
 * violation time), with HELP and TYPE lines, labels in dcgm-exporter's order ({@code gpu}, {@code
 * UUID}, {@code pci_bus_id}, {@code device}, {@code modelName}, {@code Hostname}, {@code
 * DCGM_FI_DRIVER_VERSION}, then {@code container}, {@code namespace}, {@code pod} when set),
 * integers as integers and decimals with six places, as dcgm-exporter prints them. Stateless.
 */
final class DcgmExposition {
  private record Field(String name, String type, String help, Function<GpuSample, String> value) {}

  private static final List<Field> FIELDS =
      List.of(
          field(Dcgm.SM_CLOCK, "gauge", "SM clock frequency (in MHz).", s -> i(s.smClockMhz())),
          field(
              "DCGM_FI_DEV_MEM_CLOCK",
              "gauge",
              "Memory clock frequency (in MHz).",
              s -> i(s.memClockMhz())),
          field(
              "DCGM_FI_DEV_MEMORY_TEMP",
              "gauge",
              "Memory temperature (in C).",
              s -> i(s.memoryTempC())),
          field(Dcgm.GPU_TEMP, "gauge", "GPU temperature (in C).", s -> i(s.gpuTempC())),
          field(Dcgm.POWER_USAGE, "gauge", "Power draw (in W).", s -> d(s.powerW())),
          field(
              "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
              "counter",
              "Total energy consumption since boot (in mJ).",
              s -> i(s.energyMillijoules())),
          field(
              "DCGM_FI_DEV_PCIE_REPLAY_COUNTER",
              "counter",
              "Total number of PCIe retries.",
              s -> "0"),
          field(Dcgm.GPU_UTIL, "gauge", "GPU utilization (in %).", s -> i(s.gpuUtil())),
          field(
              "DCGM_FI_DEV_MEM_COPY_UTIL",
              "gauge",
              "Memory utilization (in %).",
              s -> i(s.memCopyUtil())),
          field(
              "DCGM_FI_DEV_FB_FREE",
              "gauge",
              "Framebuffer memory free (in MiB).",
              s -> i(s.fbFreeMiB())),
          field(Dcgm.FB_USED, "gauge", "Framebuffer memory used (in MiB).", s -> i(s.fbUsedMiB())),
          field(
              "DCGM_FI_DEV_FB_RESERVED",
              "gauge",
              "Framebuffer memory reserved (in MiB).",
              s -> i(s.fbReservedMiB())),
          field(
              "DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL",
              "counter",
              "Total number of NVLink bandwidth counters for all lanes.",
              s -> i(s.nvlinkBytes())),
          field(
              "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS",
              "counter",
              "Number of remapped rows for uncorrectable errors.",
              s -> "0"),
          field(
              "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS",
              "counter",
              "Number of remapped rows for correctable errors.",
              s -> "0"),
          field(
              "DCGM_FI_DEV_ROW_REMAP_FAILURE",
              "gauge",
              "Whether remapping of rows has failed.",
              s -> "0"),
          field(
              "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
              "gauge",
              "Ratio of time the graphics engine is active.",
              s -> d(s.grEngineActive())),
          field(
              Dcgm.PIPE_TENSOR_ACTIVE,
              "gauge",
              "Ratio of cycles the tensor (HMMA) pipe is active.",
              s -> d(s.tensorActive())),
          field(
              "DCGM_FI_PROF_DRAM_ACTIVE",
              "gauge",
              "Ratio of cycles the device memory interface is active sending or receiving data.",
              s -> d(s.dramActive())),
          field(
              "DCGM_FI_PROF_PCIE_TX_BYTES",
              "gauge",
              "The rate of data transmitted over the PCIe bus - including both protocol headers"
                  + " and data payloads - in bytes per second.",
              s -> i(s.pcieTxBytesPerSecond())),
          field(
              "DCGM_FI_PROF_PCIE_RX_BYTES",
              "gauge",
              "The rate of data received over the PCIe bus - including both protocol headers and"
                  + " data payloads - in bytes per second.",
              s -> i(s.pcieRxBytesPerSecond())));

  /**
   * The fields that tell a throttled GPU from a slow one. The reasons mask prints as a float, as
   * the exporter prints it.
   */
  private static final List<Field> THROTTLE_FIELDS =
      List.of(
          field(
              Dcgm.MAX_SM_CLOCK,
              "gauge",
              "Maximum supported SM clock frequency (in MHz).",
              s -> i(GpuModel.MAX_SM_CLOCK_MHZ)),
          field(
              Dcgm.CLOCKS_EVENT_REASONS,
              "gauge",
              "Current clock event reasons.",
              s -> d(s.clocksEventReasons())),
          field(
              Dcgm.THERMAL_VIOLATION,
              "counter",
              "Throttling duration due to thermal constraints (in ns).",
              s -> i(s.thermalViolationNanos())),
          field(
              Dcgm.POWER_VIOLATION,
              "counter",
              "Throttling duration due to power constraints (in ns).",
              s -> i(s.powerViolationNanos())));

  private static final Map<Integer, String> XID_MESSAGES =
      Map.of(
          13, "Graphics Engine Exception",
          31, "GPU memory page fault",
          43, "GPU stopped processing",
          45, "Preemptive cleanup, due to previous errors",
          48, "Double Bit ECC Error",
          63, "ECC page retirement or row remapping recording event",
          64, "ECC page retirement or row remapper recording failure",
          74, "NVLINK Error",
          79, "GPU has fallen off the bus",
          94, "Contained ECC error");

  private DcgmExposition() {}

  static void write(
      StringBuilder out,
      List<GpuTwin> gpus,
      String hostname,
      @Nullable String container,
      @Nullable String namespace,
      @Nullable String pod) {
    String[] labels = new String[gpus.size()];
    for (int g = 0; g < labels.length; g++) {
      labels[g] = labels(gpus.get(g).id(), hostname, container, namespace, pod);
    }
    GpuSample[] samples = new GpuSample[gpus.size()];
    for (int g = 0; g < samples.length; g++) {
      samples[g] = gpus.get(g).last();
    }
    for (Field f : FIELDS) {
      header(out, f.name(), f.type(), f.help());
      for (int g = 0; g < samples.length; g++) {
        out.append(f.name()).append('{').append(labels[g]).append("} ");
        out.append(f.value().apply(samples[g])).append('\n');
      }
    }
    // XID: the value is the last XID code, named by err_code/err_msg ("No Error" at 0, as the
    // exporter prints it). Labels after the driver version are in name order, as the exporter
    // sorts its extra labels: container, err_code, err_msg, namespace, pod.
    header(out, Dcgm.XID_ERRORS, "gauge", "Value of the last XID error encountered.");
    for (int g = 0; g < samples.length; g++) {
      int xid = samples[g].xid();
      GpuIdentity id = gpus.get(g).id();
      StringBuilder l = new StringBuilder(labels(id, hostname, null, null, null));
      if (container != null) {
        label(l, "container", container);
      }
      label(l, "err_code", Integer.toString(xid));
      label(l, "err_msg", xid == 0 ? "No Error" : XID_MESSAGES.getOrDefault(xid, "XID " + xid));
      if (namespace != null) {
        label(l, "namespace", namespace);
      }
      if (pod != null) {
        label(l, "pod", pod);
      }
      out.append(Dcgm.XID_ERRORS).append("{").append(l).append("} ").append(xid).append('\n');
    }
    // Off by default in dcgm-exporter: these follow as a counters CSV that appends them would.
    for (Field f : THROTTLE_FIELDS) {
      header(out, f.name(), f.type(), f.help());
      for (int g = 0; g < samples.length; g++) {
        out.append(f.name()).append('{').append(labels[g]).append("} ");
        out.append(f.value().apply(samples[g])).append('\n');
      }
    }
  }

  private static String labels(
      GpuIdentity id,
      String hostname,
      @Nullable String container,
      @Nullable String namespace,
      @Nullable String pod) {
    StringBuilder l = new StringBuilder(256);
    l.append("gpu=\"").append(id.index()).append('"');
    label(l, "UUID", id.uuid());
    label(l, "pci_bus_id", id.pciBusId());
    label(l, "device", id.device());
    label(l, "modelName", GpuModel.NAME);
    label(l, "Hostname", hostname);
    label(l, "DCGM_FI_DRIVER_VERSION", GpuModel.DRIVER_VERSION);
    if (container != null) {
      label(l, "container", container);
    }
    if (namespace != null) {
      label(l, "namespace", namespace);
    }
    if (pod != null) {
      label(l, "pod", pod);
    }
    return l.toString();
  }

  private static void label(StringBuilder l, String name, String value) {
    l.append(',').append(name).append("=\"");
    l.append(dev.infertrace.core.metrics.PrometheusText.escapeLabelValue(value)).append('"');
  }

  private static void header(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static Field field(
      String name, String type, String help, Function<GpuSample, String> value) {
    return new Field(name, type, help, value);
  }

  private static String i(long v) {
    return Long.toString(v);
  }

  private static String d(double v) {
    return String.format(Locale.ROOT, "%.6f", v);
  }
}
