/**
 * Checks of `queueing`: in kueue mode, every queued workload must fit its queue alone (or it
 * would wait forever), and what can exist at once must fit the namespace's ResourceQuota (or the
 * quota would refuse pods Kueue admitted, one by one, which is what the queue is there to
 * prevent). In quota mode the Kueue keys are ignored.
 */
import type { GpuShare } from "./gpuDemand";
import type { ConfigProblem } from "./problems";
import type { StackConfig } from "./schema";

const isServing = (share: GpuShare): boolean => share.path[0] === "models";

export function queueingProblems(config: StackConfig, shares: readonly GpuShare[]): ConfigProblem[] {
  const queueing = config.queueing;
  const problems: ConfigProblem[] = [];
  // In quota mode the Kueue keys are ignored: a stack can switch to quota and back, keeping them.
  if (queueing.mode === "quota") return problems;

  const quotas = queueing.gpuQuotas;
  if (quotas === undefined || Object.keys(quotas).length === 0) {
    problems.push({
      path: ["queueing", "gpuQuotas"],
      value: quotas,
      allowed:
        "a map of GPU product (from gpuNodes) to the GPUs the queue admits, when queueing.mode is kueue",
    });
    return problems;
  }
  const products = Object.keys(config.gpuNodes);
  for (const product of Object.keys(quotas)) {
    if (!products.includes(product)) {
      problems.push({
        path: ["queueing", "gpuQuotas", product],
        value: quotas[product],
        allowed: `keyed by a GPU product of k8s-ml-patterns:gpuNodes (${products.join(", ")}); "${product}" is not one`,
      });
    }
  }
  if (queueing.gpuBorrowingLimit > 0 && queueing.cohort === undefined) {
    problems.push({
      path: ["queueing", "gpuBorrowingLimit"],
      value: queueing.gpuBorrowingLimit,
      allowed: "0 unless queueing.cohort is set (a queue borrows only from its cohort)",
    });
  }
  const borrow = queueing.cohort === undefined ? 0 : queueing.gpuBorrowingLimit;

  // The ClusterQueue covers whole GPUs, CPU and memory only: a queued workload asking for a
  // shared GPU or a MIG slice could never be admitted.
  for (const share of shares.filter((s) => s.queueable && s.gpusPerPod > 0 && s.gpus === 0)) {
    problems.push({
      path: share.path,
      value: share.gpuResource,
      allowed: `whole GPUs (nvidia.com/gpu) when queueing.mode is kueue: ${share.workload} asks for ${share.gpuResource}, which the queue does not cover`,
    });
  }
  for (const share of shares.filter((s) => s.queueable && s.gpus > 0)) {
    const quota = Object.hasOwn(quotas, share.gpuProduct) ? quotas[share.gpuProduct] : undefined;
    if (quota === undefined) {
      problems.push({
        path: ["queueing", "gpuQuotas"],
        value: quotas,
        allowed: `a map with an entry for ${share.gpuProduct}, the GPU product of ${share.workload}`,
      });
    } else if (share.gpus > quota + borrow) {
      problems.push({
        path: ["queueing", "gpuQuotas", share.gpuProduct],
        value: quota,
        allowed: isServing(share)
          ? `at least ${share.gpus - borrow}: ${share.workload} runs up to ${share.pods} pods x ${share.gpusPerPod} GPUs = ${share.gpus} at maximum scale (rollout surge included)${borrow > 0 ? ` (borrowing at most ${borrow})` : ""}, or its last pods are never admitted`
          : `at least ${share.gpus - borrow}: ${share.workload} needs ${share.pods} pods x ${share.gpusPerPod} GPUs = ${share.gpus} at once${borrow > 0 ? ` (borrowing at most ${borrow})` : ""}, or it is never admitted`,
      });
    }
  }

  // The ResourceQuota counts every pod that exists, admitted or not: a queued StatefulSet's
  // workers and a queued Deployment's pods exist (gated) while they wait, a queued Job has no
  // pods until it is admitted.
  const sum = (list: readonly GpuShare[]): number => list.reduce((total, s) => total + s.gpus, 0);
  const servingGpus = sum(shares.filter(isServing));
  const trainingGpus = sum(shares.filter((s) => s.queueable && s.path[0] === "trainingJobs"));
  const batchGpus = sum(shares.filter((s) => s.queueable && s.path[0] === "batchJobs"));
  const queued = Object.values(quotas).reduce((total, gpus) => total + gpus + borrow, 0);
  const needed = servingGpus + trainingGpus + Math.min(batchGpus, queued);
  if (needed > config.quota.gpus) {
    problems.push({
      path: ["quota", "gpus"],
      value: config.quota.gpus,
      allowed: `at least ${needed}: the ResourceQuota counts every pod that exists, so ${servingGpus} for the model servers at maximum scale (rollout surge included${queueing.queueServing ? "; queued ones exist, gated, while they wait" : ""}), ${trainingGpus} for the training workers (they exist, gated, while queued) and ${Math.min(batchGpus, queued)} for the batch jobs Kueue may admit at once (at most the queue's ${queued} GPUs), or it refuses pods of admitted workloads`,
    });
  }
  return problems;
}
