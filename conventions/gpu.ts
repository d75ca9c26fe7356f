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

/**
 * MIG slices as the device plugin's "mixed" strategy names them: GPU instance profiles such as
 * `nvidia.com/mig-1g.10gb` or `nvidia.com/mig-1g.12gb+me` (with media engines), compute instance
 * profiles such as `nvidia.com/mig-1c.3g.40gb`, and their time-sliced `.shared` variants.
 */
export const MIG_RESOURCE_PATTERN = /^nvidia\.com\/mig-(\d+c\.)?\d+g\.\d+gb(\+me)?(\.shared)?$/;

/** The extended resource AMD's GPU device plugin advertises (whole GPUs and partitions). */
export const AMD_GPU_RESOURCE = "amd.com/gpu";

/** The extended resources Intel's GPU device plugin advertises: i915 and Xe driver GPUs. */
export const INTEL_GPU_RESOURCES: readonly string[] = ["gpu.intel.com/i915", "gpu.intel.com/xe"];

/** One GPU vendor's device-plugin resource names. */
export interface GpuVendor {
  readonly vendor: string;
  /** Exact resource names. */
  readonly names: readonly string[];
  /** Name patterns (e.g. MIG profiles). */
  readonly patterns: readonly RegExp[];
}

/** The GPU resources every cluster may advertise, by vendor: what counts as a GPU by default. */
export const GPU_VENDORS: readonly GpuVendor[] = [
  { vendor: "NVIDIA", names: [GPU_RESOURCE, SHARED_GPU_RESOURCE], patterns: [MIG_RESOURCE_PATTERN] },
  { vendor: "AMD", names: [AMD_GPU_RESOURCE], patterns: [] },
  { vendor: "Intel", names: INTEL_GPU_RESOURCES, patterns: [] },
];

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

/**
 * True for the GPU resources of GPU_VENDORS: NVIDIA whole, shared and MIG; AMD; Intel i915 and Xe.
 * Other names count when listed in a policy's `extraGpuResources`.
 */
export function isBuiltinGpuResource(name: string): boolean {
  return GPU_VENDORS.some(
    (vendor) => vendor.names.includes(name) || vendor.patterns.some((pattern) => pattern.test(name)),
  );
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
