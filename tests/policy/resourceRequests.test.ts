import { strict as assert } from "node:assert";
import { resourceRequests } from "../../policy/policies/resourceRequests";
import { container, initContainer, sidecar, SPEC_PATH, WORKLOAD_KINDS, workload } from "./fixtures";
import { validateResource } from "./harness";

describe("resource-requests", () => {
  for (const kind of WORKLOAD_KINDS) {
    describe(kind, () => {
      const sp = SPEC_PATH[kind];
      const ref = `${kind} ml/w`;

      it("accepts containers, init containers and sidecars with CPU and memory requests and limits", async () => {
        const r = workload(kind, "w", { initContainers: [initContainer(), sidecar()] });
        assert.deepEqual(await validateResource(resourceRequests, r), []);
      });

      it("reports what each container misses, init containers and sidecars included", async () => {
        const main = container();
        main.resources = { requests: { cpu: "1" } };
        const loader = sidecar();
        loader.resources = { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "128Mi" } };
        const init = initContainer();
        Reflect.deleteProperty(init, "resources");
        const r = workload(kind, "w", { containers: [main], initContainers: [init, loader] });
        assert.deepEqual(await validateResource(resourceRequests, r), [
          `${ref}, container "server": missing requests.memory, limits.cpu, limits.memory. Field: ${sp}.containers[0].resources; found: {"requests":{"cpu":"1"}}. Fix: set ${sp}.containers[0].resources.requests.memory, ${sp}.containers[0].resources.limits.cpu, ${sp}.containers[0].resources.limits.memory (requests drive scheduling, limits cap usage)`,
          `${ref}, init container "init": missing requests.cpu, requests.memory, limits.cpu, limits.memory. Field: ${sp}.initContainers[0].resources; found: not set. Fix: set ${sp}.initContainers[0].resources.requests.cpu, ${sp}.initContainers[0].resources.requests.memory, ${sp}.initContainers[0].resources.limits.cpu, ${sp}.initContainers[0].resources.limits.memory (requests drive scheduling, limits cap usage)`,
          `${ref}, sidecar container "model-loader": missing limits.cpu. Field: ${sp}.initContainers[1].resources; found: {"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"memory":"128Mi"}}. Fix: set ${sp}.initContainers[1].resources.limits.cpu (requests drive scheduling, limits cap usage)`,
        ]);
      });
    });
  }

  it("makes CPU and memory limits optional through config", async () => {
    const c = container();
    c.resources = { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } };
    const r = workload("Deployment", "w", { containers: [c] });
    assert.equal((await validateResource(resourceRequests, r)).length, 1);
    assert.deepEqual(await validateResource(resourceRequests, r, { requireCpuLimit: false }), []);
  });

  it("reports invalid quantities and requests above limits", async () => {
    const c = container();
    c.resources = { requests: { cpu: "2", memory: "lots" }, limits: { cpu: "1500m", memory: "8Gi" } };
    const msgs = await validateResource(resourceRequests, workload("Deployment", "w", { containers: [c] }));
    assert.deepEqual(msgs, [
      `Deployment ml/w, container "server": requests.memory is not a valid quantity. Field: spec.template.spec.containers[0].resources.requests.memory; found: "lots". Fix: use a Kubernetes quantity such as "512Mi" or "8Gi"`,
      `Deployment ml/w, container "server": the cpu request is above the cpu limit. Field: spec.template.spec.containers[0].resources.requests.cpu; found: "2" (limit "1500m"). Fix: lower requests.cpu to at most the limit, or raise limits.cpu`,
    ]);
  });

  it("compares quantities across units (1Gi = 1024Mi, 0.5 = 500m)", async () => {
    const c = container();
    c.resources = { requests: { cpu: "0.5", memory: "1024Mi" }, limits: { cpu: "500m", memory: "1Gi" } };
    assert.deepEqual(await validateResource(resourceRequests, workload("Pod", "w", { containers: [c] })), []);
  });
});
