/**
 * GPUs as Kubernetes sees them: the extended resources device plugins advertise, the node label
 * and taint of GPU nodes, and the GPU products the project knows. The components place and size
 * pods with these names and the policy pack checks pods against the same ones.
 */

/** The extended resource NVIDIA's device plugin advertises for whole GPUs. */
export const GPU_RESOURCE = "nvidia.com/gpu";

/**
 * The resource time-sliced GPUs are advertised as when the device plugin renames them
 * (`renameByDefault`): `.shared` appended, so pods that need a whole GPU never get a slice.
 */
export const SHARED_GPU_RESOURCE = `${GPU_RESOURCE}.shared`;

/** MIG slices as the device plugin's "mixed" strategy names them, e.g. `nvidia.com/mig-1g.10gb`. */
export const MIG_RESOURCE_PATTERN = /^nvidia\.com\/mig-\d+g\.\d+gb$/;

/** Node label set by GPU feature discovery with the GPU model, e.g. `NVIDIA-H100-80GB-HBM3`. */
export const GPU_PRODUCT_LABEL = "nvidia.com/gpu.product";

/** The taint GPU node pools carry so that only pods asking for GPUs land there. */
export const GPU_TAINT = { key: "nvidia.com/gpu", effect: "NoSchedule" } as const;

/**
 * GPU products (as GPU feature discovery names them) the project knows how to place on: what
 * stack config accepts by default and what the pack's `gpu-placement` allows by default.
 */
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

/** True for the GPU resources every NVIDIA cluster may advertise: whole, shared and MIG. */
export function isBuiltinGpuResource(name: string): boolean {
  return name === GPU_RESOURCE || name === SHARED_GPU_RESOURCE || MIG_RESOURCE_PATTERN.test(name);
}

const EXTENDED_RESOURCE_NAME =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * True for a name Kubernetes accepts as an extended resource: a domain-prefixed name outside
 * the `kubernetes.io` domains, such as `nvidia.com/gpu` or `amd.com/gpu`.
 */
export function isExtendedResourceName(name: string): boolean {
  return EXTENDED_RESOURCE_NAME.test(name) && !name.split("/")[0]?.endsWith("kubernetes.io");
}
