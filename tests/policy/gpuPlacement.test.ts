import { strict as assert } from "node:assert";
import { DEFAULT_GPU_NODES } from "../../config/schema";
import { KNOWN_GPU_PRODUCTS } from "../../conventions/gpu";
import { gpuPlacement } from "../../policy/policies/gpuPlacement";
import {
  gpuAffinity,
  mutate,
  podSpecOf,
  sidecar,
  SPEC_PATH,
  WORKLOAD_KINDS,
  workload,
  type Obj,
} from "./fixtures";
import { validateResource } from "./harness";

const ALLOWED =
  "NVIDIA-H100-80GB-HBM3, NVIDIA-H200, NVIDIA-A100-SXM4-80GB, NVIDIA-A100-SXM4-40GB, NVIDIA-L40S, NVIDIA-L4, NVIDIA-A10G, Tesla-T4";

describe("gpu-placement", () => {
  it("allows by default every GPU product the stack config accepts by default", async () => {
    const products = Object.keys(DEFAULT_GPU_NODES);
    assert.deepEqual(products, [...KNOWN_GPU_PRODUCTS]);
    for (const product of products) {
      const pod = mutate(workload("Deployment", "w", { gpus: 1 }), (p) => {
        podSpecOf("Deployment", p).affinity = gpuAffinity([product]);
      });
      assert.deepEqual(await validateResource(gpuPlacement, pod), [], product);
    }
  });

  for (const kind of WORKLOAD_KINDS) {
    describe(kind, () => {
      const sp = SPEC_PATH[kind];
      const ref = `${kind} ml/w`;

      it("accepts a GPU pod with the toleration and a required affinity on an allowed product", async () => {
        assert.deepEqual(await validateResource(gpuPlacement, workload(kind, "w", { gpus: 1 })), []);
      });

      it("reports a GPU pod without toleration and product selection", async () => {
        const r = mutate(workload(kind, "w", { gpus: 1 }), (p) => {
          const spec = podSpecOf(kind, p);
          Reflect.deleteProperty(spec, "tolerations");
          Reflect.deleteProperty(spec, "affinity");
        });
        assert.deepEqual(await validateResource(gpuPlacement, r), [
          `${ref}: the GPU pod does not tolerate the nvidia.com/gpu:NoSchedule taint of GPU nodes. Field: ${sp}.tolerations; found: no tolerations. Fix: add {key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule"} to ${sp}.tolerations`,
          `${ref}: the GPU pod does not select an allowed GPU product. Field: ${sp}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution; found: no required node affinity and no nodeSelector on nvidia.com/gpu.product. Fix: add a required node affinity (every term) or a nodeSelector on nvidia.com/gpu.product with values from ${ALLOWED}`,
        ]);
      });

      it("counts GPUs asked for by a native sidecar", async () => {
        const r = workload(kind, "w", { initContainers: [sidecar({ gpus: 1 })] });
        const msgs = await validateResource(gpuPlacement, r);
        assert.equal(msgs.length, 2);
        assert.match(msgs[0] ?? "", /does not tolerate/);
      });
    });
  }

  it("accepts a nodeSelector on an allowed product, and Equal tolerations", async () => {
    const r = mutate(workload("Deployment", "w", { gpus: 1 }), (p) => {
      const spec = podSpecOf("Deployment", p);
      Reflect.deleteProperty(spec, "affinity");
      spec.nodeSelector = { "nvidia.com/gpu.product": "NVIDIA-L40S" };
      spec.tolerations = [
        { key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" },
      ];
    });
    assert.deepEqual(await validateResource(gpuPlacement, r), []);
  });

  it("accepts a toleration without effect or a tolerate-everything toleration", async () => {
    for (const tol of [{ key: "nvidia.com/gpu", operator: "Exists" }, { operator: "Exists" }]) {
      const r = mutate(workload("Job", "w", { gpus: 1 }), (p) => {
        podSpecOf("Job", p).tolerations = [tol];
      });
      assert.deepEqual(await validateResource(gpuPlacement, r), [], JSON.stringify(tol));
    }
  });

  it("reports a toleration for the wrong effect or key", async () => {
    const r = mutate(workload("Job", "w", { gpus: 1 }), (p) => {
      podSpecOf("Job", p).tolerations = [
        { key: "nvidia.com/gpu", operator: "Exists", effect: "NoExecute" },
        { key: "dedicated", operator: "Equal", value: "ml", effect: "NoSchedule" },
      ];
    });
    assert.deepEqual(await validateResource(gpuPlacement, r), [
      `Job ml/w: the GPU pod does not tolerate the nvidia.com/gpu:NoSchedule taint of GPU nodes. Field: spec.template.spec.tolerations; found: tolerations for nvidia.com/gpu, dedicated. Fix: add {key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule"} to spec.template.spec.tolerations`,
    ]);
  });

  it("reports products outside the allowed list in nodeSelector and affinity", async () => {
    const r = mutate(workload("Deployment", "w", { gpus: 1 }), (p) => {
      const spec = podSpecOf("Deployment", p);
      spec.nodeSelector = { "nvidia.com/gpu.product": "NVIDIA-GeForce-RTX-4090" };
      spec.affinity = gpuAffinity(["NVIDIA-L40S", "NVIDIA-B200"]);
    });
    assert.deepEqual(await validateResource(gpuPlacement, r), [
      `Deployment ml/w: GPU product "NVIDIA-GeForce-RTX-4090" is not in the allowed list. Field: spec.template.spec.nodeSelector["nvidia.com/gpu.product"]; found: "NVIDIA-GeForce-RTX-4090". Fix: select one of ${ALLOWED}, or add the product to allowedProducts in the gpu-placement config`,
      `Deployment ml/w: GPU product "NVIDIA-B200" not in the allowed list. Field: spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values; found: ["NVIDIA-L40S","NVIDIA-B200"]. Fix: select only from ${ALLOWED}, or add the product to allowedProducts in the gpu-placement config`,
    ]);
    assert.deepEqual(
      await validateResource(gpuPlacement, r, {
        allowedProducts: ["NVIDIA-GeForce-RTX-4090", "NVIDIA-L40S", "NVIDIA-B200"],
      }),
      [],
    );
  });

  it("requires every nodeSelectorTerm to pin the product (terms are ORed)", async () => {
    const r = mutate(workload("Deployment", "w", { gpus: 1 }), (p) => {
      const affinity = gpuAffinity() as {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: Obj[] } };
      };
      affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.push({
        matchExpressions: [{ key: "nvidia.com/gpu.product", operator: "NotIn", values: ["Tesla-T4"] }],
      });
      podSpecOf("Deployment", p).affinity = affinity;
    });
    const msgs = await validateResource(gpuPlacement, r);
    assert.equal(msgs.length, 1);
    assert.match(
      msgs[0] ?? "",
      /does not select an allowed GPU product.*found: a nodeSelectorTerm without an In expression on nvidia\.com\/gpu\.product/,
    );
  });

  it("ignores CPU pods, and honours a custom product label and taint", async () => {
    assert.deepEqual(await validateResource(gpuPlacement, workload("Deployment", "cpu")), []);
    const r = mutate(workload("Deployment", "w", { gpus: 1 }), (p) => {
      const spec = podSpecOf("Deployment", p);
      spec.affinity = undefined;
      spec.nodeSelector = { "cloud.example.com/accelerator": "a100" };
      spec.tolerations = [{ key: "gpu", operator: "Exists", effect: "NoSchedule" }];
    });
    const cfg = { productLabel: "cloud.example.com/accelerator", allowedProducts: ["a100"], taintKey: "gpu" };
    assert.deepEqual(await validateResource(gpuPlacement, r, cfg), []);
  });
});
