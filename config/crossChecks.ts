/** Checks that span several keys: replica bounds, GPU node sizes, names, and GPU demand against the quota. */
import { parseQuantity } from "../conventions/quantity";
import { SHARED_GPU_RESOURCE } from "../conventions/gpu";
import {
  CPU,
  demandOf,
  GPUS,
  gpusAs,
  MEMORY,
  MIG_RESOURCE_PREFIX,
  type QuotaResource,
  stackDemand,
  type WorkloadDemand,
} from "./demand";
import type { ConfigProblem } from "./problems";
import { gpuDemand } from "./gpuDemand";
import { queueingProblems } from "./queueingChecks";
import type { StackConfig } from "./schema";
import { kedaProblems } from "./kedaChecks";
import { WAITING_REQUESTS_NEED_ADAPTER } from "../components/autoscaling/validate";
import { conflictingArgs, conflictingArgsAllowed, serverPreset } from "../components/modelServing/presets";

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
    const preset = serverPreset(model.server);
    const conflicts = conflictingArgs(preset, model.args);
    if (conflicts.length > 0) {
      problems.push({
        path: ["models", i, "args"],
        value: conflicts,
        allowed: conflictingArgsAllowed(preset),
      });
    }
    const scaling = model.autoscaling;
    if (scaling === undefined) return;
    if (scaling.targetWaitingRequests !== undefined) {
      if (preset.metrics.waitingRequests === undefined) {
        problems.push({
          path: ["models", i, "autoscaling", "targetWaitingRequests"],
          value: scaling.targetWaitingRequests,
          allowed: `unset with server "${preset.name}", which exports no waiting-requests gauge (servers "vllm" and "tgi" do)`,
        });
      } else if (scaling.requestsPerSecondSource === undefined || scaling.keda) {
        problems.push({
          path: ["models", i, "autoscaling", "targetWaitingRequests"],
          value: scaling.targetWaitingRequests,
          allowed: WAITING_REQUESTS_NEED_ADAPTER,
        });
      }
    }
    if (scaling.minReplicas > scaling.maxReplicas) {
      problems.push({
        path: ["models", i, "autoscaling", "minReplicas"],
        value: scaling.minReplicas,
        allowed: `at most maxReplicas (${scaling.maxReplicas})`,
      });
    }
    const scalingPath = ["models", i, "autoscaling"] as const;
    if (scaling.keda && scaling.requestsPerSecondSource !== undefined) {
      problems.push({
        path: [...scalingPath, "requestsPerSecondSource"],
        value: scaling.requestsPerSecondSource,
        allowed: "unset with keda: true (KEDA's prometheus trigger queries Prometheus itself)",
      });
    }
    if (
      scaling.targetRequestsPerSecond === undefined &&
      !scaling.keda &&
      scaling.requestsPerSecondSource !== undefined
    ) {
      problems.push({
        path: [...scalingPath, "targetRequestsPerSecond"],
        value: undefined,
        allowed: "set with requestsPerSecondSource (the per-pod request rate the HPA aims at)",
      });
    }
    problems.push(...kedaProblems(scaling, scalingPath));
    if (
      scaling.targetRequestsPerSecond !== undefined &&
      !scaling.keda &&
      scaling.requestsPerSecondSource === undefined
    ) {
      problems.push({
        path: [...scalingPath, "targetRequestsPerSecond"],
        value: scaling.targetRequestsPerSecond,
        allowed:
          'unset unless requestsPerSecondSource says where the per-pod request rate comes from (e.g. "prometheus-adapter") or keda is true: without a source the HPA scales on CPU only, since an HPA metric nobody serves stops every scale-down',
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

  problems.push(
    ...gpuSharingProblems(config),
    ...quotaProblems(config),
    ...queueingProblems(config, config.queueing.mode === "kueue" ? gpuDemand(config) : []),
    ...egressProblems(config),
  );
  return problems;
}

/**
 * Shared and MIG GPUs are resources of their own: their demand at maximum scale needs its own
 * cap (`quota.sharedGpus`, `quota.migDevices.<profile>`), or nothing would limit it.
 */
function sharedGpuQuotaProblems(config: StackConfig, demands: readonly WorkloadDemand[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const check = (
    path: readonly PropertyKey[],
    cap: number | undefined,
    resource: QuotaResource,
    name: string,
  ): void => {
    const { total, detail } = demandOf(demands, resource);
    if (total === 0 || (cap !== undefined && total <= cap)) return;
    problems.push({
      path,
      value: cap,
      allowed: `at least the stack's ${name} demand at maximum scale with rollout surge, ${String(total)} (${detail})`,
    });
  };
  check(
    ["quota", "sharedGpus"],
    config.quota.sharedGpus,
    gpusAs(SHARED_GPU_RESOURCE, "shared GPU"),
    "nvidia.com/gpu.shared",
  );
  const profiles = new Set(
    demands.map((d) => d.gpuResource).filter((r) => r.startsWith(MIG_RESOURCE_PREFIX)),
  );
  for (const resource of profiles) {
    const profile = resource.slice(MIG_RESOURCE_PREFIX.length);
    const caps = config.quota.migDevices ?? {};
    check(
      ["quota", "migDevices", profile],
      Object.hasOwn(caps, profile) ? caps[profile] : undefined,
      gpusAs(resource, "MIG GPU"),
      resource,
    );
  }
  return problems;
}

/** How each workload takes its GPUs must be one way, and a shared GPU needs time-slicing on. */
function gpuSharingProblems(config: StackConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const list of ["models", "trainingJobs", "batchJobs"] as const) {
    config[list].forEach((workload, index) => {
      const gpus = "gpusPerWorker" in workload ? workload.gpusPerWorker : workload.gpusPerPod;
      if (workload.sharedGpu && workload.migProfile !== undefined) {
        problems.push({
          path: [list, index, "migProfile"],
          value: workload.migProfile,
          allowed: "unset when sharedGpu is true: a workload takes either a time-sliced share or a MIG slice",
        });
      }
      if ((workload.sharedGpu || workload.migProfile !== undefined) && gpus === 0) {
        problems.push({
          path: [list, index, workload.sharedGpu ? "sharedGpu" : "migProfile"],
          value: workload.sharedGpu ? true : workload.migProfile,
          allowed: "unset for a CPU-only workload (its GPUs per pod are 0)",
        });
      }
      if (workload.sharedGpu && !config.gpuSharing.enabled) {
        problems.push({
          path: [list, index, "sharedGpu"],
          value: true,
          allowed: `false unless k8s-ml-patterns:gpuSharing.enabled is true (the device plugin advertises ${SHARED_GPU_RESOURCE} only with time-slicing on)`,
        });
      }
    });
  }
  return problems;
}

/** Schemes of locations outside the cluster: object stores and HTTP(S) model hubs. */
const REMOTE_URI = /^(s3|gs|az|abfss?|https?):\/\//i;

/**
 * Under default-deny, a workload that reads from outside reaches only what `egress` allows: a
 * model URI needs a model source (CIDRs or the proxy), a batch job's input and output URIs need
 * object storage (CIDRs or the proxy).
 */
function egressProblems(config: StackConfig): ConfigProblem[] {
  const egress = config.egress;
  const proxy = egress.proxy !== undefined;
  const problems: ConfigProblem[] = [];
  const remoteModel = config.models.find((model) => REMOTE_URI.test(model.modelUri));
  if (remoteModel !== undefined && egress.modelSource.cidrs.length === 0 && !proxy) {
    problems.push({
      path: ["egress", "modelSource", "cidrs"],
      value: egress.modelSource.cidrs,
      allowed: `at least one CIDR of the model source, or egress.proxy set: models "${remoteModel.name}" loads ${remoteModel.modelUri} and the namespace denies all other egress`,
    });
  }
  const remoteBatch = config.batchJobs.find(
    (job) => REMOTE_URI.test(job.inputUri) || REMOTE_URI.test(job.outputUri),
  );
  if (remoteBatch !== undefined && egress.objectStorage.cidrs.length === 0 && !proxy) {
    const uri = REMOTE_URI.test(remoteBatch.inputUri) ? remoteBatch.inputUri : remoteBatch.outputUri;
    problems.push({
      path: ["egress", "objectStorage", "cidrs"],
      value: egress.objectStorage.cidrs,
      allowed: `at least one CIDR of the object storage, or egress.proxy set: batchJobs "${remoteBatch.name}" uses ${uri} and the namespace denies all other egress`,
    });
  }
  return problems;
}

/**
 * The quota against the demand at maximum scale, rollout surge included: GPUs, CPU requests (and
 * limits, when capped) and memory requests and limits (equal to requests: Guaranteed QoS).
 */
function quotaProblems(config: StackConfig): ConfigProblem[] {
  const demands = stackDemand(config);
  const caps: readonly (readonly [keyof StackConfig["quota"], QuotaResource, string | number | undefined])[] =
    [
      ["gpus", GPUS, config.quota.gpus],
      ["requestsCpu", CPU, config.quota.requestsCpu],
      ["limitsCpu", CPU, config.quota.limitsCpu],
      ["requestsMemory", MEMORY, config.quota.requestsMemory],
      ["limitsMemory", MEMORY, config.quota.limitsMemory],
    ];
  const problems: ConfigProblem[] = [...sharedGpuQuotaProblems(config, demands)];
  for (const [key, resource, cap] of caps) {
    if (cap === undefined) continue;
    // With Kueue, queued jobs wait for quota instead of all fitting at once (queueingChecks.ts).
    if (key === "gpus" && config.queueing.mode === "kueue") continue;
    const capValue = parseQuantity(cap);
    const { total, detail } = demandOf(demands, resource);
    if (capValue === undefined || total <= capValue) continue;
    const shown = resource.label.endsWith("GPU") ? String(total) : resource.format(total);
    problems.push({
      path: ["quota", key],
      value: cap,
      allowed: `at least the stack's ${resource.label} demand at maximum scale with rollout surge, ${shown} (${detail})`,
    });
  }
  return problems;
}
