/**
 * The stack's demand at maximum scale, workload by workload: the pods each one may run at once
 * (autoscaler maximum or replicas, training workers, batch parallelism), plus the extra pods a
 * Deployment's rolling update creates at that scale, times what one pod requests. The quota must
 * hold it all, or a rollout at maximum scale waits on quota admission until its deadline.
 */
import { SERVING_ROLLING_UPDATE } from "../components/modelServing/args";
import { MODEL_SERVING_DEFAULTS } from "../components/modelServing/args";
import { GPU_RESOURCE, SHARED_GPU_RESOURCE } from "../conventions/gpu";
import { surgePods } from "../conventions/rollout";
import { formatBytes, formatCores, parseQuantity } from "../conventions/quantity";
import type { StackConfig } from "./schema";

/** One workload's pods at maximum scale and what each pod requests (GPUs, CPU cores, memory bytes). */
export interface WorkloadDemand {
  /** How messages name the workload, e.g. `models "llama"`. */
  readonly workload: string;
  /** Pods at maximum scale in steady state. */
  readonly pods: number;
  /** Extra pods a rolling update creates at maximum scale (0 for StatefulSets and Jobs). */
  readonly surge: number;
  readonly gpusPerPod: number;
  /** The extended resource its GPUs are requested as: whole, time-sliced shared, or a MIG slice. */
  readonly gpuResource: string;
  /** CPU cores one pod requests (containers and native sidecars). */
  readonly cpuPerPod: number;
  /** Memory bytes one pod requests (and, with Guaranteed QoS, limits). */
  readonly memoryPerPod: number;
}

const amount = (quantity: string): number => parseQuantity(quantity) ?? 0;

/**
 * The extended resource a workload's GPUs are requested as: `nvidia.com/gpu.shared` for a
 * time-sliced share (the device plugin's renamed resource), `nvidia.com/mig-<profile>` for a MIG
 * slice, else whole `nvidia.com/gpu`.
 */
export function gpuResourceOf(workload: {
  readonly sharedGpu: boolean;
  readonly migProfile?: string | undefined;
}): string {
  if (workload.migProfile !== undefined) return `${MIG_RESOURCE_PREFIX}${workload.migProfile}`;
  return workload.sharedGpu ? SHARED_GPU_RESOURCE : GPU_RESOURCE;
}

/** `nvidia.com/mig-` */
export const MIG_RESOURCE_PREFIX = "nvidia.com/mig-";

/** Every workload's demand at maximum scale, in config order. */
export function stackDemand(config: StackConfig): WorkloadDemand[] {
  return [
    ...config.models.map((model): WorkloadDemand => {
      const pods = Math.max(model.replicas, model.autoscaling?.maxReplicas ?? 0);
      return {
        workload: `models "${model.name}"`,
        pods,
        surge: surgePods(SERVING_ROLLING_UPDATE.maxSurge, pods) ?? 0,
        gpusPerPod: model.gpusPerPod,
        gpuResource: gpuResourceOf(model),
        // The model loader is a native sidecar: it runs beside the server and counts with it.
        cpuPerPod: amount(model.cpu) + amount(MODEL_SERVING_DEFAULTS.loaderCpu),
        memoryPerPod: amount(model.memory) + amount(MODEL_SERVING_DEFAULTS.loaderMemory),
      };
    }),
    ...config.trainingJobs.map((job): WorkloadDemand => ({
      workload: `trainingJobs "${job.name}"`,
      pods: job.workers,
      surge: 0,
      gpusPerPod: job.gpusPerWorker,
      gpuResource: gpuResourceOf(job),
      cpuPerPod: amount(job.cpu),
      memoryPerPod: amount(job.memory),
    })),
    ...config.batchJobs.map((job): WorkloadDemand => ({
      workload: `batchJobs "${job.name}"`,
      pods: Math.min(job.parallelism, job.completions),
      surge: 0,
      gpusPerPod: job.gpusPerPod,
      gpuResource: gpuResourceOf(job),
      cpuPerPod: amount(job.cpu),
      memoryPerPod: amount(job.memory),
    })),
  ];
}

/** One resource the quota caps, read from each workload's demand. */
export interface QuotaResource {
  /** What the message calls it, e.g. "GPU" or "memory". */
  readonly label: string;
  readonly perPod: (demand: WorkloadDemand) => number;
  readonly format: (value: number) => string;
}

/** GPUs requested as one extended resource (whole, shared or one MIG profile). */
export function gpusAs(resource: string, label: string): QuotaResource {
  return {
    label,
    perPod: (d) => (d.gpuResource === resource ? d.gpusPerPod : 0),
    format: (value) => `${String(value)} GPUs`,
  };
}

export const GPUS: QuotaResource = gpusAs(GPU_RESOURCE, "GPU");
export const CPU: QuotaResource = { label: "CPU", perPod: (d) => d.cpuPerPod, format: formatCores };
export const MEMORY: QuotaResource = { label: "memory", perPod: (d) => d.memoryPerPod, format: formatBytes };

/** The total of one resource at maximum scale and the per-workload breakdown messages print. */
export function demandOf(
  demands: readonly WorkloadDemand[],
  resource: QuotaResource,
): { readonly total: number; readonly detail: string } {
  let total = 0;
  const parts: string[] = [];
  for (const demand of demands) {
    const perPod = resource.perPod(demand);
    if (perPod === 0) continue;
    const pods = demand.pods + demand.surge;
    total += pods * perPod;
    const count =
      demand.surge === 0
        ? `${String(demand.pods)} pods`
        : `(${String(demand.pods)} + ${String(demand.surge)} rollout surge) pods`;
    parts.push(
      `${demand.workload}: ${count} x ${resource.format(perPod)} = ${resource.format(pods * perPod)}`,
    );
  }
  return { total, detail: parts.join("; ") };
}
