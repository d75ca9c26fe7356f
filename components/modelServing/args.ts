/**
 * The arguments of a ModelServing, their defaults (written once, in MODEL_SERVING_DEFAULTS),
 * and the settings (arguments with every default applied) the specs are built from.
 */
import type * as pulumi from "@pulumi/pulumi";
import { GPU_RESOURCE } from "../../conventions/gpu";
import type { AutoscalerOptions, AutoscalingSettings } from "../autoscaling/args";
import type { ModelMonitoringSettings, MonitoringOptions } from "../monitoring/args";
import { DEFAULT_RUN_AS_USER } from "../lib/security";
import type { QueuedWorkloadArgs, QueueSettings } from "../lib/queue";
import type { WorkloadArgs } from "../lib/workload";
import { DEFAULT_LOADER_IMAGE } from "./loader";
import { DEFAULT_SERVER_PRESET, MODEL_SOURCE_TOKEN_ENV, type ServerPresetName } from "./presets";

/**
 * A model server's arguments. With `queueName` the Deployment goes on a Kueue queue: Kueue
 * admits each server pod on its own when the queue's quota has room for it (a model server
 * needs no all-or-nothing start), so the queue's quota caps serving GPUs with training and
 * batch, and a pod the quota cannot hold waits gated instead of holding a node.
 */
export interface ModelServingArgs extends WorkloadArgs, QueuedWorkloadArgs {
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
  /**
   * The server preset, one of SERVER_PRESET_NAMES (see presets.ts and the README's table).
   * `"generic"` keeps the layout below as documented. `"vllm"` and `"tgi"` serve `/metrics` on
   * the API port (so no `metrics` port, and `metricsPort` must be unset), probe `/health`, give
   * the loader the model-source token as `HF_TOKEN` for `hf://` URIs, and append their flags to
   * `args`: the model directory, the port, and one tensor-parallel shard per GPU
   * (`--tensor-parallel-size` / `--num-shard` = gpusPerPod). With `autoscaling` they name the
   * server's own request counter and queue gauges. Must be known when the component is
   * constructed. @default "generic"
   */
  readonly server?: string;
  /** Extra server environment; names the component injects (MODEL_DIR, MODEL_NAME, ...) are rejected. @default {} */
  readonly env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Port the server answers requests and health checks on. @default the server preset's (8000, or 8080 for "tgi") */
  readonly httpPort?: pulumi.Input<number>;
  /**
   * Port the server exposes Prometheus metrics on; must differ from httpPort. Unset with a server
   * preset that serves metrics on httpPort ("vllm", "tgi"). @default the server preset's (9090 for "generic", httpPort for "vllm" and "tgi")
   */
  readonly metricsPort?: pulumi.Input<number>;
  /** HTTP path for the startup and liveness probes. @default the server preset's ("/health" for each) */
  readonly livenessPath?: pulumi.Input<string>;
  /** HTTP path for the readiness probe. @default the server preset's ("/health" for each) */
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
  readonly gpusPerPod?: pulumi.Input<number>;
  /**
   * GPU products (`nvidia.com/gpu.product` label values) the pods may run on, through a required
   * node affinity. At least one when gpusPerPod > 0; empty when it is 0. Any valid label value is
   * accepted; the stack config checks products against the cluster's GPU nodes. @default []
   */
  readonly gpuProducts?: pulumi.Input<pulumi.Input<string>[]>;
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
  readonly sharedMemorySize?: pulumi.Input<string>;
  /** Size limit of the `/models` emptyDir. Not with modelCacheClaimName. @default none */
  readonly modelCacheSizeLimit?: pulumi.Input<string>;
  /**
   * An existing PersistentVolumeClaim to use as `/models` instead of an emptyDir: a model cache
   * shared by all replicas (ReadWriteMany), so only the first pod downloads. @default none
   */
  readonly modelCacheClaimName?: pulumi.Input<string>;
  /** Loader image, pinned. @default "rclone/rclone:1.68.2" */
  readonly loaderImage?: pulumi.Input<string>;
  /** Loader entrypoint. @default DEFAULT_LOADER_COMMAND when loaderImage is the default, else the image's */
  readonly loaderCommand?: pulumi.Input<string[]>;
  /** Loader arguments. @default none */
  readonly loaderArgs?: pulumi.Input<string[]>;
  /** Extra loader environment (e.g. rclone settings); injected names are rejected. @default {} */
  readonly loaderEnv?: pulumi.Input<Record<string, string>>;
  /** Secret whose keys become loader environment variables (storage credentials). @default none */
  readonly loaderSecretName?: pulumi.Input<string>;
  /**
   * Secret holding the model-source token under `modelSourceTokenSecretKey`. The loader gets it
   * as one env var named after the source and the server preset: `HF_TOKEN` for `hf://` URIs
   * with "vllm" or "tgi", else `MODEL_SOURCE_TOKEN`. @default none
   */
  readonly modelSourceTokenSecretName?: pulumi.Input<string>;
  /** Key of the token in modelSourceTokenSecretName. @default "MODEL_SOURCE_TOKEN" */
  readonly modelSourceTokenSecretKey?: pulumi.Input<string>;
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
   * The most replicas the Deployment may have, for the rollout timeout, when an autoscaler this
   * component does not create owns the replica count (`autoscaled`); at least `replicas`.
   * @default autoscaling.maxReplicas, else replicas
   */
  readonly maxReplicas?: pulumi.Input<number>;
  /**
   * How long `pulumi up` waits for a rollout (the `pulumi.com/timeoutSeconds` annotation). The
   * default follows the maximum replica count (`maxReplicas`, `autoscaling.maxReplicas`, else `replicas`): a
   * rollout started at maximum scale replaces that many pods, one at a time.
   * @default max replicas × (maxModelDownloadSeconds + maxModelLoadSeconds + 300), at least 600
   */
  readonly rolloutTimeoutSeconds?: pulumi.Input<number>;
  /** Cluster DNS domain for serviceDnsName. @default "cluster.local" */
  readonly clusterDomain?: pulumi.Input<string>;
  /**
   * An autoscaler for the Deployment, owned by this component: an HPA on CPU (and on requests per
   * second per pod when `requestsPerSecondSource` is set), or with `keda` a KEDA ScaledObject. The objects are those an Autoscaling
   * component named `<name>-scaling` creates (see AutoscalingArgs), without a component of their
   * own, which keeps large fleets cheap to preview. Implies `autoscaled`. @default none
   */
  readonly autoscaling?: AutoscalerOptions;
  /**
   * A ServiceMonitor scraping the server's metrics port (and, with `dcgmExporter`, one for the
   * cluster's DCGM exporter), owned by this component: the objects a ModelMonitoring component
   * named `<name>-monitoring` creates (see ModelMonitoringArgs). @default none
   */
  readonly monitoring?: MonitoringOptions;
}

/**
 * The Deployment's rolling update: never below the serving capacity (`maxUnavailable: 0`), one
 * extra pod (and its GPUs) at a time. The namespace quota must hold that extra pod at maximum
 * scale, which the config check and the pack's quota policies count (conventions/rollout.ts).
 */
export const SERVING_ROLLING_UPDATE = { maxUnavailable: 0, maxSurge: 1 } as const;

/** Every literal default of ModelServing, in one place; computed defaults live in settings.ts. */
export const MODEL_SERVING_DEFAULTS = {
  server: DEFAULT_SERVER_PRESET,
  env: {},
  replicas: 1,
  autoscaled: false,
  gpusPerPod: 1,
  gpuResourceName: GPU_RESOURCE,
  gpuProducts: [],
  cpu: "4",
  memory: "32Gi",
  sharedMemorySize: "8Gi",
  loaderImage: DEFAULT_LOADER_IMAGE,
  loaderEnv: {},
  modelSourceTokenSecretKey: MODEL_SOURCE_TOKEN_ENV,
  loaderCpu: "1",
  loaderMemory: "1Gi",
  classicInitContainer: false,
  maxModelDownloadSeconds: 1800,
  maxModelLoadSeconds: 900,
  drainSeconds: 15,
  terminationGracePeriodSeconds: 120,
  automountServiceAccountToken: false,
  serviceAccountAnnotations: {},
  runAsUser: DEFAULT_RUN_AS_USER,
  readOnlyRootFilesystem: true,
  clusterDomain: "cluster.local",
} as const;

/** ModelServing arguments with every default applied. */
export interface ModelServingSettings extends QueueSettings {
  /** The component name, which is also the name of every Kubernetes object it creates. */
  readonly name: string;
  readonly namespace: string;
  readonly modelName: string;
  readonly modelUri: string;
  readonly image: string;
  readonly server: ServerPresetName;
  /** True when the server serves `/metrics` on httpPort (the preset's layout). */
  readonly metricsOnHttpPort: boolean;
  readonly command: readonly string[] | undefined;
  readonly args: readonly string[] | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly httpPort: number;
  /** The port `/metrics` is on: httpPort when metricsOnHttpPort. */
  readonly metricsPort: number;
  readonly livenessPath: string;
  readonly readinessPath: string;
  readonly replicas: number;
  readonly autoscaled: boolean;
  readonly gpusPerPod: number;
  readonly gpuResourceName: string;
  readonly gpuProducts: readonly string[];
  readonly cpu: string;
  readonly memory: string;
  readonly cpuLimit: string;
  readonly sharedMemorySize: string;
  readonly modelCacheSizeLimit: string | undefined;
  readonly modelCacheClaimName: string | undefined;
  readonly loaderImage: string;
  readonly loaderCommand: readonly string[] | undefined;
  readonly loaderArgs: readonly string[] | undefined;
  readonly loaderEnv: Readonly<Record<string, string>>;
  readonly loaderSecretName: string | undefined;
  readonly modelSourceTokenSecretName: string | undefined;
  readonly modelSourceTokenSecretKey: string;
  /** The env var the loader gets the token as. */
  readonly modelSourceTokenEnv: string;
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
