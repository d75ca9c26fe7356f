/**
 * Turns validated stack config into the arguments of every component the stack deploys, and
 * checks them all with the components' own validators before anything is registered.
 */
import {
  type ResolvedAdmissionPoliciesArgs,
  validateAdmissionPoliciesArgs,
} from "../components/admissionPolicies";
import { type BatchInferenceArgs, validateBatchInferenceArgs } from "../components/batchInference";
import {
  type DistributedTrainingArgs,
  validateDistributedTrainingArgs,
} from "../components/distributedTraining";
import { type GpuSharingArgs, validateGpuSharingArgs } from "../components/gpuSharing";
import { type GpuTenancyArgs, validateGpuTenancyArgs } from "../components/gpuTenancy";
import type { Resolved } from "../components/lib/resolve";
import { ValidationError } from "../components/lib/validation";
import { type MLWorkflowArgs, validateMLWorkflowArgs } from "../components/mlWorkflow";
import {
  DEFAULT_SERVER_PRESET,
  MODEL_SOURCE_TOKEN_ENV,
  type ModelServingArgs,
  serverPreset,
  validateModelServingArgs,
} from "../components/modelServing";
import {
  type WorkloadPrioritiesArgs,
  validateWorkloadPrioritiesArgs,
} from "../components/workloadPriorities";
import {
  type QueueTier,
  type WorkloadQueueArgs,
  validateWorkloadQueueArgs,
} from "../components/workloadQueue";
import { type ComponentRejection, ConfigError } from "../config/problems";
import { gpuResourceOf } from "../config/demand";
import type { StackConfig } from "../config/schema";
import { GPU_RESOURCE } from "../conventions/gpu";

/**
 * The Secret (and its key) that carries `modelSourceToken` to the model loaders: a generic
 * server's loader gets the Secret's keys as they are (MODEL_SOURCE_TOKEN), a server preset's
 * loader the one key under the env name the preset and source call for (HF_TOKEN for hf://).
 */
export const MODEL_SOURCE_SECRET = { suffix: "model-source", key: MODEL_SOURCE_TOKEN_ENV } as const;

/** How a model's loader gets the model-source token Secret. */
function tokenSecretArgs(
  server: string,
  secretName: string | undefined,
): Pick<
  Resolved<ModelServingArgs>,
  "loaderSecretName" | "modelSourceTokenSecretName" | "modelSourceTokenSecretKey"
> {
  if (secretName === undefined) return {};
  if (server === DEFAULT_SERVER_PRESET) return { loaderSecretName: secretName };
  return { modelSourceTokenSecretName: secretName, modelSourceTokenSecretKey: MODEL_SOURCE_SECRET.key };
}

/**
 * The plan holds plain values only, so every validator can check it before anything is
 * registered; the deploy step swaps in Outputs (the namespace, PriorityClass and Secret names).
 */
export interface ModelPlan {
  readonly name: string;
  /** Where the model came from in config, e.g. ["models", 0]. */
  readonly configPath: readonly PropertyKey[];
  /** The server with its own autoscaler and ServiceMonitors, one component per model. */
  readonly serving: Resolved<ModelServingArgs>;
}

export interface NamedArgs<T> {
  readonly name: string;
  /** Where the arguments came from in config, e.g. ["trainingJobs", 0]. */
  readonly configPath: readonly PropertyKey[];
  readonly args: Resolved<T>;
}

export interface StackPlan {
  readonly namespace: string;
  readonly tenancy: Resolved<GpuTenancyArgs>;
  readonly priorities: NamedArgs<WorkloadPrioritiesArgs>;
  readonly gpuSharing?: NamedArgs<GpuSharingArgs>;
  /** The Kueue queue of training and batch jobs, and of model servers with `queueServing` (`queueing.mode: kueue`). */
  readonly queue?: NamedArgs<WorkloadQueueArgs>;
  readonly models: readonly ModelPlan[];
  readonly trainingJobs: readonly NamedArgs<DistributedTrainingArgs>[];
  readonly batchJobs: readonly NamedArgs<BatchInferenceArgs>[];
  readonly installWorkflowCrd: boolean;
  readonly workflows: readonly NamedArgs<Omit<MLWorkflowArgs, "definition">>[];
  /** The model-source credential, or undefined for none. Handled as a Pulumi secret. */
  readonly modelSourceToken?: string;
  /** The pack's per-resource rules as admission policies (`admissionPolicies.enabled`). */
  readonly admission?: {
    readonly name: string;
    readonly configPath: readonly PropertyKey[];
    readonly args: ResolvedAdmissionPoliciesArgs;
  };
}

/** `gpuResourceName` for a workload that takes shared or MIG GPUs; nothing for whole GPUs (the default). */
function gpuResourceArg(workload: {
  readonly sharedGpu: boolean;
  readonly migProfile?: string | undefined;
}): {
  gpuResourceName?: string;
} {
  const resource = gpuResourceOf(workload);
  return resource === GPU_RESOURCE ? {} : { gpuResourceName: resource };
}

/**
 * Maps the config onto component arguments. Pure: registers nothing. `policyConfig` is the
 * stack's policy pack config, for the admission policies (none: they are off).
 */
export function planStack(config: StackConfig, policyConfig?: Readonly<Record<string, unknown>>): StackPlan {
  const namespace = config.namespace;
  const tokenSecret =
    config.modelSourceToken === "" ? undefined : `${namespace}-${MODEL_SOURCE_SECRET.suffix}`;
  const dcgmOwner = config.monitoring.dcgmExporter ? config.models[0]?.name : undefined;
  const queue = planQueue(config);
  // Training and batch go on the queue in kueue mode; model servers only with queueServing.
  const queued = (tier: QueueTier): { queueName?: string; workloadPriorityClassName?: string } =>
    queue === undefined || (tier === "serving" && !config.queueing.queueServing)
      ? {}
      : { queueName: queue.name, workloadPriorityClassName: `${config.priorityClassPrefix}-${tier}` };

  const models = config.models.map((model, index): ModelPlan => {
    const scaling = model.autoscaling;
    const serving: Resolved<ModelServingArgs> = {
      namespace,
      modelName: model.name,
      modelUri: model.modelUri,
      image: model.image,
      // Left out for generic, so stacks without a preset plan exactly what they did before.
      ...(model.server === DEFAULT_SERVER_PRESET ? {} : { server: model.server }),
      ...(model.args.length > 0 ? { args: model.args } : {}),
      loaderImage: model.loaderImage,
      gpusPerPod: model.gpusPerPod,
      ...gpuResourceArg(model),
      // A CPU-only server (gpusPerPod 0) is not placed by GPU product; ModelServing rejects one that is.
      gpuProducts: model.gpusPerPod > 0 ? [model.gpuProduct] : [],
      cpu: model.cpu,
      memory: model.memory,
      replicas: scaling === undefined ? model.replicas : Math.max(model.replicas, scaling.minReplicas),
      maxModelLoadSeconds: model.maxModelLoadSeconds,
      ...(model.rolloutTimeoutSeconds === undefined
        ? {}
        : { rolloutTimeoutSeconds: model.rolloutTimeoutSeconds }),
      ...(model.modelCacheClaim === undefined ? {} : { modelCacheClaimName: model.modelCacheClaim }),
      env: model.env,
      priorityClassName: `${config.priorityClassPrefix}-serving`,
      ...queued("serving"),
      ...tokenSecretArgs(model.server, tokenSecret),
      ...(scaling === undefined
        ? {}
        : {
            autoscaling: {
              hpa: scaling.hpa && !scaling.keda,
              keda: scaling.keda,
              minReplicas: scaling.minReplicas,
              maxReplicas: scaling.maxReplicas,
              targetCpuUtilizationPercent: scaling.targetCpuUtilization,
              ...(scaling.targetRequestsPerSecond === undefined
                ? {}
                : { targetRequestsPerSecond: scaling.targetRequestsPerSecond }),
              ...(scaling.requestsPerSecondSource === undefined
                ? {}
                : { requestsPerSecondSource: scaling.requestsPerSecondSource }),
              ...(scaling.targetWaitingRequests === undefined
                ? {}
                : { targetWaitingRequests: scaling.targetWaitingRequests }),
              scaleDownStabilizationSeconds: scaling.scaleDownStabilizationSeconds,
              ...(scaling.wakeUpPodSelector === undefined
                ? {}
                : { wakeUpPodSelector: scaling.wakeUpPodSelector }),
              ...(scaling.wakeUpPodsPerReplica === undefined
                ? {}
                : { wakeUpPodsPerReplica: scaling.wakeUpPodsPerReplica }),
              ...(scaling.kedaPollingIntervalSeconds === undefined
                ? {}
                : { kedaPollingIntervalSeconds: scaling.kedaPollingIntervalSeconds }),
              ...(scaling.kedaCooldownSeconds === undefined
                ? {}
                : { kedaCooldownSeconds: scaling.kedaCooldownSeconds }),
            },
          }),
      ...(config.monitoring.enabled
        ? {
            monitoring: {
              prometheusSelectorLabels: config.monitoring.prometheusSelectorLabels,
              dcgmExporter: dcgmOwner === model.name,
            },
          }
        : {}),
    };
    return { name: model.name, configPath: ["models", index], serving };
  });

  return {
    namespace,
    tenancy: {
      namespace,
      gpuQuota: config.quota.gpus,
      ...(config.quota.sharedGpus === undefined ? {} : { sharedGpuQuota: config.quota.sharedGpus }),
      ...(config.quota.migDevices === undefined ? {} : { migQuotas: config.quota.migDevices }),
      requestsCpu: config.quota.requestsCpu,
      requestsMemory: config.quota.requestsMemory,
      limitsMemory: config.quota.limitsMemory,
      ...(config.quota.limitsCpu === undefined ? {} : { limitsCpu: config.quota.limitsCpu }),
      ...(config.quota.maxGpusPerContainer === undefined
        ? {}
        : { maxGpusPerContainer: config.quota.maxGpusPerContainer }),
      modelSourceEgressCidrs: config.egress.modelSource.cidrs,
      modelSourceEgressPorts: config.egress.modelSource.ports,
      objectStorageEgressCidrs: config.egress.objectStorage.cidrs,
      objectStorageEgressPorts: config.egress.objectStorage.ports,
      ...(config.egress.proxy === undefined ? {} : { egressProxy: config.egress.proxy }),
      nodeLocalDnsCidrs: config.egress.nodeLocalDnsCidrs,
      // Monitoring may scrape `http` of the servers that serve /metrics there (vllm, tgi presets).
      ...(config.models.some((model) => serverPreset(model.server).metricsOnHttpPort)
        ? { apiPortMetrics: true }
        : {}),
    },
    priorities: {
      name: config.priorityClassPrefix,
      configPath: ["priorityClassPrefix"],
      args: { prefix: config.priorityClassPrefix },
    },
    ...(config.gpuSharing.enabled
      ? {
          gpuSharing: {
            name: `${config.priorityClassPrefix}-gpu-sharing`,
            configPath: ["gpuSharing"],
            args: { replicas: config.gpuSharing.replicas, nodeNames: config.gpuSharing.nodes },
          },
        }
      : {}),
    ...(queue === undefined ? {} : { queue }),
    models,
    trainingJobs: config.trainingJobs.map((job, index) => ({
      name: job.name,
      configPath: ["trainingJobs", index],
      args: {
        namespace,
        image: job.image,
        ...(job.command.length > 0 ? { command: job.command } : {}),
        workers: job.workers,
        gpusPerPod: job.gpusPerWorker,
        ...gpuResourceArg(job),
        gpuProducts: job.gpusPerWorker > 0 ? [job.gpuProduct] : [],
        cpu: job.cpu,
        memory: job.memory,
        env: job.env,
        ...(job.checkpointStorage === undefined ? {} : { checkpointStorage: job.checkpointStorage }),
        priorityClassName: `${config.priorityClassPrefix}-training`,
        ...queued("training"),
      },
    })),
    batchJobs: config.batchJobs.map((job, index) => ({
      name: job.name,
      configPath: ["batchJobs", index],
      args: {
        namespace,
        image: job.image,
        ...(job.command.length > 0 ? { command: job.command } : {}),
        parallelism: job.parallelism,
        completions: job.completions,
        gpusPerPod: job.gpusPerPod,
        ...gpuResourceArg(job),
        gpuProducts: job.gpusPerPod > 0 ? [job.gpuProduct] : [],
        cpu: job.cpu,
        memory: job.memory,
        inputUri: job.inputUri,
        outputUri: job.outputUri,
        backoffLimitPerIndex: job.backoffLimitPerIndex,
        activeDeadlineSeconds: job.activeDeadlineSeconds,
        env: job.env,
        priorityClassName: `${config.priorityClassPrefix}-batch`,
        ...queued("batch"),
      },
    })),
    installWorkflowCrd: config.installWorkflowCrd,
    workflows: config.workflows.map((workflow, index) => ({
      name: workflow.name,
      configPath: ["workflows", index],
      args: {
        namespace,
        modelName: workflow.modelName,
        trainingData: workflow.trainingData,
        gpus: workflow.gpus,
        hyperparameters: workflow.hyperparameters,
      },
    })),
    ...(config.modelSourceToken === "" ? {} : { modelSourceToken: config.modelSourceToken }),
    ...(policyConfig === undefined
      ? {}
      : {
          admission: {
            // Cluster-scoped names (policies, bindings, the params CRD's group) follow the
            // per-stack prefix, like the PriorityClasses.
            name: `${config.priorityClassPrefix}-admission`,
            configPath: ["admissionPolicies"],
            args: { namespace, policyConfig },
          },
        }),
  };
}

/**
 * The stack's WorkloadQueue in kueue mode: the ClusterQueue and the WorkloadPriorityClasses
 * are named by the priority class prefix (one set per stack, like the PriorityClasses), the
 * LocalQueue `<prefix>-queue`; CPU and memory quotas are the ResourceQuota's request figures.
 */
function planQueue(config: StackConfig): NamedArgs<WorkloadQueueArgs> | undefined {
  const queueing = config.queueing;
  if (queueing.mode !== "kueue" || queueing.gpuQuotas === undefined) return undefined;
  return {
    name: `${config.priorityClassPrefix}-queue`,
    configPath: ["queueing"],
    args: {
      namespace: config.namespace,
      prefix: config.priorityClassPrefix,
      gpuQuotas: queueing.gpuQuotas,
      cpu: config.quota.requestsCpu,
      memory: config.quota.requestsMemory,
      flavorPrefix: queueing.flavorPrefix,
      installFlavors: queueing.installFlavors,
      ...(queueing.cohort === undefined ? {} : { cohort: queueing.cohort }),
      gpuBorrowingLimit: queueing.gpuBorrowingLimit,
    },
  };
}

/**
 * Runs every component's validator over its planned arguments, so that a value the schema let
 * through but a component rejects still fails before the first resource is registered.
 */
export function validatePlan(stack: string, plan: StackPlan): void {
  const problems: ComponentRejection[] = [];
  const check = (configPath: readonly PropertyKey[], validate: () => void): void => {
    try {
      validate();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push({ path: configPath, rejection: error.message });
    }
  };
  check(["quota"], () => {
    validateGpuTenancyArgs(plan.namespace, plan.tenancy);
  });
  check(plan.priorities.configPath, () => {
    validateWorkloadPrioritiesArgs(plan.priorities.name, plan.priorities.args);
  });
  const sharing = plan.gpuSharing;
  if (sharing !== undefined) {
    check(sharing.configPath, () => {
      validateGpuSharingArgs(sharing.name, sharing.args);
    });
  }
  const queue = plan.queue;
  if (queue !== undefined) {
    check(queue.configPath, () => {
      validateWorkloadQueueArgs(queue.name, queue.args);
    });
  }
  for (const model of plan.models) {
    check(model.configPath, () => {
      validateModelServingArgs(model.name, model.serving);
    });
  }
  for (const job of plan.trainingJobs) {
    check(job.configPath, () => {
      validateDistributedTrainingArgs(job.name, job.args);
    });
  }
  for (const job of plan.batchJobs) {
    check(job.configPath, () => {
      validateBatchInferenceArgs(job.name, job.args);
    });
  }
  const admission = plan.admission;
  if (admission !== undefined) {
    check(admission.configPath, () => {
      validateAdmissionPoliciesArgs(admission.name, admission.args);
    });
  }
  for (const workflow of plan.workflows) {
    check(workflow.configPath, () => {
      validateMLWorkflowArgs(workflow.name, workflow.args);
    });
  }
  if (problems.length > 0) throw new ConfigError(stack, problems);
}
