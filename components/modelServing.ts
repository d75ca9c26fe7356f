/**
 * ModelServing: an online model server on GPUs.
 *
 * One Deployment whose pods run the model server plus a model loader. Both share a `/models`
 * volume: the loader downloads the model into `/models/<modelName>` and then writes a ready
 * marker; the server only starts once the marker is there. Around it: a ClusterIP Service
 * (ports `http` and `metrics`), a PodDisruptionBudget and a ServiceAccount of its own.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as appsv1 from "@pulumi/kubernetes/apps/v1";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as policyv1 from "@pulumi/kubernetes/policy/v1";
import * as pulumi from "@pulumi/pulumi";
import {
  AUTOSCALING_TYPE,
  type AutoscalerResources,
  type AutoscalingArgs,
  type AutoscalingSettings,
  checkAutoscalingArgs,
  claimAutoscalingTarget,
  createAutoscaler,
  usesKeda,
  withAutoscalingDefaults,
} from "./autoscaling";
import { checkUserEnv, userEnvVars } from "./lib/env";
import { GPU_RESOURCE, isExtendedResourceName } from "../conventions/gpu";
import { gpuPlacement } from "./lib/gpu";
import { ComponentRoles } from "../conventions/labels";
import { PACKAGE, selectorLabels, standardLabels } from "./lib/labels";
import { parseQuantity } from "../conventions/quantity";
import { fieldsOf, type Resolved, resolveSettings } from "./lib/resolve";
import {
  DEFAULT_RUN_AS_USER,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from "./lib/security";
import {
  DEFAULT_HTTP_PORT,
  DEFAULT_METRICS_PORT,
  HTTP_PORT_NAME,
  METRICS_PORT_NAME,
  MODEL_LOADER_CONTAINER,
  MODEL_READY_FILE_NAME,
  MODEL_SERVER_CONTAINER,
  MODELS_MOUNT_PATH,
} from "./lib/serving";
import { ArgChecker, isDns1035Label } from "./lib/validation";
import {
  checkModelMonitoringArgs,
  claimDcgmExporter,
  createServiceMonitors,
  MODEL_MONITORING_TYPE,
  type ModelMonitoringArgs,
  type ModelMonitoringSettings,
  type ServiceMonitorResources,
  withModelMonitoringDefaults,
} from "./monitoring";

export const MODEL_SERVING_TYPE = `${PACKAGE}:serving:ModelServing`;

/**
 * The default loader image. rclone copies from S3, GCS, Azure Blob, HTTP and more, addressed
 * by one path (e.g. `:s3,provider=AWS,env_auth=true:bucket/models/llama`), and its image ships
 * a POSIX shell for the script below.
 */
export const DEFAULT_LOADER_IMAGE = "rclone/rclone:1.68.2";

/**
 * The default loader program, run as `sh -c`. It relies only on the environment the component
 * injects (MODEL_URI, MODEL_DIR, MODEL_READY_FILE, LOADER_STAY_RUNNING):
 * - skips the download when the ready marker exists (a shared PVC cache already holds the model);
 * - otherwise copies MODEL_URI into MODEL_DIR and writes the marker only after the copy succeeded;
 * - as a native sidecar it must keep running (Kubernetes restarts a sidecar that exits), so it then
 *   idles until SIGTERM; as a classic init container it exits.
 * A custom loader (`loaderImage` + `loaderCommand`/`loaderArgs`) must keep the same contract.
 */
export const DEFAULT_LOADER_SCRIPT = [
  "set -eu",
  'if [ -f "$MODEL_READY_FILE" ]; then',
  '  echo "model-loader: $MODEL_DIR is complete; skipping the download"',
  "else",
  '  mkdir -p "$MODEL_DIR"',
  '  echo "model-loader: copying $MODEL_URI to $MODEL_DIR"',
  '  rclone copy "$MODEL_URI" "$MODEL_DIR"',
  '  touch "$MODEL_READY_FILE"',
  "fi",
  'if [ "$LOADER_STAY_RUNNING" = "true" ]; then',
  "  trap 'exit 0' TERM INT",
  "  while true; do sleep 3600 & wait $!; done",
  "fi",
].join("\n");

export const DEFAULT_LOADER_COMMAND: readonly string[] = ["/bin/sh", "-c", DEFAULT_LOADER_SCRIPT];

/** Environment variables the component sets itself; user `env`/`loaderEnv` may not use them. */
export const MODEL_SERVING_INJECTED_ENV: readonly string[] = [
  "MODEL_NAME",
  "MODEL_DIR",
  "MODEL_URI",
  "MODEL_READY_FILE",
  "LOADER_STAY_RUNNING",
];

/** Period of both startup probes; the failure threshold stretches them to the load budget. */
export const STARTUP_PROBE_PERIOD_SECONDS = 10;

/** Time a pod may spend on scheduling and image pulls on top of the download and load budgets. */
export const POD_START_SLACK_SECONDS = 300;

/** Pulumi's own default await timeout; the rollout timeout never goes below it. */
const PULUMI_DEFAULT_TIMEOUT_SECONDS = 600;

/** Autoscaling arguments without the target, which is the ModelServing's own Deployment. */
export type ModelServingAutoscalingArgs = Omit<AutoscalingArgs, "namespace" | "deploymentName">;

/** Monitoring arguments without the Service to scrape, which is the ModelServing's own. */
export type ModelServingMonitoringArgs = Omit<ModelMonitoringArgs, "namespace" | "serviceSelectorLabels">;

export interface ModelServingArgs {
  /** Namespace to deploy into; it must exist. */
  readonly namespace: pulumi.Input<string>;
  /**
   * Name of the model (a DNS-1123 label). The model lives in `/models/<modelName>`; also the
   * `app.kubernetes.io/name` label.
   */
  readonly modelName: pulumi.Input<string>;
  /** Where the loader copies the model from, passed as MODEL_URI (an rclone path for the default loader). */
  readonly modelUri: pulumi.Input<string>;
  /** Model server image, pinned by tag or digest. */
  readonly image: pulumi.Input<string>;
  /** Server entrypoint override. @default the image's entrypoint */
  readonly command?: pulumi.Input<string[]>;
  /** Server arguments. @default the image's arguments */
  readonly args?: pulumi.Input<string[]>;
  /** Extra server environment; names the component injects (MODEL_DIR, MODEL_NAME, ...) are rejected. @default {} */
  readonly env?: pulumi.Input<Record<string, string>>;
  /** Port the server answers requests and health checks on. @default 8000 */
  readonly httpPort?: pulumi.Input<number>;
  /** Port the server exposes Prometheus metrics on; must differ from httpPort. @default 9090 */
  readonly metricsPort?: pulumi.Input<number>;
  /** HTTP path for the startup and liveness probes. @default "/health" */
  readonly livenessPath?: pulumi.Input<string>;
  /** HTTP path for the readiness probe. @default "/health" */
  readonly readinessPath?: pulumi.Input<string>;
  /** Replicas; with `autoscaled` only the initial count. @default 1 */
  readonly replicas?: pulumi.Input<number>;
  /**
   * True when an HPA or KEDA ScaledObject owns the replica count. Then `replicas` is applied on
   * creation only and later changes to `spec.replicas` are ignored, so `pulumi up` never resets
   * what the autoscaler chose (the provider then leaves the field to the autoscaler's field
   * manager instead of hitting a server-side apply conflict). Must be known when the component
   * is constructed. @default false
   */
  readonly autoscaled?: boolean;
  /** Whole GPUs per pod (0 for a CPU-only server). Requests equal limits. @default 1 */
  readonly gpus?: pulumi.Input<number>;
  /**
   * Extended resource the GPUs are requested as, e.g. `nvidia.com/gpu.shared` for time-sliced GPUs
   * or `nvidia.com/mig-1g.10gb` for a MIG slice. @default "nvidia.com/gpu"
   */
  readonly gpuResourceName?: pulumi.Input<string>;
  /**
   * GPU products (`nvidia.com/gpu.product` label values) the pods may run on, through a required
   * node affinity. At least one when gpus > 0; empty when gpus is 0. Any valid label value is
   * accepted; the stack config checks products against the cluster's GPU nodes. @default []
   */
  readonly gpuProducts?: pulumi.Input<string[]>;
  /** Server CPU request. @default "4" */
  readonly cpu?: pulumi.Input<string>;
  /** Server memory request and limit; `/dev/shm` counts against it. @default "32Gi" */
  readonly memory?: pulumi.Input<string>;
  /**
   * Server CPU limit, at least cpu. Equal to the request, with memory likewise, the pod gets the
   * Guaranteed QoS class (evicted last, exclusive cores under the static CPU manager); the
   * policy pack requires a CPU limit in prod. @default cpu
   */
  readonly cpuLimit?: pulumi.Input<string>;
  /** Size of the memory-backed `/dev/shm` (NCCL and PyTorch data loaders need more than 64Mi). @default "8Gi" */
  readonly shmSizeLimit?: pulumi.Input<string>;
  /** Size limit of the `/models` emptyDir. Not with modelCacheClaimName. @default none */
  readonly modelCacheSizeLimit?: pulumi.Input<string>;
  /**
   * An existing PersistentVolumeClaim to use as `/models` instead of an emptyDir: a model cache
   * shared by all replicas (ReadWriteMany), so only the first pod downloads. @default none
   */
  readonly modelCacheClaimName?: pulumi.Input<string>;
  /** Loader image, pinned. @default DEFAULT_LOADER_IMAGE (rclone) */
  readonly loaderImage?: pulumi.Input<string>;
  /** Loader entrypoint. @default DEFAULT_LOADER_COMMAND when loaderImage is the default, else the image's */
  readonly loaderCommand?: pulumi.Input<string[]>;
  /** Loader arguments. @default none */
  readonly loaderArgs?: pulumi.Input<string[]>;
  /** Extra loader environment (e.g. rclone settings); injected names are rejected. @default {} */
  readonly loaderEnv?: pulumi.Input<Record<string, string>>;
  /** Secret whose keys become loader environment variables (storage credentials). @default none */
  readonly loaderSecretName?: pulumi.Input<string>;
  /** Loader CPU request and limit (rclone checksums and parallel transfers use CPU). @default "1" */
  readonly loaderCpu?: pulumi.Input<string>;
  /** Loader memory request and limit. @default "1Gi" */
  readonly loaderMemory?: pulumi.Input<string>;
  /**
   * Run the loader as a classic run-to-completion init container instead of a native sidecar
   * (for clusters or loaders that cannot keep running). @default false
   */
  readonly classicInitContainer?: pulumi.Input<boolean>;
  /** Longest the loader may take to download the model (the sidecar's startup probe budget). @default 1800 */
  readonly maxModelDownloadSeconds?: pulumi.Input<number>;
  /** Longest the server may take to load the model and answer its health check (its startup probe budget). @default 900 */
  readonly maxModelLoadSeconds?: pulumi.Input<number>;
  /**
   * Seconds the server keeps serving after it is told to stop (preStop sleep), so that load
   * balancers stop sending requests before it shuts down. 0 disables the hook. @default 15
   */
  readonly drainSeconds?: pulumi.Input<number>;
  /** Grace period for drain plus in-flight requests; must exceed drainSeconds. @default 120 */
  readonly terminationGracePeriodSeconds?: pulumi.Input<number>;
  /**
   * PodDisruptionBudget minAvailable. Unset, the budget allows one voluntary disruption at a
   * time (maxUnavailable 1), which keeps node drains possible even with a single replica.
   * Without autoscaling it must be below replicas, or no node holding a replica could drain.
   * @default none (maxUnavailable 1)
   */
  readonly pdbMinAvailable?: pulumi.Input<number>;
  /** PriorityClass of the pods (serving should outrank batch). @default none */
  readonly priorityClassName?: pulumi.Input<string>;
  /** Mount an API token into the pods; model servers rarely need the Kubernetes API. @default false */
  readonly automountServiceAccountToken?: pulumi.Input<boolean>;
  /** Annotations of the ServiceAccount, e.g. for cloud workload identity of the loader. @default {} */
  readonly serviceAccountAnnotations?: pulumi.Input<Record<string, string>>;
  /** UID (and GID) the containers run as. @default 1000 */
  readonly runAsUser?: pulumi.Input<number>;
  /** Read-only root filesystem for the server (writable /tmp is mounted; HOME=/tmp unless set). @default true */
  readonly readOnlyRootFilesystem?: pulumi.Input<boolean>;
  /**
   * How long `pulumi up` waits for a rollout (the `pulumi.com/timeoutSeconds` annotation).
   * @default replicas × (maxModelDownloadSeconds + maxModelLoadSeconds + 300), at least 600
   */
  readonly rolloutTimeoutSeconds?: pulumi.Input<number>;
  /** Cluster DNS domain for serviceDnsName. @default "cluster.local" */
  readonly clusterDomain?: pulumi.Input<string>;
  /**
   * An autoscaler for the Deployment, owned by this component: an HPA on CPU and on requests per
   * second per pod, or with `keda` a KEDA ScaledObject. The objects are those an Autoscaling
   * component named `<name>-scaling` creates (see AutoscalingArgs), without a component of their
   * own, which keeps large fleets cheap to preview. Implies `autoscaled`. @default none
   */
  readonly autoscaling?: ModelServingAutoscalingArgs;
  /**
   * A ServiceMonitor scraping the server's metrics port (and, with `dcgmExporter`, one for the
   * cluster's DCGM exporter), owned by this component: the objects a ModelMonitoring component
   * named `<name>-monitoring` creates (see ModelMonitoringArgs). @default none
   */
  readonly monitoring?: ModelServingMonitoringArgs;
}

/** ModelServing arguments with every default applied. */
export interface ModelServingSettings {
  /** The component name, which is also the name of every Kubernetes object it creates. */
  readonly name: string;
  readonly namespace: string;
  readonly modelName: string;
  readonly modelUri: string;
  readonly image: string;
  readonly command: readonly string[] | undefined;
  readonly args: readonly string[] | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly httpPort: number;
  readonly metricsPort: number;
  readonly livenessPath: string;
  readonly readinessPath: string;
  readonly replicas: number;
  readonly autoscaled: boolean;
  readonly gpus: number;
  readonly gpuResourceName: string;
  readonly gpuProducts: readonly string[];
  readonly cpu: string;
  readonly memory: string;
  readonly cpuLimit: string;
  readonly shmSizeLimit: string;
  readonly modelCacheSizeLimit: string | undefined;
  readonly modelCacheClaimName: string | undefined;
  readonly loaderImage: string;
  readonly loaderCommand: readonly string[] | undefined;
  readonly loaderArgs: readonly string[] | undefined;
  readonly loaderEnv: Readonly<Record<string, string>>;
  readonly loaderSecretName: string | undefined;
  readonly loaderCpu: string;
  readonly loaderMemory: string;
  readonly classicInitContainer: boolean;
  readonly maxModelDownloadSeconds: number;
  readonly maxModelLoadSeconds: number;
  readonly drainSeconds: number;
  readonly terminationGracePeriodSeconds: number;
  readonly pdbMinAvailable: number | undefined;
  readonly priorityClassName: string | undefined;
  readonly automountServiceAccountToken: boolean;
  readonly serviceAccountAnnotations: Readonly<Record<string, string>>;
  readonly runAsUser: number;
  readonly readOnlyRootFilesystem: boolean;
  readonly rolloutTimeoutSeconds: number;
  readonly clusterDomain: string;
  /** The autoscaler's settings, with `autoscaling`. */
  readonly autoscaling: AutoscalingSettings | undefined;
  /** The ServiceMonitors' settings, with `monitoring`. */
  readonly monitoring: ModelMonitoringSettings | undefined;
}

type ResolvedModelServingArgs = Resolved<ModelServingArgs>;

/** The name the autoscaler objects are derived from, as an Autoscaling component's would be. */
export function autoscalingNameOf(name: string): string {
  return `${name}-scaling`;
}

/** The name the ServiceMonitors are derived from, as a ModelMonitoring component's would be. */
export function monitoringNameOf(name: string): string {
  return `${name}-monitoring`;
}

/** True when something else owns the replica count: our own autoscaler or an outside one. */
export function isAutoscaled(args: {
  readonly autoscaled?: boolean;
  readonly autoscaling?: object;
}): boolean {
  return args.autoscaled === true || args.autoscaling !== undefined;
}

/** The Autoscaling arguments of the component's own autoscaler: its target is the Deployment. */
export function servingAutoscalingArgs(
  name: string,
  args: ResolvedModelServingArgs,
  autoscaling: Resolved<ModelServingAutoscalingArgs>,
): Resolved<AutoscalingArgs> {
  return { ...autoscaling, namespace: args.namespace, deploymentName: name };
}

/** The ModelMonitoring arguments of the component's own ServiceMonitors: they select its Service. */
export function servingMonitoringArgs(
  name: string,
  args: ResolvedModelServingArgs,
  monitoring: Resolved<ModelServingMonitoringArgs>,
): Resolved<ModelMonitoringArgs> {
  return {
    ...monitoring,
    namespace: args.namespace,
    serviceSelectorLabels: selectorLabels(args.modelName, name),
  };
}

function checkPath(checker: ArgChecker, property: string, value: string | undefined): void {
  if (value === undefined) return;
  checker.check(/^\/\S*$/.test(value), property, value, "an absolute HTTP path without spaces");
}

function checkImageArgs(checker: ArgChecker, property: string, value: readonly string[] | undefined): void {
  if (value === undefined) return;
  checker.check(
    Array.isArray(value) && value.every((item) => typeof item === "string"),
    property,
    value,
    "a list of strings",
  );
}

/**
 * Checks ModelServing arguments and throws one ValidationError naming every problem. Pure, so
 * stack config can be checked with it before anything is registered.
 */
export function validateModelServingArgs(name: string, args: ResolvedModelServingArgs): void {
  const c = new ArgChecker(`ModelServing "${name}"`);
  // The component name is the name of the Service too, and Service names are DNS-1035 labels.
  c.check(
    isDns1035Label(name),
    "name",
    name,
    "a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, at most 63 characters), since it names the Service",
  );
  c.dnsLabel("namespace", args.namespace);
  c.dnsLabel("modelName", args.modelName);
  c.check(
    typeof args.modelUri === "string" && args.modelUri.length > 0 && !/\s/.test(args.modelUri),
    "modelUri",
    args.modelUri,
    "a non-empty location without whitespace",
  );
  c.image("image", args.image);
  c.image("loaderImage", args.loaderImage);
  checkImageArgs(c, "command", args.command);
  checkImageArgs(c, "args", args.args);
  checkImageArgs(c, "loaderCommand", args.loaderCommand);
  checkImageArgs(c, "loaderArgs", args.loaderArgs);
  checkUserEnv(c, "env", args.env, MODEL_SERVING_INJECTED_ENV);
  checkUserEnv(c, "loaderEnv", args.loaderEnv, MODEL_SERVING_INJECTED_ENV);

  c.wholeNumber("httpPort", args.httpPort, 1, 65535);
  c.wholeNumber("metricsPort", args.metricsPort, 1, 65535);
  const httpPort = args.httpPort ?? DEFAULT_HTTP_PORT;
  const metricsPort = args.metricsPort ?? DEFAULT_METRICS_PORT;
  // A separate metrics port lets NetworkPolicies open metrics to Prometheus without opening the API.
  c.check(httpPort !== metricsPort, "metricsPort", metricsPort, `a port other than httpPort (${httpPort})`);
  checkPath(c, "livenessPath", args.livenessPath);
  checkPath(c, "readinessPath", args.readinessPath);

  c.wholeNumber("replicas", args.replicas, 1);
  c.wholeNumber("gpus", args.gpus, 0);
  if (args.gpuResourceName !== undefined) {
    c.check(
      isExtendedResourceName(args.gpuResourceName),
      "gpuResourceName",
      args.gpuResourceName,
      'an extended resource name such as "nvidia.com/gpu" or "nvidia.com/mig-1g.10gb"',
    );
  }
  const gpuProducts = args.gpuProducts ?? [];
  c.gpuProducts("gpuProducts", args.gpuProducts);
  c.check(
    new Set(gpuProducts).size === gpuProducts.length,
    "gpuProducts",
    gpuProducts,
    "a list without duplicates",
  );
  c.check(
    args.gpus !== 0 || gpuProducts.length === 0,
    "gpuProducts",
    gpuProducts,
    "empty when gpus is 0 (a CPU-only server is not placed on GPU nodes)",
  );
  c.check(
    args.gpus === 0 || gpuProducts.length > 0,
    "gpuProducts",
    gpuProducts,
    "at least one GPU product when gpus is above 0 (GPU pods are placed on a product by node affinity)",
  );

  c.positiveQuantity("cpu", args.cpu)
    .positiveQuantity("memory", args.memory)
    .positiveQuantity("cpuLimit", args.cpuLimit)
    .positiveQuantity("shmSizeLimit", args.shmSizeLimit)
    .positiveQuantity("modelCacheSizeLimit", args.modelCacheSizeLimit)
    .positiveQuantity("loaderCpu", args.loaderCpu)
    .positiveQuantity("loaderMemory", args.loaderMemory);
  const cpu = args.cpu ?? "4";
  const cpuCores = parseQuantity(cpu);
  const cpuLimitCores = parseQuantity(args.cpuLimit);
  if (cpuCores !== undefined && cpuLimitCores !== undefined) {
    c.check(
      cpuLimitCores >= cpuCores,
      "cpuLimit",
      args.cpuLimit,
      `at least cpu (${cpu}); Kubernetes rejects a limit below the request`,
    );
  }
  c.sharedMemoryBelow("shmSizeLimit", args.shmSizeLimit ?? "8Gi", "memory", args.memory ?? "32Gi");
  c.dnsSubdomain("modelCacheClaimName", args.modelCacheClaimName, "a PersistentVolumeClaim name");
  if (args.modelCacheClaimName !== undefined) {
    c.check(
      args.modelCacheSizeLimit === undefined,
      "modelCacheSizeLimit",
      args.modelCacheSizeLimit,
      "unset when modelCacheClaimName is set (the claim decides the size)",
    );
  }
  c.dnsSubdomain("loaderSecretName", args.loaderSecretName, "a Secret name");
  c.wholeNumber("maxModelDownloadSeconds", args.maxModelDownloadSeconds, STARTUP_PROBE_PERIOD_SECONDS);
  c.wholeNumber("maxModelLoadSeconds", args.maxModelLoadSeconds, STARTUP_PROBE_PERIOD_SECONDS);
  c.wholeNumber("drainSeconds", args.drainSeconds, 0, 3600);
  c.wholeNumber("terminationGracePeriodSeconds", args.terminationGracePeriodSeconds, 1);
  const drainSeconds = args.drainSeconds ?? 15;
  const grace = args.terminationGracePeriodSeconds ?? 120;
  c.check(
    grace > drainSeconds,
    "terminationGracePeriodSeconds",
    grace,
    `greater than drainSeconds (${drainSeconds}), or the server is killed before it finishes draining`,
  );
  c.wholeNumber("pdbMinAvailable", args.pdbMinAvailable, 0);
  if (args.pdbMinAvailable !== undefined && !isAutoscaled(args)) {
    const replicas = args.replicas ?? 1;
    c.check(
      args.pdbMinAvailable < replicas,
      "pdbMinAvailable",
      args.pdbMinAvailable,
      `less than replicas (${replicas}), or no node running a replica could ever be drained`,
    );
  }
  c.dnsSubdomain("priorityClassName", args.priorityClassName, "a PriorityClass name");
  c.wholeNumber("runAsUser", args.runAsUser, 1);
  c.wholeNumber("rolloutTimeoutSeconds", args.rolloutTimeoutSeconds, 60);
  c.dnsSubdomain("clusterDomain", args.clusterDomain, "a DNS domain such as cluster.local");
  if (args.autoscaling !== undefined) {
    checkAutoscalingArgs(
      c.scoped("autoscaling."),
      autoscalingNameOf(name),
      servingAutoscalingArgs(name, args, args.autoscaling),
    );
  }
  if (args.monitoring !== undefined) {
    checkModelMonitoringArgs(
      c.scoped("monitoring."),
      monitoringNameOf(name),
      servingMonitoringArgs(name, args, args.monitoring),
    );
  }
  c.throwIfInvalid();
}

/**
 * Claims the Deployment for the component's own autoscaler and, with `dcgmExporter`, the DCGM
 * exporter, as the Autoscaling and ModelMonitoring components do, so that a second claimant in
 * the same program fails with a clear message.
 */
export function claimModelServingTargets(name: string, args: ResolvedModelServingArgs): void {
  if (args.autoscaling !== undefined) {
    claimAutoscalingTarget(autoscalingNameOf(name), servingAutoscalingArgs(name, args, args.autoscaling));
  }
  if (args.monitoring !== undefined) {
    claimDcgmExporter(monitoringNameOf(name), servingMonitoringArgs(name, args, args.monitoring));
  }
}

/** Seconds one new pod may take to become ready: download, load and scheduling/pull slack. */
export function podStartBudgetSeconds(
  settings: Pick<ModelServingSettings, "maxModelDownloadSeconds" | "maxModelLoadSeconds">,
): number {
  return settings.maxModelDownloadSeconds + settings.maxModelLoadSeconds + POD_START_SLACK_SECONDS;
}

/**
 * Default rollout timeout. With maxSurge 1 and maxUnavailable 0 the rollout replaces one pod at
 * a time, so the worst case is one full pod start per replica.
 */
export function defaultRolloutTimeoutSeconds(
  settings: Pick<ModelServingSettings, "replicas" | "maxModelDownloadSeconds" | "maxModelLoadSeconds">,
): number {
  return Math.max(PULUMI_DEFAULT_TIMEOUT_SECONDS, settings.replicas * podStartBudgetSeconds(settings));
}

/** Applies the documented defaults. Expects validated arguments. */
export function withModelServingDefaults(name: string, args: ResolvedModelServingArgs): ModelServingSettings {
  const loaderImage = args.loaderImage ?? DEFAULT_LOADER_IMAGE;
  const partial = {
    replicas: args.replicas ?? 1,
    maxModelDownloadSeconds: args.maxModelDownloadSeconds ?? 1800,
    maxModelLoadSeconds: args.maxModelLoadSeconds ?? 900,
  };
  return {
    name,
    namespace: args.namespace,
    modelName: args.modelName,
    modelUri: args.modelUri,
    image: args.image,
    command: args.command,
    args: args.args,
    env: args.env ?? {},
    httpPort: args.httpPort ?? DEFAULT_HTTP_PORT,
    metricsPort: args.metricsPort ?? DEFAULT_METRICS_PORT,
    livenessPath: args.livenessPath ?? "/health",
    readinessPath: args.readinessPath ?? "/health",
    ...partial,
    autoscaled: isAutoscaled(args),
    gpus: args.gpus ?? 1,
    gpuResourceName: args.gpuResourceName ?? GPU_RESOURCE,
    gpuProducts: args.gpuProducts ?? [],
    cpu: args.cpu ?? "4",
    memory: args.memory ?? "32Gi",
    cpuLimit: args.cpuLimit ?? args.cpu ?? "4",
    shmSizeLimit: args.shmSizeLimit ?? "8Gi",
    modelCacheSizeLimit: args.modelCacheSizeLimit,
    modelCacheClaimName: args.modelCacheClaimName,
    loaderImage,
    loaderCommand:
      args.loaderCommand ?? (loaderImage === DEFAULT_LOADER_IMAGE ? DEFAULT_LOADER_COMMAND : undefined),
    loaderArgs: args.loaderArgs,
    loaderEnv: args.loaderEnv ?? {},
    loaderSecretName: args.loaderSecretName,
    loaderCpu: args.loaderCpu ?? "1",
    loaderMemory: args.loaderMemory ?? "1Gi",
    classicInitContainer: args.classicInitContainer ?? false,
    drainSeconds: args.drainSeconds ?? 15,
    terminationGracePeriodSeconds: args.terminationGracePeriodSeconds ?? 120,
    pdbMinAvailable: args.pdbMinAvailable,
    priorityClassName: args.priorityClassName,
    automountServiceAccountToken: args.automountServiceAccountToken ?? false,
    serviceAccountAnnotations: args.serviceAccountAnnotations ?? {},
    runAsUser: args.runAsUser ?? DEFAULT_RUN_AS_USER,
    readOnlyRootFilesystem: args.readOnlyRootFilesystem ?? true,
    rolloutTimeoutSeconds: args.rolloutTimeoutSeconds ?? defaultRolloutTimeoutSeconds(partial),
    clusterDomain: args.clusterDomain ?? "cluster.local",
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

/** Labels of every object and of the pods; `app.kubernetes.io/component` is `model-server`. */
export function modelServingLabels(settings: ModelServingSettings): Record<string, string> {
  return standardLabels(settings.modelName, settings.name, ComponentRoles.modelServer);
}

/** Labels that select the pods (Deployment selector, Service selector, PDB). */
export function modelServingSelectorLabels(settings: ModelServingSettings): Record<string, string> {
  return selectorLabels(settings.modelName, settings.name);
}

/** Directory of the model inside the shared volume. */
export function modelDir(settings: Pick<ModelServingSettings, "modelName">): string {
  return `${MODELS_MOUNT_PATH}/${settings.modelName}`;
}

/** The marker the loader writes when the model is complete. */
export function modelReadyFile(settings: Pick<ModelServingSettings, "modelName">): string {
  return `${modelDir(settings)}/${MODEL_READY_FILE_NAME}`;
}

/** `<service>.<namespace>.svc.<cluster domain>` */
export function serviceDnsName(settings: ModelServingSettings): string {
  return `${settings.name}.${settings.namespace}.svc.${settings.clusterDomain}`;
}

const VOLUMES = {
  models: "models",
  shm: "dshm",
  serverTmp: "server-tmp",
  loaderTmp: "loader-tmp",
} as const;

/**
 * Server resources: like containerResources (GPU requests equal limits), with the GPU under a
 * configurable resource name and a CPU limit.
 */
export function serverResources(
  settings: ModelServingSettings,
): k8s.types.input.core.v1.ResourceRequirements {
  const gpu: Record<string, string> =
    settings.gpus > 0 ? { [settings.gpuResourceName]: String(settings.gpus) } : {};
  return {
    requests: { cpu: settings.cpu, memory: settings.memory, ...gpu },
    limits: { cpu: settings.cpuLimit, memory: settings.memory, ...gpu },
  };
}

function envVars(
  injected: Record<string, string>,
  user: Readonly<Record<string, string>>,
): k8s.types.input.core.v1.EnvVar[] {
  // HOME must be writable with a read-only root filesystem; a user-set HOME wins.
  const home: Record<string, string> = "HOME" in user ? {} : { HOME: "/tmp" };
  return [
    ...Object.entries({ ...injected, ...home }).map(([name, value]) => ({ name, value })),
    ...userEnvVars(user),
  ];
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
        LOADER_STAY_RUNNING: String(sidecar),
      },
      settings.loaderEnv,
    ),
    ...(settings.loaderSecretName === undefined
      ? {}
      : { envFrom: [{ secretRef: { name: settings.loaderSecretName } }] }),
    resources: {
      requests: { cpu: settings.loaderCpu, memory: settings.loaderMemory },
      limits: { cpu: settings.loaderCpu, memory: settings.loaderMemory },
    },
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
  return {
    name: MODEL_SERVER_CONTAINER,
    image: settings.image,
    ...(settings.command === undefined ? {} : { command: [...settings.command] }),
    ...(settings.args === undefined ? {} : { args: [...settings.args] }),
    ports: [
      { name: HTTP_PORT_NAME, containerPort: settings.httpPort, protocol: "TCP" },
      { name: METRICS_PORT_NAME, containerPort: settings.metricsPort, protocol: "TCP" },
    ],
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
      { name: VOLUMES.shm, mountPath: "/dev/shm" },
      { name: VOLUMES.serverTmp, mountPath: "/tmp" },
    ],
  };
}

/** The pod volumes: `/models` (emptyDir or the cache PVC), `/dev/shm` in memory, and scratch space. */
export function buildVolumes(settings: ModelServingSettings): k8s.types.input.core.v1.Volume[] {
  const models: k8s.types.input.core.v1.Volume =
    settings.modelCacheClaimName === undefined
      ? {
          name: VOLUMES.models,
          emptyDir:
            settings.modelCacheSizeLimit === undefined ? {} : { sizeLimit: settings.modelCacheSizeLimit },
        }
      : { name: VOLUMES.models, persistentVolumeClaim: { claimName: settings.modelCacheClaimName } };
  return [
    models,
    { name: VOLUMES.shm, emptyDir: { medium: "Memory", sizeLimit: settings.shmSizeLimit } },
    { name: VOLUMES.serverTmp, emptyDir: { sizeLimit: "1Gi" } },
    { name: VOLUMES.loaderTmp, emptyDir: { sizeLimit: "1Gi" } },
  ];
}

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
    ...gpuPlacement(settings.gpus, settings.gpuProducts),
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

export function buildDeployment(settings: ModelServingSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: k8s.types.input.apps.v1.DeploymentSpec;
} {
  const labels = modelServingLabels(settings);
  return {
    metadata: {
      name: settings.name,
      namespace: settings.namespace,
      labels,
      // Pulumi waits for the rollout; its 10-minute default is shorter than one slow model load.
      annotations: { "pulumi.com/timeoutSeconds": String(settings.rolloutTimeoutSeconds) },
    },
    spec: {
      replicas: settings.replicas,
      selector: { matchLabels: modelServingSelectorLabels(settings) },
      // Never below the serving capacity: one extra pod (and its GPUs) at a time.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      // The default 600 s would declare a rollout failed while a new pod is still loading.
      progressDeadlineSeconds: podStartBudgetSeconds(settings),
      revisionHistoryLimit: 5,
      template: { metadata: { labels }, spec: buildPodSpec(settings) },
    },
  };
}

export function buildService(settings: ModelServingSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: k8s.types.input.core.v1.ServiceSpec;
} {
  return {
    metadata: {
      name: settings.name,
      namespace: settings.namespace,
      // Full labels, so a ServiceMonitor can select this Service by the selector labels.
      labels: modelServingLabels(settings),
      annotations: {
        // The Deployment's await already proves the pods ready. The Service's own await would wait
        // for ready endpoints: past its 10-minute default while a model loads, and forever once an
        // autoscaler has scaled to zero.
        "pulumi.com/skipAwait": "true",
      },
    },
    spec: {
      type: "ClusterIP",
      selector: modelServingSelectorLabels(settings),
      ports: [
        { name: HTTP_PORT_NAME, port: settings.httpPort, targetPort: HTTP_PORT_NAME, protocol: "TCP" },
        {
          name: METRICS_PORT_NAME,
          port: settings.metricsPort,
          targetPort: METRICS_PORT_NAME,
          protocol: "TCP",
        },
      ],
    },
  };
}

export function buildPodDisruptionBudget(settings: ModelServingSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: k8s.types.input.policy.v1.PodDisruptionBudgetSpec;
} {
  return {
    metadata: { name: settings.name, namespace: settings.namespace, labels: modelServingLabels(settings) },
    spec: {
      selector: { matchLabels: modelServingSelectorLabels(settings) },
      ...(settings.pdbMinAvailable === undefined
        ? { maxUnavailable: 1 }
        : { minAvailable: settings.pdbMinAvailable }),
      // A pod that never became ready (e.g. stuck loading) must not block node drains.
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    },
  };
}

export function buildServiceAccount(settings: ModelServingSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  automountServiceAccountToken: boolean;
} {
  return {
    metadata: {
      name: settings.name,
      namespace: settings.namespace,
      labels: modelServingLabels(settings),
      ...(Object.keys(settings.serviceAccountAnnotations).length === 0
        ? {}
        : { annotations: { ...settings.serviceAccountAnnotations } }),
    },
    automountServiceAccountToken: settings.automountServiceAccountToken,
  };
}

/** The settings of a part the arguments asked for; the class only asks for parts that are there. */
function present<T>(value: T | undefined, part: string): T {
  if (value === undefined) throw new Error(`ModelServing: no ${part} settings`);
  return value;
}

/**
 * The alias of a child that used to belong to a separate component (`formerType` named
 * `formerName`, under the same parent as this one), so that existing stacks keep the object
 * instead of replacing it. Without a parent, the child's former URN is known now and given as a
 * plain string, which costs the SDK far less per child than an alias it has to derive.
 */
export function formerParentAlias(
  formerName: string,
  formerType: string,
  childName: string,
  childType: string,
  opts: pulumi.ComponentResourceOptions | undefined,
): pulumi.Input<pulumi.URN | pulumi.Alias>[] {
  if (opts?.parent === undefined) {
    return [
      `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${formerType}$${childType}::${childName}`,
    ];
  }
  return [{ parent: pulumi.createUrn(formerName, formerType, opts.parent) }];
}

/**
 * A GPU model server: Deployment (server + model loader sharing `/models`), ClusterIP Service,
 * PodDisruptionBudget and ServiceAccount, all named after the component, plus, when asked, its
 * autoscaler and ServiceMonitors.
 */
export class ModelServing extends pulumi.ComponentResource {
  public readonly serviceAccount: corev1.ServiceAccount;
  public readonly deployment: appsv1.Deployment;
  public readonly service: corev1.Service;
  public readonly podDisruptionBudget: policyv1.PodDisruptionBudget;
  /** The HPA or ScaledObject, with `autoscaling`. */
  public readonly autoscaler?: AutoscalerResources;
  /** The ServiceMonitors, with `monitoring`. */
  public readonly serviceMonitors?: ServiceMonitorResources;

  public readonly deploymentName: pulumi.Output<string>;
  public readonly serviceName: pulumi.Output<string>;
  public readonly namespace: pulumi.Output<string>;
  /** `<service>.<namespace>.svc.cluster.local` */
  public readonly serviceDnsName: pulumi.Output<string>;
  /** Labels selecting the pods; the Service carries them too (select it with a ServiceMonitor). */
  public readonly selectorLabels: pulumi.Output<Record<string, string>>;
  public readonly httpPort: pulumi.Output<number>;
  public readonly metricsPort: pulumi.Output<number>;
  /** Name of the HPA or ScaledObject, with `autoscaling`. */
  public readonly autoscalerName?: pulumi.Output<string>;

  constructor(name: string, args: ModelServingArgs, opts?: pulumi.ComponentResourceOptions) {
    super(MODEL_SERVING_TYPE, name, {}, opts);
    const settings = resolveSettings(
      args,
      (a) => {
        validateModelServingArgs(name, a);
        claimModelServingTargets(name, a);
      },
      (a) => withModelServingDefaults(name, a),
    );

    this.serviceAccount = new corev1.ServiceAccount(
      `${name}-sa`,
      fieldsOf(settings, buildServiceAccount, ["metadata", "automountServiceAccountToken"]),
      { parent: this, deleteBeforeReplace: true },
    );

    this.deployment = new appsv1.Deployment(
      `${name}-deploy`,
      fieldsOf(settings, buildDeployment, ["metadata", "spec"]),
      {
        parent: this,
        deleteBeforeReplace: true,
        dependsOn: [this.serviceAccount],
        // With an autoscaler, replicas is the initial count only; see ModelServingArgs.autoscaled.
        ...(isAutoscaled(args) ? { ignoreChanges: ["spec.replicas"] } : {}),
      },
    );

    this.service = new corev1.Service(`${name}-svc`, fieldsOf(settings, buildService, ["metadata", "spec"]), {
      parent: this,
      deleteBeforeReplace: true,
    });

    this.podDisruptionBudget = new policyv1.PodDisruptionBudget(
      `${name}-pdb`,
      fieldsOf(settings, buildPodDisruptionBudget, ["metadata", "spec"]),
      { parent: this, deleteBeforeReplace: true },
    );

    if (args.autoscaling !== undefined) {
      const scalingName = autoscalingNameOf(name);
      this.autoscaler = createAutoscaler(
        scalingName,
        usesKeda(args.autoscaling),
        settings.apply((s) => present(s.autoscaling, "autoscaling")),
        (childName, childType) => ({
          parent: this,
          // Created once its target exists, so the autoscaler never reports a missing Deployment.
          dependsOn: [this.deployment],
          aliases: formerParentAlias(scalingName, AUTOSCALING_TYPE, childName, childType, opts),
        }),
      );
      this.autoscalerName = this.autoscaler.name;
    }
    if (args.monitoring !== undefined) {
      const monitoringName = monitoringNameOf(name);
      this.serviceMonitors = createServiceMonitors(
        monitoringName,
        args.monitoring.dcgmExporter === true,
        settings.apply((s) => present(s.monitoring, "monitoring")),
        (childName, childType) => ({
          parent: this,
          aliases: formerParentAlias(monitoringName, MODEL_MONITORING_TYPE, childName, childType, opts),
        }),
      );
    }

    this.deploymentName = this.deployment.metadata.name;
    this.serviceName = this.service.metadata.name;
    this.namespace = settings.namespace;
    this.serviceDnsName = pulumi
      .all([this.service.metadata.name, settings])
      .apply(([serviceName, s]) => serviceDnsName({ ...s, name: serviceName }));
    this.selectorLabels = settings.apply(modelServingSelectorLabels);
    this.httpPort = settings.httpPort;
    this.metricsPort = settings.metricsPort;

    this.registerOutputs({
      deploymentName: this.deploymentName,
      serviceName: this.serviceName,
      namespace: this.namespace,
      serviceDnsName: this.serviceDnsName,
      selectorLabels: this.selectorLabels,
      httpPort: this.httpPort,
      metricsPort: this.metricsPort,
      autoscalerName: this.autoscalerName,
    });
  }
}
