package dev.infertrace.testbed.sim.gpu;

/**
 * The values one GPU reports for one DCGM sampling interval, in dcgm-exporter's units.
 *
 * @param sampledAtNanos when the sample was taken (SimClock nanoseconds); a consumer computes the
 *     sample age from it, at most one DCGM interval
 * @param gpuUtil percent of the interval the engine was busy, 0–100
 * @param memCopyUtil percent of the interval memory was being read or written, 0–100
 * @param smClockMhz SM clock, MHz
 * @param memClockMhz memory clock, MHz
 * @param gpuTempC GPU temperature, °C
 * @param memoryTempC HBM temperature, °C
 * @param powerW power draw, W
 * @param energyMillijoules energy since the twin started, mJ (counter)
 * @param fbUsedMiB framebuffer in use, MiB
 * @param fbFreeMiB framebuffer free, MiB
 * @param fbReservedMiB framebuffer reserved by the driver, MiB
 * @param xid the last XID error seen, 0 for none
 * @param grEngineActive ratio of the interval the graphics engine was active, 0–1
 * @param tensorActive ratio of the interval the tensor pipes were active, 0–1
 * @param dramActive ratio of the interval device memory was active, 0–1
 * @param pcieTxBytesPerSecond PCIe transmit rate
 * @param pcieRxBytesPerSecond PCIe receive rate
 * @param nvlinkBytes NVLink traffic since the twin started (counter)
 * @param clocksEventReasons NVML's clocks-event-reason bits in force at the sample
 * @param thermalViolationNanos time the clocks were held down by thermal limits, ns (counter)
 * @param powerViolationNanos time the draw was at the power cap, ns (counter)
 */
record GpuSample(
    long sampledAtNanos,
    int gpuUtil,
    int memCopyUtil,
    int smClockMhz,
    int memClockMhz,
    int gpuTempC,
    int memoryTempC,
    double powerW,
    long energyMillijoules,
    long fbUsedMiB,
    long fbFreeMiB,
    long fbReservedMiB,
    int xid,
    double grEngineActive,
    double tensorActive,
    double dramActive,
    long pcieTxBytesPerSecond,
    long pcieRxBytesPerSecond,
    long nvlinkBytes,
    long clocksEventReasons,
    long thermalViolationNanos,
    long powerViolationNanos) {}
