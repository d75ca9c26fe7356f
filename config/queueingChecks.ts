/**
 * Checks of `queueing`: in kueue mode, every queued workload must fit its queue alone (or it
 * would wait forever), and the queue plus the workloads outside it must fit the namespace's
 * ResourceQuota (or the quota would refuse pods Kueue admitted, one by one, which is what the
 * queue is there to prevent). In quota mode the Kueue keys must be left out.
 */
import type { GpuShare } from "./gpuDemand";
import type { ConfigProblem } from "./problems";
import type { StackConfig } from "./schema";

export function queueingProblems(config: StackConfig, shares: readonly GpuShare[]): ConfigProblem[] {
  const queueing = config.queueing;
  const problems: ConfigProblem[] = [];
  if (queueing.mode === "quota") {
    for (const key of ["gpuQuotas", "cohort"] as const) {
      if (queueing[key] !== undefined) {
        problems.push({
          path: ["queueing", key],
          value: queueing[key],
          allowed: "unset unless queueing.mode is kueue",
        });
      }
    }
    return problems;
  }

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
        allowed: `at least ${share.gpus - borrow}: ${share.workload} needs ${share.pods} pods x ${share.gpusPerPod} GPUs = ${share.gpus} at once${borrow > 0 ? ` (borrowing at most ${borrow})` : ""}, or it is never admitted`,
      });
    }
  }

  const outside = shares.filter((s) => !s.queueable);
  const outsideGpus = outside.reduce((sum, s) => sum + s.gpus, 0);
  const queued = Object.values(quotas).reduce((sum, gpus) => sum + gpus + borrow, 0);
  if (outsideGpus + queued > config.quota.gpus) {
    problems.push({
      path: ["quota", "gpus"],
      value: config.quota.gpus,
      allowed: `at least ${outsideGpus + queued}: the queue admits up to ${queued} GPUs (queueing.gpuQuotas${borrow > 0 ? " plus gpuBorrowingLimit per product" : ""}) besides ${outsideGpus} for the workloads outside it at maximum scale, and the ResourceQuota must not refuse what Kueue admitted`,
    });
  }
  return problems;
}
