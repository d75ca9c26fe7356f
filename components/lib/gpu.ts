import type * as k8s from "@pulumi/kubernetes";

/** The extended resource NVIDIA's device plugin advertises for whole GPUs. */
export const GPU_RESOURCE = "nvidia.com/gpu";

/** Node label set by GPU feature discovery with the GPU model, e.g. `NVIDIA-H100-80GB-HBM3`. */
export const GPU_PRODUCT_LABEL = "nvidia.com/gpu.product";

/** The taint GPU node pools carry so that only pods asking for GPUs land there. */
export const GPU_TAINT_KEY = "nvidia.com/gpu";

/** GPU products (as GPU feature discovery names them) the project knows how to place on. */
export const KNOWN_GPU_PRODUCTS: readonly string[] = [
  "NVIDIA-H100-80GB-HBM3",
  "NVIDIA-H200",
  "NVIDIA-A100-SXM4-80GB",
  "NVIDIA-A100-SXM4-40GB",
  "NVIDIA-L40S",
  "NVIDIA-L4",
  "NVIDIA-A10G",
  "Tesla-T4",
];

/** CPU, memory and GPU for one container. */
export interface ComputeResources {
  /** Whole GPUs. 0 means the container asks for none. */
  readonly gpus: number;
  /** CPU request, e.g. "4". */
  readonly cpu: string;
  /** Memory request and limit, e.g. "16Gi". The limit equals the request so GPU pods are not OOM-surprised. */
  readonly memory: string;
  /**
   * CPU limit. Defaults to the request: with memory and GPU limits equal to their requests too,
   * the pod gets the Guaranteed QoS class (last to be evicted, eligible for exclusive CPUs),
   * and a namespace quota on `limits.cpu` or a policy requiring CPU limits is satisfied.
   * @default the CPU request
   */
  readonly cpuLimit?: string;
}

/**
 * Resource requirements with the GPU in `limits` (where Kubernetes requires extended
 * resources) and the same count in `requests`, as the policy pack demands; every limit equals
 * its request unless `cpuLimit` says otherwise.
 */
export function containerResources(
  resources: ComputeResources,
): k8s.types.input.core.v1.ResourceRequirements {
  const gpu: Record<string, string> = resources.gpus > 0 ? { [GPU_RESOURCE]: String(resources.gpus) } : {};
  return {
    requests: { cpu: resources.cpu, memory: resources.memory, ...gpu },
    limits: { cpu: resources.cpuLimit ?? resources.cpu, memory: resources.memory, ...gpu },
  };
}

/** Tolerates the GPU taint so GPU pods may land on GPU nodes. */
export function gpuTolerations(): k8s.types.input.core.v1.Toleration[] {
  return [{ key: GPU_TAINT_KEY, operator: "Exists", effect: "NoSchedule" }];
}

/** Requires a node whose GPU product is one of `products`. */
export function gpuNodeAffinity(products: readonly string[]): k8s.types.input.core.v1.Affinity {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: GPU_PRODUCT_LABEL, operator: "In", values: [...products] }] },
        ],
      },
    },
  };
}

/** Tolerations and affinity for a pod, or nothing for a CPU-only pod. */
export function gpuPlacement(
  gpus: number,
  products: readonly string[],
): Pick<k8s.types.input.core.v1.PodSpec, "tolerations" | "affinity"> {
  if (gpus === 0) return {};
  return {
    tolerations: gpuTolerations(),
    ...(products.length > 0 ? { affinity: gpuNodeAffinity(products) } : {}),
  };
}
