/** GPU demand of a stack at maximum scale, workload by workload. */
import type { StackConfig } from "./schema";

/** One workload's share of the namespace's GPU quota at maximum scale. */
export interface GpuShare {
  /** Config path of the workload, e.g. `models[0]` named `llama`. */
  readonly workload: string;
  readonly pods: number;
  readonly gpusPerPod: number;
  readonly gpus: number;
  /** The GPU product its pods run on. */
  readonly gpuProduct: string;
  /** Config path of the workload, e.g. ["trainingJobs", 0]. */
  readonly path: readonly PropertyKey[];
  /** Training and batch workloads wait in the stack's Kueue queue when `queueing.mode` is kueue. */
  readonly queueable: boolean;
}

/** GPU demand at maximum scale: autoscaler max (or replicas), training workers, batch parallelism. */
export function gpuDemand(config: StackConfig): GpuShare[] {
  const share = (
    workload: string,
    path: readonly PropertyKey[],
    gpuProduct: string,
    pods: number,
    gpusPerPod: number,
    queueable: boolean,
  ): GpuShare => ({ workload, path, gpuProduct, pods, gpusPerPod, gpus: pods * gpusPerPod, queueable });
  return [
    ...config.models.map((m, i) =>
      share(
        `models "${m.name}"`,
        ["models", i],
        m.gpuProduct,
        m.autoscaling?.maxReplicas ?? m.replicas,
        m.gpusPerPod,
        false,
      ),
    ),
    ...config.trainingJobs.map((t, i) =>
      share(`trainingJobs "${t.name}"`, ["trainingJobs", i], t.gpuProduct, t.workers, t.gpusPerWorker, true),
    ),
    ...config.batchJobs.map((b, i) =>
      share(
        `batchJobs "${b.name}"`,
        ["batchJobs", i],
        b.gpuProduct,
        Math.min(b.parallelism, b.completions),
        b.gpusPerPod,
        true,
      ),
    ),
  ];
}
