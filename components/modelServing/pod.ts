/** The serving pod: the model loader and server containers, their volumes, and the pod spec. */
import { createHash } from "node:crypto";
import type * as k8s from "@pulumi/kubernetes";
import { ComponentRoles, METRICS_PORT_LABEL } from "../../conventions/labels";
import { userEnvVars } from "../lib/env";
import { containerResources, gpuPlacement } from "../lib/gpu";
import { selectorLabels, standardLabels } from "../lib/labels";
import { scratchVolume, SHARED_MEMORY_MOUNT, sharedMemoryVolume } from "../lib/scratchVolumes";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../lib/security";
import {
  HTTP_PORT_NAME,
  METRICS_PORT_NAME,
  MODEL_LOADER_CONTAINER,
  MODEL_READY_FILE_NAME,
  MODEL_SERVER_CONTAINER,
  MODELS_MOUNT_PATH,
} from "../lib/serving";
import type { ModelServingSettings } from "./args";
import { STARTUP_PROBE_PERIOD_SECONDS } from "./loader";
import { serverArgs, serverPreset } from "./presets";

/** Labels of every object and of the pods; `app.kubernetes.io/component` is `model-server`. */
export function modelServingLabels(settings: ModelServingSettings): Record<string, string> {
  return standardLabels(settings.modelName, settings.name, ComponentRoles.modelServer);
}

/**
 * Labels of the pods: the object labels, plus METRICS_PORT_LABEL naming the `http` port when the
 * server serves `/metrics` there (so the tenancy NetworkPolicy lets monitoring scrape it).
 */
export function modelServingPodLabels(settings: ModelServingSettings): Record<string, string> {
  return {
    ...modelServingLabels(settings),
    ...(settings.metricsOnHttpPort ? { [METRICS_PORT_LABEL]: HTTP_PORT_NAME } : {}),
  };
}

/** Labels that select the pods (Deployment selector, Service selector, PDB). */
export function modelServingSelectorLabels(settings: ModelServingSettings): Record<string, string> {
  return selectorLabels(settings.modelName, settings.name);
}

/** The cache key of a model URI: the first 16 hex digits of its SHA-256. */
export function modelUriKey(modelUri: string): string {
  return createHash("sha256").update(modelUri).digest("hex").slice(0, 16);
}

/**
 * Directory of the model inside the shared volume, keyed by the model URI: a shared cache never
 * serves one URI's files for another, and a changed `modelUri` loads into a new directory.
 */
export function modelDir(settings: Pick<ModelServingSettings, "modelName" | "modelUri">): string {
  return `${MODELS_MOUNT_PATH}/${settings.modelName}/${modelUriKey(settings.modelUri)}`;
}

/** The marker the loader writes when the model is complete. */
export function modelReadyFile(settings: Pick<ModelServingSettings, "modelName" | "modelUri">): string {
  return `${modelDir(settings)}/${MODEL_READY_FILE_NAME}`;
}

const VOLUMES = { models: "models", serverTmp: "server-tmp", loaderTmp: "loader-tmp" } as const;

/** Server resources: GPU requests equal limits, under the configured GPU resource name. */
export function serverResources(
  settings: ModelServingSettings,
): k8s.types.input.core.v1.ResourceRequirements {
  return containerResources({
    gpus: settings.gpusPerPod,
    gpuResourceName: settings.gpuResourceName,
    cpu: settings.cpu,
    cpuLimit: settings.cpuLimit,
    memory: settings.memory,
  });
}

function envVars(
  injected: Record<string, string>,
  user: Readonly<Record<string, string>>,
  secrets: readonly k8s.types.input.core.v1.EnvVar[] = [],
): k8s.types.input.core.v1.EnvVar[] {
  // HOME must be writable with a read-only root filesystem; a user-set HOME wins.
  const home: Record<string, string> = "HOME" in user ? {} : { HOME: "/tmp" };
  return [
    ...Object.entries({ ...injected, ...home }).map(([name, value]) => ({ name, value })),
    ...secrets,
    ...userEnvVars(user),
  ];
}

/**
 * The model-source token, from its Secret, under the env name the source and preset call for
 * (HF_TOKEN for hf:// with vllm or tgi); none without modelSourceTokenSecretName.
 */
export function modelSourceTokenEnvVars(settings: ModelServingSettings): k8s.types.input.core.v1.EnvVar[] {
  if (settings.modelSourceTokenSecretName === undefined) return [];
  return [
    {
      name: settings.modelSourceTokenEnv,
      valueFrom: {
        secretKeyRef: {
          name: settings.modelSourceTokenSecretName,
          key: settings.modelSourceTokenSecretKey,
        },
      },
    },
  ];
}

/**
 * The server's container ports: `http`, and `metrics` unless the server serves `/metrics` on
 * `http` (then a second port would be a port nothing listens on).
 */
export function serverPorts(settings: ModelServingSettings): k8s.types.input.core.v1.ContainerPort[] {
  return [
    { name: HTTP_PORT_NAME, containerPort: settings.httpPort, protocol: "TCP" },
    ...(settings.metricsOnHttpPort
      ? []
      : [{ name: METRICS_PORT_NAME, containerPort: settings.metricsPort, protocol: "TCP" }]),
  ];
}

/** The server's args: the user's, then the preset's flags (model dir, port, tensor parallel). */
export function buildServerArgs(settings: ModelServingSettings): string[] | undefined {
  return serverArgs(serverPreset(settings.server), settings.args, {
    modelDir: modelDir(settings),
    modelName: settings.modelName,
    httpPort: settings.httpPort,
    gpusPerPod: settings.gpusPerPod,
  });
}

/** The loader: a native sidecar gated by a startup probe on the ready marker, or a classic init container. */
export function buildLoaderContainer(settings: ModelServingSettings): k8s.types.input.core.v1.Container {
  const readyFile = modelReadyFile(settings);
  const sidecar = !settings.classicInitContainer;
  return {
    name: MODEL_LOADER_CONTAINER,
    image: settings.loaderImage,
    ...(settings.loaderCommand === undefined ? {} : { command: [...settings.loaderCommand] }),
    ...(settings.loaderArgs === undefined ? {} : { args: [...settings.loaderArgs] }),
    ...(sidecar
      ? {
          // restartPolicy Always makes this init container a native sidecar: Kubernetes starts the
          // server only after its startup probe passed, i.e. once the model is complete.
          restartPolicy: "Always",
          startupProbe: {
            exec: { command: ["test", "-f", readyFile] },
            periodSeconds: STARTUP_PROBE_PERIOD_SECONDS,
            failureThreshold: Math.ceil(settings.maxModelDownloadSeconds / STARTUP_PROBE_PERIOD_SECONDS),
          },
        }
      : {}),
    env: envVars(
      {
        MODEL_NAME: settings.modelName,
        MODEL_URI: settings.modelUri,
        MODEL_DIR: modelDir(settings),
        MODEL_READY_FILE: readyFile,
        // A lock older than the download budget belongs to a loader that was killed.
        MODEL_LOCK_STALE_MINUTES: String(Math.ceil(settings.maxModelDownloadSeconds / 60) + 1),
        LOADER_STAY_RUNNING: String(sidecar),
      },
      settings.loaderEnv,
      modelSourceTokenEnvVars(settings),
    ),
    ...(settings.loaderSecretName === undefined
      ? {}
      : { envFrom: [{ secretRef: { name: settings.loaderSecretName } }] }),
    resources: containerResources({ gpus: 0, cpu: settings.loaderCpu, memory: settings.loaderMemory }),
    securityContext: restrictedContainerSecurityContext(true),
    volumeMounts: [
      { name: VOLUMES.models, mountPath: MODELS_MOUNT_PATH },
      { name: VOLUMES.loaderTmp, mountPath: "/tmp" },
    ],
  };
}

/** The model server container: GPUs, ports, probes, drain hook and the read-only model mount. */
export function buildServerContainer(settings: ModelServingSettings): k8s.types.input.core.v1.Container {
  const httpGet = (path: string): k8s.types.input.core.v1.HTTPGetAction => ({ path, port: HTTP_PORT_NAME });
  const args = buildServerArgs(settings);
  return {
    name: MODEL_SERVER_CONTAINER,
    image: settings.image,
    ...(settings.command === undefined ? {} : { command: [...settings.command] }),
    ...(args === undefined ? {} : { args }),
    ports: serverPorts(settings),
    env: envVars({ MODEL_NAME: settings.modelName, MODEL_DIR: modelDir(settings) }, settings.env),
    resources: serverResources(settings),
    securityContext: restrictedContainerSecurityContext(settings.readOnlyRootFilesystem),
    // No initialDelaySeconds anywhere: the startup probe holds liveness and readiness back for
    // as long as loading takes, up to failureThreshold × periodSeconds = maxModelLoadSeconds.
    startupProbe: {
      httpGet: httpGet(settings.livenessPath),
      periodSeconds: STARTUP_PROBE_PERIOD_SECONDS,
      timeoutSeconds: 5,
      failureThreshold: Math.ceil(settings.maxModelLoadSeconds / STARTUP_PROBE_PERIOD_SECONDS),
    },
    readinessProbe: {
      httpGet: httpGet(settings.readinessPath),
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 3,
    },
    // Lenient: a server busy generating may answer slowly, and a restart means reloading the model.
    livenessProbe: {
      httpGet: httpGet(settings.livenessPath),
      periodSeconds: 15,
      timeoutSeconds: 5,
      failureThreshold: 4,
    },
    // The sleep keeps the pod serving while its endpoint is removed from Services and load
    // balancers; only then does the server get SIGTERM and finish in-flight requests.
    ...(settings.drainSeconds > 0
      ? { lifecycle: { preStop: { sleep: { seconds: settings.drainSeconds } } } }
      : {}),
    volumeMounts: [
      { name: VOLUMES.models, mountPath: MODELS_MOUNT_PATH, readOnly: true },
      SHARED_MEMORY_MOUNT,
      { name: VOLUMES.serverTmp, mountPath: "/tmp" },
    ],
  };
}

/** The pod volumes: `/models` (emptyDir or the cache PVC), `/dev/shm` in memory, and scratch space. */
export function buildVolumes(settings: ModelServingSettings): k8s.types.input.core.v1.Volume[] {
  const models: k8s.types.input.core.v1.Volume =
    settings.modelCacheClaimName === undefined
      ? scratchVolume(VOLUMES.models, settings.modelCacheSizeLimit)
      : { name: VOLUMES.models, persistentVolumeClaim: { claimName: settings.modelCacheClaimName } };
  return [
    models,
    sharedMemoryVolume(settings.sharedMemorySize),
    scratchVolume(VOLUMES.serverTmp, "1Gi"),
    scratchVolume(VOLUMES.loaderTmp, "1Gi"),
  ];
}

/** The pod: restricted security context, GPU placement, spread over nodes, loader and server. */
export function buildPodSpec(settings: ModelServingSettings): k8s.types.input.core.v1.PodSpec {
  return {
    serviceAccountName: settings.name,
    automountServiceAccountToken: settings.automountServiceAccountToken,
    enableServiceLinks: false,
    // OnRootMismatch: a large model cache PVC is not chowned file by file on every start.
    securityContext: {
      ...restrictedPodSecurityContext(settings.runAsUser),
      fsGroupChangePolicy: "OnRootMismatch",
    },
    terminationGracePeriodSeconds: settings.terminationGracePeriodSeconds,
    ...(settings.priorityClassName === undefined ? {} : { priorityClassName: settings.priorityClassName }),
    ...gpuPlacement(settings.gpusPerPod, settings.gpuProducts),
    // Prefer replicas on different nodes, so one node failure or drain takes out one replica.
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: "kubernetes.io/hostname",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: modelServingSelectorLabels(settings) },
        matchLabelKeys: ["pod-template-hash"],
      },
    ],
    initContainers: [buildLoaderContainer(settings)],
    containers: [buildServerContainer(settings)],
    volumes: buildVolumes(settings),
  };
}
