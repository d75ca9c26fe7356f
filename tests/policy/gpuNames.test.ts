import { strict as assert } from "node:assert";
import { GPU_VENDORS, isBuiltinGpuResource } from "../../conventions/gpu";
import { gpuNames } from "../../policy/lib/gpu";

describe("GPU resource names (conventions/gpu.ts)", () => {
  const gpus: readonly [vendor: string, name: string][] = [
    ["NVIDIA", "nvidia.com/gpu"],
    ["NVIDIA", "nvidia.com/gpu.shared"],
    ["NVIDIA", "nvidia.com/mig-1g.10gb"],
    ["NVIDIA", "nvidia.com/mig-3g.40gb"],
    ["NVIDIA", "nvidia.com/mig-1g.12gb+me"],
    ["NVIDIA", "nvidia.com/mig-1c.3g.40gb"],
    ["NVIDIA", "nvidia.com/mig-2g.20gb.shared"],
    ["AMD", "amd.com/gpu"],
    ["Intel", "gpu.intel.com/i915"],
    ["Intel", "gpu.intel.com/xe"],
  ];
  for (const [vendor, name] of gpus) {
    it(`counts ${name} (${vendor}) as a GPU`, () => {
      assert.ok(isBuiltinGpuResource(name));
      const owner = GPU_VENDORS.find(
        (entry) => entry.names.includes(name) || entry.patterns.some((pattern) => pattern.test(name)),
      );
      assert.equal(owner?.vendor, vendor);
    });
  }

  for (const name of [
    "nvidia.com/gpu.product",
    "nvidia.com/mig-1g",
    "nvidia.com/mig-1g.10gb.extra",
    "amd.com/gpu2",
    "gpu.intel.com/millicores",
    "gpu.intel.com/memory.max",
    "habana.ai/gaudi",
    "cpu",
    "memory",
  ]) {
    it(`does not count ${name} by default`, () => {
      assert.ok(!isBuiltinGpuResource(name));
    });
  }

  it("adds names from extraGpuResources", () => {
    assert.ok(!gpuNames().isGpu("habana.ai/gaudi"));
    assert.ok(gpuNames(["habana.ai/gaudi"]).isGpu("habana.ai/gaudi"));
    assert.ok(gpuNames(["habana.ai/gaudi"]).isGpu("amd.com/gpu"));
  });
});
