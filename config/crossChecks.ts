/** Checks that span several keys: replica bounds, GPU node sizes, names, and GPU demand against the quota. */
import type { ConfigProblem } from "./problems";
import { gpuDemand } from "./gpuDemand";
import { queueingProblems } from "./queueingChecks";
import type { StackConfig } from "./schema";

/** Env var names each workload kind injects itself; config env must not override them. */
export interface ReservedEnvNames {
  readonly models: readonly string[];
  readonly trainingJobs: readonly string[];
  readonly batchJobs: readonly string[];
}

type GpuWorkload = { readonly name: string; readonly gpuProduct: string } & (
  { readonly gpusPerPod: number } | { readonly gpusPerWorker: number }
);

function gpusOf(workload: GpuWorkload): number {
  return "gpusPerPod" in workload ? workload.gpusPerPod : workload.gpusPerWorker;
}

export function crossCheck(config: StackConfig, reserved: ReservedEnvNames): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const products = Object.keys(config.gpuNodes);

  const checkGpuWorkload = (
    list: "models" | "trainingJobs" | "batchJobs",
    index: number,
    w: GpuWorkload,
  ): void => {
    const gpuKey = "gpusPerPod" in w ? "gpusPerPod" : "gpusPerWorker";
    const nodeSize = Object.hasOwn(config.gpuNodes, w.gpuProduct) ? config.gpuNodes[w.gpuProduct] : undefined;
    if (nodeSize === undefined) {
      problems.push({
        path: [list, index, "gpuProduct"],
        value: w.gpuProduct,
        allowed: `one of the GPU products in k8s-ml-patterns:gpuNodes (${products.join(", ")})`,
      });
    } else if (gpusOf(w) > nodeSize) {
      problems.push({
        path: [list, index, gpuKey],
        value: gpusOf(w),
        allowed: `at most ${nodeSize}, the GPUs of one ${w.gpuProduct} node`,
      });
    }
    const perContainer = config.quota.maxGpusPerContainer;
    if (perContainer !== undefined && gpusOf(w) > perContainer) {
      problems.push({
        path: [list, index, gpuKey],
        value: gpusOf(w),
        allowed: `at most ${perContainer} (k8s-ml-patterns:quota.maxGpusPerContainer)`,
      });
    }
  };

  const checkEnv = (list: keyof ReservedEnvNames, index: number, env: Record<string, string>): void => {
    for (const name of Object.keys(env)) {
      if (reserved[list].includes(name)) {
        problems.push({
          path: [list, index, "env", name],
          value: env[name],
          allowed: `unset: ${name} is injected by the workload (reserved: ${reserved[list].join(", ")})`,
        });
      }
    }
  };

  config.models.forEach((model, i) => {
    checkGpuWorkload("models", i, model);
    checkEnv("models", i, model.env);
    const scaling = model.autoscaling;
    if (scaling === undefined) return;
    if (scaling.minReplicas > scaling.maxReplicas) {
      problems.push({
        path: ["models", i, "autoscaling", "minReplicas"],
        value: scaling.minReplicas,
        allowed: `at most maxReplicas (${scaling.maxReplicas})`,
      });
    }
    if (scaling.keda && scaling.hpa) {
      problems.push({
        path: ["models", i, "autoscaling"],
        value: { hpa: scaling.hpa, keda: scaling.keda },
        allowed:
          "one autoscaler per Deployment: set hpa: false when keda: true (both would fight over replicas)",
      });
    }
  });
  config.trainingJobs.forEach((job, i) => {
    checkGpuWorkload("trainingJobs", i, job);
    checkEnv("trainingJobs", i, job.env);
  });
  config.batchJobs.forEach((job, i) => {
    checkGpuWorkload("batchJobs", i, job);
    checkEnv("batchJobs", i, job.env);
    if (job.parallelism > job.completions) {
      problems.push({
        path: ["batchJobs", i, "parallelism"],
        value: job.parallelism,
        allowed: `at most completions (${job.completions})`,
      });
    }
  });

  // Workload names become object names in one namespace, so they must be unique across kinds.
  const seen = new Map<string, string>();
  for (const list of ["models", "trainingJobs", "batchJobs"] as const) {
    config[list].forEach((w, i) => {
      const first = seen.get(w.name);
      if (first === undefined) seen.set(w.name, `${list}[${i}]`);
      else
        problems.push({
          path: [list, i, "name"],
          value: w.name,
          allowed: `a name not already used by ${first}`,
        });
    });
  }
  const workflowNames = new Set<string>();
  config.workflows.forEach((wf, i) => {
    if (workflowNames.has(wf.name)) {
      problems.push({
        path: ["workflows", i, "name"],
        value: wf.name,
        allowed: "a name unique among workflows",
      });
    }
    workflowNames.add(wf.name);
  });

  // With Kueue, training and batch wait for quota instead of all fitting at once.
  if (config.queueing.mode === "kueue") return [...problems, ...queueingProblems(config, gpuDemand(config))];
  problems.push(...queueingProblems(config, []));
  const shares = gpuDemand(config);
  const demand = shares.reduce((sum, s) => sum + s.gpus, 0);
  if (demand > config.quota.gpus) {
    const detail = shares
      .filter((s) => s.gpus > 0)
      .map((s) => `${s.workload}: ${s.pods} pods x ${s.gpusPerPod} GPUs = ${s.gpus}`)
      .join("; ");
    problems.push({
      path: ["quota", "gpus"],
      value: config.quota.gpus,
      allowed: `at least the stack's GPU demand at maximum scale, ${demand} (${detail})`,
    });
  }
  return problems;
}
