/** ModelServing's computed defaults and the settings it builds its specs from. */
import { queueSettings } from "../lib/queue";
import type { Resolved } from "../lib/resolve";
import { withAutoscalingDefaults } from "../autoscaling/validate";
import { withModelMonitoringDefaults } from "../monitoring/validate";
import { MODEL_SERVING_DEFAULTS, type ModelServingArgs, type ModelServingSettings } from "./args";
import {
  autoscalingNameOf,
  monitoringNameOf,
  servingAutoscalingArgs,
  servingMonitoringArgs,
} from "./attachments";
import { DEFAULT_LOADER_COMMAND, DEFAULT_LOADER_IMAGE, POD_START_SLACK_SECONDS } from "./loader";
import { modelSourceTokenEnv, serverPreset } from "./presets";

/** Pulumi's own default await timeout; the rollout timeout never goes below it. */
const PULUMI_DEFAULT_TIMEOUT_SECONDS = 600;

/** True when something else owns the replica count: our own autoscaler or an outside one. */
export function isAutoscaled(args: {
  readonly autoscaled?: boolean;
  readonly autoscaling?: object;
}): boolean {
  return args.autoscaled === true || args.autoscaling !== undefined;
}

/** Seconds one new pod may take to become ready: download, load and scheduling/pull slack. */
export function podStartBudgetSeconds(
  settings: Pick<ModelServingSettings, "maxModelDownloadSeconds" | "maxModelLoadSeconds">,
): number {
  return settings.maxModelDownloadSeconds + settings.maxModelLoadSeconds + POD_START_SLACK_SECONDS;
}

/**
 * Default rollout timeout. With maxSurge 1 and maxUnavailable 0 the rollout replaces one pod at
 * a time, so the worst case is one full pod start per replica, at the most replicas the
 * Deployment may have when a rollout starts (the autoscaler's maximum, not the initial count).
 */
export function defaultRolloutTimeoutSeconds(
  settings: Pick<ModelServingSettings, "maxModelDownloadSeconds" | "maxModelLoadSeconds"> & {
    readonly maxReplicas: number;
  },
): number {
  return Math.max(PULUMI_DEFAULT_TIMEOUT_SECONDS, settings.maxReplicas * podStartBudgetSeconds(settings));
}

/** Applies the documented defaults. Expects validated arguments. */
export function withModelServingDefaults(
  name: string,
  args: Resolved<ModelServingArgs>,
): ModelServingSettings {
  const defaults = MODEL_SERVING_DEFAULTS;
  const preset = serverPreset(args.server);
  const httpPort = args.httpPort ?? preset.httpPort;
  const loaderImage = args.loaderImage ?? defaults.loaderImage;
  const budget = {
    replicas: args.replicas ?? defaults.replicas,
    maxModelDownloadSeconds: args.maxModelDownloadSeconds ?? defaults.maxModelDownloadSeconds,
    maxModelLoadSeconds: args.maxModelLoadSeconds ?? defaults.maxModelLoadSeconds,
  };
  return {
    name,
    namespace: args.namespace,
    modelName: args.modelName,
    modelUri: args.modelUri,
    image: args.image,
    server: preset.name,
    metricsOnHttpPort: preset.metricsOnHttpPort,
    command: args.command,
    args: args.args,
    env: args.env ?? defaults.env,
    httpPort,
    metricsPort: preset.metricsOnHttpPort ? httpPort : (args.metricsPort ?? preset.metricsPort ?? httpPort),
    livenessPath: args.livenessPath ?? preset.livenessPath,
    readinessPath: args.readinessPath ?? preset.readinessPath,
    ...budget,
    autoscaled: isAutoscaled(args),
    gpusPerPod: args.gpusPerPod ?? defaults.gpusPerPod,
    gpuResourceName: args.gpuResourceName ?? defaults.gpuResourceName,
    gpuProducts: args.gpuProducts ?? defaults.gpuProducts,
    cpu: args.cpu ?? defaults.cpu,
    memory: args.memory ?? defaults.memory,
    cpuLimit: args.cpuLimit ?? args.cpu ?? defaults.cpu,
    sharedMemorySize: args.sharedMemorySize ?? defaults.sharedMemorySize,
    modelCacheSizeLimit: args.modelCacheSizeLimit,
    modelCacheClaimName: args.modelCacheClaimName,
    loaderImage,
    loaderCommand:
      args.loaderCommand ?? (loaderImage === DEFAULT_LOADER_IMAGE ? DEFAULT_LOADER_COMMAND : undefined),
    loaderArgs: args.loaderArgs,
    loaderEnv: args.loaderEnv ?? defaults.loaderEnv,
    loaderSecretName: args.loaderSecretName,
    modelSourceTokenSecretName: args.modelSourceTokenSecretName,
    modelSourceTokenSecretKey: args.modelSourceTokenSecretKey ?? defaults.modelSourceTokenSecretKey,
    modelSourceTokenEnv: modelSourceTokenEnv(preset, args.modelUri),
    loaderCpu: args.loaderCpu ?? defaults.loaderCpu,
    loaderMemory: args.loaderMemory ?? defaults.loaderMemory,
    classicInitContainer: args.classicInitContainer ?? defaults.classicInitContainer,
    drainSeconds: args.drainSeconds ?? defaults.drainSeconds,
    terminationGracePeriodSeconds:
      args.terminationGracePeriodSeconds ?? defaults.terminationGracePeriodSeconds,
    pdbMinAvailable: args.pdbMinAvailable,
    priorityClassName: args.priorityClassName,
    automountServiceAccountToken: args.automountServiceAccountToken ?? defaults.automountServiceAccountToken,
    serviceAccountAnnotations: args.serviceAccountAnnotations ?? defaults.serviceAccountAnnotations,
    runAsUser: args.runAsUser ?? defaults.runAsUser,
    readOnlyRootFilesystem: args.readOnlyRootFilesystem ?? defaults.readOnlyRootFilesystem,
    rolloutTimeoutSeconds:
      args.rolloutTimeoutSeconds ??
      defaultRolloutTimeoutSeconds({
        ...budget,
        maxReplicas: Math.max(budget.replicas, args.maxReplicas ?? args.autoscaling?.maxReplicas ?? 0),
      }),
    clusterDomain: args.clusterDomain ?? defaults.clusterDomain,
    ...queueSettings(args),
    autoscaling:
      args.autoscaling === undefined
        ? undefined
        : withAutoscalingDefaults(
            autoscalingNameOf(name),
            servingAutoscalingArgs(name, args, args.autoscaling),
          ),
    monitoring:
      args.monitoring === undefined
        ? undefined
        : withModelMonitoringDefaults(
            monitoringNameOf(name),
            servingMonitoringArgs(name, args, args.monitoring),
          ),
  };
}
