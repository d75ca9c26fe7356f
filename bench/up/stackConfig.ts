// The generated stack config of the `up` benchmark: N model servers, every fifth on one GPU.

import { NAMESPACE, PROJECT } from "./settings";

const GPU_PRODUCTS = ["NVIDIA-H100-80GB-HBM3", "NVIDIA-L40S"] as const;

/**
 * The stack file's content for `models` model servers, each with an HPA (1-2 replicas); every
 * fifth (the first included) serves on 1 GPU, alternately H100 and L40S, the others on CPU
 * only. quota.gpus is the GPU demand at maximum scale (2 replicas x 1 GPU per GPU model).
 */
export function benchConfig(models: number): Record<string, unknown> {
  const list = Array.from({ length: models }, (_, index) => {
    const gpu = index % 5 === 0;
    return {
      name: `model-${String(index + 1).padStart(3, "0")}`,
      image: "ghcr.io/k8s-ml-patterns/inference-server:1.4.0",
      loaderImage: "ghcr.io/k8s-ml-patterns/model-loader:1.4.0",
      modelUri: `s3://models/bench-${index + 1}`,
      gpuProduct: GPU_PRODUCTS[(index / 5) % 2 === 0 ? 0 : 1],
      gpusPerPod: gpu ? 1 : 0,
      cpu: "500m",
      // Above the 8Gi /dev/shm every server mounts (the component requires memory > shm).
      memory: "10Gi",
      replicas: 1,
      maxModelLoadSeconds: 60,
      autoscaling: { minReplicas: 1, maxReplicas: 2, targetCpuUtilization: 70 },
    };
  });
  const gpuModels = list.filter((model) => model.gpusPerPod > 0).length;
  const configKey = (key: string): string => `${PROJECT}:${key}`;
  return {
    config: {
      [configKey("namespace")]: NAMESPACE,
      [configKey("priorityClassPrefix")]: "ml-bench",
      [configKey("installWorkflowCrd")]: false,
      // The benchmark measures the workloads' up; the admission policies are measured by the e2e tests.
      [configKey("admissionPolicies")]: { enabled: false },
      [configKey("gpuNodes")]: { "NVIDIA-H100-80GB-HBM3": 8, "NVIDIA-L40S": 4 },
      [configKey("quota")]: {
        // maxReplicas 2 plus the rollout's surge pod per GPU model.
        gpus: 3 * gpuModels,
        // The demand at maximum scale with the rollout's surge pod: 3 pods x 1.5 CPU and 11Gi per
        // model (the program rejects a quota below it), so 200 models need 900 CPU and 6600Gi.
        requestsCpu: String(Math.max(1000, 5 * models)),
        requestsMemory: `${Math.max(4, Math.ceil((34 * models) / 1024))}Ti`,
        limitsMemory: `${2 * Math.max(4, Math.ceil((34 * models) / 1024))}Ti`,
        maxGpusPerContainer: 1,
      },
      [configKey("models")]: list,
      [configKey("egress")]: { modelSource: { cidrs: ["10.30.8.0/24"] } },
    },
  };
}
