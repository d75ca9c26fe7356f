import type * as k8s from "@pulumi/kubernetes";
import { GPU_PRODUCT_LABEL, GPU_RESOURCE, GPU_TAINT } from "../../conventions/gpu";

/** CPU, memory and GPU for one container. */
export interface ComputeResources {
  /** Whole GPUs. 0 means the container asks for none. */
  readonly gpus: number;
  /** The extended resource the GPUs are requested as. @default "nvidia.com/gpu" */
  readonly gpuResourceName?: string;
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
  const gpu: Record<string, string> =
    resources.gpus > 0 ? { [resources.gpuResourceName ?? GPU_RESOURCE]: String(resources.gpus) } : {};
  return {
    requests: { cpu: resources.cpu, memory: resources.memory, ...gpu },
    limits: { cpu: resources.cpuLimit ?? resources.cpu, memory: resources.memory, ...gpu },
  };
}

/** Tolerates the GPU taint so GPU pods may land on GPU nodes. */
export function gpuTolerations(): k8s.types.input.core.v1.Toleration[] {
  return [{ key: GPU_TAINT.key, operator: "Exists", effect: GPU_TAINT.effect }];
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
