/**
 * Whole-GPU demand of a stack at maximum scale, workload by workload, with what the Kueue checks
 * need besides (product, config path, whether it can be queued). Built on `stackDemand`, so a
 * model's rollout surge counts here as in the quota checks.
 */
import { GPU_RESOURCE } from "../conventions/gpu";
import { stackDemand } from "./demand";
import type { StackConfig } from "./schema";

/** One workload's share of the namespace's `nvidia.com/gpu` at maximum scale. */
export interface GpuShare {
  /** How messages name the workload, e.g. `models "llama"`. */
  readonly workload: string;
  /** Pods at maximum scale, rollout surge included. */
  readonly pods: number;
  readonly gpusPerPod: number;
  /** Whole GPUs at maximum scale (0 for a CPU-only, shared-GPU or MIG workload). */
  readonly gpus: number;
  /** The GPU product its pods run on. */
  readonly gpuProduct: string;
  /** Config path of the workload, e.g. ["trainingJobs", 0]. */
  readonly path: readonly PropertyKey[];
  /**
   * Whether it waits in the stack's Kueue queue when `queueing.mode` is kueue: training and batch
   * always, model servers with `queueing.queueServing`.
   */
  readonly queueable: boolean;
  /** The extended resource its GPUs are requested as (whole, shared or a MIG slice). */
  readonly gpuResource: string;
}

/** Every workload's whole-GPU demand at maximum scale, in config order. */
export function gpuDemand(config: StackConfig): GpuShare[] {
  const origins = [
    ...config.models.map((m, i) => ({
      path: ["models", i],
      gpuProduct: m.gpuProduct,
      queueable: config.queueing.queueServing,
    })),
    ...config.trainingJobs.map((t, i) => ({
      path: ["trainingJobs", i],
      gpuProduct: t.gpuProduct,
      queueable: true,
    })),
    ...config.batchJobs.map((b, i) => ({
      path: ["batchJobs", i],
      gpuProduct: b.gpuProduct,
      queueable: true,
    })),
  ];
  return stackDemand(config).map((demand, index) => {
    const origin = origins[index] ?? { path: [], gpuProduct: "", queueable: false };
    const pods = demand.pods + demand.surge;
    const whole = demand.gpuResource === GPU_RESOURCE;
    return {
      workload: demand.workload,
      pods,
      gpusPerPod: demand.gpusPerPod,
      gpus: whole ? pods * demand.gpusPerPod : 0,
      gpuProduct: origin.gpuProduct,
      path: origin.path,
      queueable: origin.queueable,
      gpuResource: demand.gpuResource,
    };
  });
}
