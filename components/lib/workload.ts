/**
 * The pod-level arguments every workload component takes (ModelServing, DistributedTraining,
 * BatchInference), with one name per idea, and their shared checks.
 */
import type * as pulumi from "@pulumi/pulumi";
import { GPU_RESOURCE, isExtendedResourceName } from "../../conventions/gpu";
import { checkUserEnv } from "./env";
import type { ArgChecker } from "./validation";

/**
 * Image, command, environment, compute and scheduling of a workload's pods. Each component
 * documents its own defaults for the fields where they differ (cpu, memory, sharedMemorySize,
 * terminationGracePeriodSeconds).
 */
export interface WorkloadArgs {
  /** Namespace of every object the component creates; it must exist. */
  readonly namespace: pulumi.Input<string>;
  /** Container image, pinned by a tag other than `latest` or by an `@sha256` digest. */
  readonly image: pulumi.Input<string>;
  /** Container entrypoint. @default the image's entrypoint */
  readonly command?: pulumi.Input<pulumi.Input<string>[]>;
  /** Arguments to the entrypoint. @default the image's arguments */
  readonly args?: pulumi.Input<pulumi.Input<string>[]>;
  /** Extra environment variables; names the component injects itself are rejected. @default {} */
  readonly env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** CPU request of the main container. */
  readonly cpu?: pulumi.Input<string>;
  /** Memory request and limit of the main container; the memory-backed `/dev/shm` counts against it. */
  readonly memory?: pulumi.Input<string>;
  /** Whole GPUs per pod, 0 for a CPU-only pod. GPU requests equal limits. @default 1 */
  readonly gpusPerPod?: pulumi.Input<number>;
  /**
   * Extended resource the GPUs are requested as, e.g. `nvidia.com/gpu.shared` for a time-sliced
   * shared GPU or `nvidia.com/mig-1g.10gb` for a MIG slice. @default "nvidia.com/gpu"
   */
  readonly gpuResourceName?: pulumi.Input<string>;
  /**
   * GPU products (`nvidia.com/gpu.product` label values) the pods may run on, through a required
   * node affinity. Any valid label value is accepted: the stack config checks products against
   * the cluster's GPU nodes. @default []
   */
  readonly gpuProducts?: pulumi.Input<pulumi.Input<string>[]>;
  /** Size of the memory-backed `/dev/shm`; NCCL and PyTorch data loaders need far more than the runtime's 64Mi. */
  readonly sharedMemorySize?: pulumi.Input<string>;
  /** PriorityClass of the pods (serving above training above batch). @default none */
  readonly priorityClassName?: pulumi.Input<string>;
  /** Seconds a pod has between SIGTERM and SIGKILL, to finish or checkpoint its work. */
  readonly terminationGracePeriodSeconds?: pulumi.Input<number>;
}

/** The defaults that differ between workload components. */
export interface WorkloadDefaults {
  readonly cpu: string;
  readonly memory: string;
  readonly gpusPerPod: number;
  readonly sharedMemorySize: string;
}

/** The shared workload arguments with the component's defaults applied. */
export interface WorkloadSettings {
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly env: Record<string, string>;
  readonly cpu: string;
  readonly memory: string;
  readonly gpusPerPod: number;
  readonly gpuResourceName: string;
  readonly gpuProducts: string[];
  readonly sharedMemorySize: string;
  readonly priorityClassName?: string;
}

/** Applies the component's defaults to validated shared workload arguments. */
export function withWorkloadDefaults(
  args: pulumi.Unwrap<WorkloadArgs>,
  defaults: WorkloadDefaults,
): WorkloadSettings {
  return {
    image: args.image,
    ...(args.command === undefined ? {} : { command: args.command }),
    ...(args.args === undefined ? {} : { args: args.args }),
    env: args.env ?? {},
    cpu: args.cpu ?? defaults.cpu,
    memory: args.memory ?? defaults.memory,
    gpusPerPod: args.gpusPerPod ?? defaults.gpusPerPod,
    gpuResourceName: args.gpuResourceName ?? GPU_RESOURCE,
    gpuProducts: args.gpuProducts ?? [],
    sharedMemorySize: args.sharedMemorySize ?? defaults.sharedMemorySize,
    ...(args.priorityClassName === undefined ? {} : { priorityClassName: args.priorityClassName }),
  };
}

/** Records a problem unless `value` (when set) is a list of strings. */
export function checkStringList(checker: ArgChecker, property: string, value: unknown): void {
  if (value === undefined) return;
  checker.check(
    Array.isArray(value) && value.every((item) => typeof item === "string"),
    property,
    value,
    "a list of strings",
  );
}

/**
 * Records every problem of the shared workload arguments. `injectedEnv` are the variables the
 * component sets itself, which `env` may not override.
 */
export function checkWorkloadArgs(
  checker: ArgChecker,
  args: pulumi.Unwrap<WorkloadArgs>,
  defaults: WorkloadDefaults,
  injectedEnv: readonly string[],
): void {
  checker.image("image", args.image);
  checkStringList(checker, "command", args.command);
  checkStringList(checker, "args", args.args);
  checkUserEnv(checker, "env", args.env, injectedEnv);
  checker
    .positiveQuantity("cpu", args.cpu)
    .positiveQuantity("memory", args.memory)
    .positiveQuantity("sharedMemorySize", args.sharedMemorySize)
    .sharedMemoryBelow(
      "sharedMemorySize",
      args.sharedMemorySize ?? defaults.sharedMemorySize,
      "memory",
      args.memory ?? defaults.memory,
    )
    .wholeNumber("gpusPerPod", args.gpusPerPod, 0)
    .gpuProducts("gpuProducts", args.gpuProducts)
    .dnsSubdomain("priorityClassName", args.priorityClassName, "a PriorityClass name")
    .wholeNumber("terminationGracePeriodSeconds", args.terminationGracePeriodSeconds, 0);
  if (args.gpuResourceName !== undefined) {
    checker.check(
      isExtendedResourceName(args.gpuResourceName),
      "gpuResourceName",
      args.gpuResourceName,
      'an extended resource name such as "nvidia.com/gpu" or "nvidia.com/mig-1g.10gb"',
    );
  }
  const products = args.gpuProducts ?? [];
  checker.check(
    new Set(products).size === products.length,
    "gpuProducts",
    products,
    "a list without duplicates",
  );
}
