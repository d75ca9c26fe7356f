import { strict as assert } from "node:assert";
import { gpuLimits } from "../../policy/policies/gpuLimits";
import {
  container,
  firstContainer,
  initContainer,
  mutate,
  podSpecOf,
  sidecar,
  SPEC_PATH,
  WORKLOAD_KINDS,
  workload,
  type Obj,
} from "./fixtures";
import { validateResource } from "./harness";

function resourcesOf(c: Obj): { requests: Obj; limits: Obj } {
  return c.resources as { requests: Obj; limits: Obj };
}

describe("gpu-limits", () => {
  for (const kind of WORKLOAD_KINDS) {
    describe(kind, () => {
      const sp = SPEC_PATH[kind];
      const ref = `${kind} ml/w`;

      it("accepts whole-number GPU limits with equal requests", async () => {
        assert.deepEqual(await validateResource(gpuLimits, workload(kind, "w", { gpus: 2 })), []);
      });

      it("reports a GPU request without a limit", async () => {
        const r = mutate(workload(kind, "w", { gpus: 1 }), (p) => {
          Reflect.deleteProperty(resourcesOf(firstContainer(kind, p)).limits, "nvidia.com/gpu");
        });
        assert.deepEqual(await validateResource(gpuLimits, r), [
          `${ref}, container "server": requests GPU resource "nvidia.com/gpu" without a limit. Field: ${sp}.containers[0].resources.limits["nvidia.com/gpu"]; found: not set (${sp}.containers[0].resources.requests["nvidia.com/gpu"] = "1"). Fix: set ${sp}.containers[0].resources.limits["nvidia.com/gpu"] to "1", equal to the request (enforcement level "remediate" does this)`,
        ]);
      });

      it("reports a fractional GPU limit in a native sidecar", async () => {
        const loader = sidecar();
        resourcesOf(loader).limits["nvidia.com/gpu"] = "0.5";
        const r = workload(kind, "w", { gpus: 1, initContainers: [loader] });
        assert.deepEqual(await validateResource(gpuLimits, r), [
          `${ref}, sidecar container "model-loader": GPU limit "nvidia.com/gpu" is not a whole number. Field: ${sp}.initContainers[0].resources.limits["nvidia.com/gpu"]; found: "0.5". Fix: set ${sp}.initContainers[0].resources.limits["nvidia.com/gpu"] to a whole number of GPUs (fractions need a shared or MIG resource such as nvidia.com/gpu.shared or nvidia.com/mig-1g.10gb)`,
        ]);
      });

      it("reports an init container whose GPU request differs from its limit", async () => {
        const init = initContainer({ gpus: 2 });
        resourcesOf(init).requests["nvidia.com/gpu"] = 1;
        const r = workload(kind, "w", { gpus: 1, initContainers: [init] });
        assert.deepEqual(await validateResource(gpuLimits, r), [
          `${ref}, init container "init": GPU request "nvidia.com/gpu" differs from its limit. Field: ${sp}.initContainers[0].resources.requests["nvidia.com/gpu"]; found: 1 (limit "2"). Fix: set ${sp}.initContainers[0].resources.requests["nvidia.com/gpu"] to "2", equal to the limit, or remove it`,
        ]);
      });
    });
  }

  it("covers NVIDIA (shared, MIG), AMD and Intel GPUs by default, and names added in config", async () => {
    const c = container();
    resourcesOf(c).requests["nvidia.com/gpu.shared"] = 1;
    resourcesOf(c).requests["nvidia.com/mig-1g.10gb"] = 2;
    resourcesOf(c).requests["amd.com/gpu"] = 1;
    resourcesOf(c).requests["gpu.intel.com/xe"] = 1;
    resourcesOf(c).requests["habana.ai/gaudi"] = 1;
    const r = workload("Deployment", "w", { containers: [c] });
    const defaults = await validateResource(gpuLimits, r);
    assert.deepEqual(
      defaults.map((message) => /requests GPU resource "([^"]+)" without a limit/.exec(message)?.[1]),
      ["nvidia.com/gpu.shared", "nvidia.com/mig-1g.10gb", "amd.com/gpu", "gpu.intel.com/xe"],
    );
    const withGaudi = await validateResource(gpuLimits, r, { extraGpuResources: ["habana.ai/gaudi"] });
    assert.equal(withGaudi.length, 5);
    assert.match(withGaudi[4] ?? "", /requests GPU resource "habana\.ai\/gaudi" without a limit/);
  });

  it("accepts a limit without a request, and quantities written as numbers or strings", async () => {
    const c = container({ gpus: 1 });
    Reflect.deleteProperty(resourcesOf(c).requests, "nvidia.com/gpu");
    resourcesOf(c).limits["nvidia.com/gpu"] = 1;
    assert.deepEqual(await validateResource(gpuLimits, workload("Deployment", "w", { containers: [c] })), []);
  });

  it("rejects a milli-GPU limit and a negative limit", async () => {
    const a = container({ name: "a", gpus: 1 });
    resourcesOf(a).limits["nvidia.com/gpu"] = "500m";
    Reflect.deleteProperty(resourcesOf(a).requests, "nvidia.com/gpu");
    const b = container({ name: "b", gpus: 1 });
    resourcesOf(b).limits["nvidia.com/gpu"] = -1;
    Reflect.deleteProperty(resourcesOf(b).requests, "nvidia.com/gpu");
    const msgs = await validateResource(gpuLimits, workload("Pod", "w", { containers: [a, b] }));
    assert.equal(msgs.length, 2);
    assert.match(
      msgs[0] ?? "",
      /container "a": GPU limit "nvidia.com\/gpu" is not a whole number.*found: "500m"/,
    );
    assert.match(
      msgs[1] ?? "",
      /container "b": GPU limit "nvidia.com\/gpu" is not a whole number.*found: -1/,
    );
  });

  it("enforces the per-container maximum from config", async () => {
    const r = workload("StatefulSet", "w", { gpus: 4 });
    assert.deepEqual(await validateResource(gpuLimits, r), []);
    assert.deepEqual(await validateResource(gpuLimits, r, { maxGpusPerContainer: 2, maxGpusPerPod: 8 }), [
      `StatefulSet ml/w, container "server": GPU limit "nvidia.com/gpu" is above the per-container maximum of 2. Field: spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]; found: "4". Fix: use at most 2 GPUs per container, or raise maxGpusPerContainer in the gpu-limits config`,
    ]);
  });

  it("computes the per-pod amount as Kubernetes does for init containers and sidecars", async () => {
    // regular 2 + sidecar 1 = 3; classic init container 4 (+ sidecar 0 before it) = 4 -> pod uses 4.
    const r = workload("Deployment", "w", {
      containers: [container({ gpus: 2 })],
      initContainers: [initContainer({ gpus: 4 }), sidecar({ gpus: 1 })],
    });
    assert.deepEqual(await validateResource(gpuLimits, r, { maxGpusPerPod: 4 }), []);
    assert.deepEqual(await validateResource(gpuLimits, r, { maxGpusPerPod: 3 }), [
      `Deployment ml/w: the pod uses 4 GPUs, above the per-pod maximum of 3. Field: spec.template.spec; found: nvidia.com/gpu=4 (effective pod amount over containers, init containers and sidecars). Fix: use at most 3 GPUs per pod (split the work across pods), or raise maxGpusPerPod in the gpu-limits config`,
    ]);
    // A sidecar declared before the init container adds to it: 1 + 4 = 5.
    const before = workload("Deployment", "w", {
      containers: [container({ gpus: 2 })],
      initContainers: [sidecar({ gpus: 1 }), initContainer({ gpus: 4 })],
    });
    const msgs = await validateResource(gpuLimits, before, { maxGpusPerPod: 4 });
    assert.equal(msgs.length, 1);
    assert.match(msgs[0] ?? "", /the pod uses 5 GPUs/);
  });

  it("ignores CPU-only pods and kinds without a pod template", async () => {
    assert.deepEqual(await validateResource(gpuLimits, workload("Job", "w")), []);
    const cm = { type: "kubernetes:core/v1:ConfigMap", name: "c", urn: "urn:c", props: { data: { a: "b" } } };
    assert.deepEqual(await validateResource(gpuLimits, cm), []);
    const other = {
      type: "random:index/randomString:RandomString",
      name: "r",
      urn: "urn:r",
      props: { length: 4 },
    };
    assert.deepEqual(await validateResource(gpuLimits, other), []);
  });

  it("names the container by index when it has no name, and handles a pod spec in a Pod", async () => {
    const c = container({ gpus: 1 });
    Reflect.deleteProperty(c, "name");
    resourcesOf(c).limits["nvidia.com/gpu"] = "1.5";
    const r = workload("Pod", "p", { containers: [c] });
    const msgs = await validateResource(gpuLimits, r);
    assert.equal(msgs.length, 1);
    assert.match(
      msgs[0] ?? "",
      /^Pod ml\/p, container "#0": GPU limit "nvidia.com\/gpu" is not a whole number\. Field: spec\.containers\[0\]/,
    );
    assert.ok(podSpecOf("Pod", r.props).containers);
  });
});
