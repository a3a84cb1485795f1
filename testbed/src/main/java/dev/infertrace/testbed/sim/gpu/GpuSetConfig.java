package dev.infertrace.testbed.sim.gpu;

import javax.annotation.Nullable;

/**
 * What the DCGM twin needs to know about the simulated GPUs of one {@code sim} instance.
 *
 * @param count how many GPUs the engine spans (tensor parallel), at least 1
 * @param instanceSeed distinguishes instances side by side (UUIDs, PCI bus ids derive from it)
 * @param hostname the {@code Hostname} label
 * @param pod the {@code pod} label, or null to leave pod labels out
 * @param namespace the {@code namespace} label, or null
 * @param container the {@code container} label, or null
 * @param weightsBytes model weights per GPU, in bytes (part of FB_USED)
 * @param kvBlockBytes bytes of one KV-cache block per GPU
 */
public record GpuSetConfig(
    int count,
    String instanceSeed,
    String hostname,
    @Nullable String pod,
    @Nullable String namespace,
    @Nullable String container,
    long weightsBytes,
    long kvBlockBytes) {}
