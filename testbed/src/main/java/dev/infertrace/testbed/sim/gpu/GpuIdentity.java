package dev.infertrace.testbed.sim.gpu;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * How one simulated GPU is named in DCGM labels. Derived from the instance seed and the index, so
 * the same twin always has the same GPUs and two twins side by side never share a UUID.
 */
record GpuIdentity(int index, String uuid, String pciBusId, String device) {

  static GpuIdentity of(String instanceSeed, int index) {
    UUID u =
        UUID.nameUUIDFromBytes((instanceSeed + "#gpu" + index).getBytes(StandardCharsets.UTF_8));
    int bus = (int) Math.floorMod(u.getLeastSignificantBits(), 0xe0L) + 0x10;
    return new GpuIdentity(
        index, "GPU-" + u, String.format("00000000:%02X:00.0", bus), "nvidia" + index);
  }
}
