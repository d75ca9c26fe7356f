/**
 * DistributedTraining: multi-node PyTorch training on a StatefulSet behind a headless Service.
 *
 * Each worker pod gets a stable identity (`<name>-<index>`) and DNS name
 * (`<name>-<index>.<name>.<namespace>.svc.<cluster domain>`); worker 0 hosts the rendezvous.
 * The pods carry everything `torchrun` needs in `PET_*` variables, so the entrypoint can be a
 * plain `torchrun train.py`.
 *
 * Topology variables, and what they count:
 * - `PET_NNODES` = workers (pods), `PET_NPROC_PER_NODE` = GPUs per worker (1 on CPU-only
 *   workers), `PET_NODE_RANK` = the pod's index, `PET_MASTER_ADDR`/`PET_MASTER_PORT` = worker 0.
 *   torchrun (static rendezvous) starts NNODES × NPROC_PER_NODE processes and sets `WORLD_SIZE`,
 *   `RANK` and `LOCAL_RANK` per process itself, overriding the pod-level values below.
 * - `WORLD_SIZE` = workers and `RANK` = the pod's index: they count pods, which is what a
 *   script launched without torchrun (one process per pod, `init_method="env://"`) needs.
 * - `POD_NAME`, `MASTER_ADDR`, `MASTER_PORT` for logging and for non-torchrun launchers.
 *
 * A StatefulSet restarts containers that exit, including after success: the entrypoint should
 * resume from `/checkpoints` and the run is ended by removing the component (or scaling to 0).
 */
import type * as k8s from "@pulumi/kubernetes";
import * as appsv1 from "@pulumi/kubernetes/apps/v1";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as networkingv1 from "@pulumi/kubernetes/networking/v1";
import * as pulumi from "@pulumi/pulumi";
import { checkUserEnv, fieldRefEnvVar, userEnvVars } from "./lib/env";
import { containerResources, gpuPlacement } from "./lib/gpu";
import { ComponentRoles } from "../conventions/labels";
import { PACKAGE, selectorLabels, standardLabels } from "./lib/labels";
import { type Resolved, resolveArgs } from "./lib/resolve";
import { scratchVolumes } from "./lib/scratchVolumes";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./lib/security";
import { ArgChecker, isDns1035Label } from "./lib/validation";

export const DISTRIBUTED_TRAINING_TYPE = `${PACKAGE}:training:DistributedTraining`;

/** torchrun's default master port (the c10d store on worker 0). */
export const DEFAULT_MASTER_PORT = 29500;

/** Label the StatefulSet controller puts on each pod with its ordinal (GA since Kubernetes 1.32). */
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

/** Name of the rendezvous port on the Service and the container. */
export const RENDEZVOUS_PORT_NAME = "rendezvous";

/** Name of the training container. */
export const TRAINER_CONTAINER = "trainer";

/**
 * The longest component name: it names the StatefulSet, whose pods carry a
 * `controller-revision-hash` label of `<name>-<10-char hash>` that must fit in 63 characters.
 */
export const MAX_TRAINING_NAME_LENGTH = 52;

/** Environment variables the component injects; user `env` may not set them. */
export const DISTRIBUTED_TRAINING_RESERVED_ENV: readonly string[] = [
  "POD_NAME",
  "WORLD_SIZE",
  "RANK",
  "MASTER_ADDR",
  "MASTER_PORT",
  "PET_NNODES",
  "PET_NPROC_PER_NODE",
  "PET_NODE_RANK",
  "PET_MASTER_ADDR",
  "PET_MASTER_PORT",
];

const CHECKPOINT_VOLUME = "checkpoints";

export interface DistributedTrainingArgs {
  /** Namespace of every object the component creates. */
  readonly namespace: pulumi.Input<string>;
  /** `app.kubernetes.io/name` of the objects. @default the component name */
  readonly appName?: pulumi.Input<string>;
  /** Training image, pinned by a tag other than `latest` or by digest. */
  readonly image: pulumi.Input<string>;
  /** Container entrypoint, e.g. `["torchrun", "train.py"]`. @default the image's entrypoint */
  readonly command?: pulumi.Input<pulumi.Input<string>[]>;
  /** Arguments to the entrypoint. @default the image's arguments */
  readonly args?: pulumi.Input<pulumi.Input<string>[]>;
  /** Worker pods (torchrun nodes), at least 1. */
  readonly workers: pulumi.Input<number>;
  /** Whole GPUs per worker; also the processes torchrun starts per worker. @default 1 */
  readonly gpusPerWorker?: pulumi.Input<number>;
  /**
   * GPU products (`nvidia.com/gpu.product` label values) a worker may run on. Any valid label
   * value is accepted; the stack config checks products against the cluster's GPU nodes.
   * @default [] (any GPU node)
   */
  readonly gpuProducts?: pulumi.Input<pulumi.Input<string>[]>;
  /** CPU request per worker. @default "8" */
  readonly cpu?: pulumi.Input<string>;
  /** Memory request and limit per worker; `/dev/shm` is charged against it. @default "32Gi" */
  readonly memory?: pulumi.Input<string>;
  /** Size of the memory-backed `/dev/shm` NCCL and data loaders use. @default "8Gi" */
  readonly sharedMemorySize?: pulumi.Input<string>;
  /** Rendezvous port on worker 0. @default 29500 */
  readonly masterPort?: pulumi.Input<number>;
  /** Extra environment variables; the injected names are rejected. @default {} */
  readonly env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Size of a per-worker checkpoint volume (volumeClaimTemplate), e.g. "100Gi". Claim templates
   * are immutable: changing this replaces the StatefulSet (the claims themselves are kept).
   * @default none
   */
  readonly checkpointStorage?: pulumi.Input<string>;
  /** StorageClass of the checkpoint volumes. @default the cluster's default StorageClass */
  readonly checkpointStorageClassName?: pulumi.Input<string>;
  /** Where the checkpoint volume is mounted. @default "/checkpoints" */
  readonly checkpointMountPath?: pulumi.Input<string>;
  /** PriorityClass of the workers. @default none */
  readonly priorityClassName?: pulumi.Input<string>;
  /** Seconds a worker gets after SIGTERM to write a checkpoint. @default 120 */
  readonly terminationGracePeriodSeconds?: pulumi.Input<number>;
  /**
   * Seconds `pulumi up` waits for every worker to run (GPU node scale-up and pulling a large
   * training image are slow). @default 1800
   */
  readonly readyTimeoutSeconds?: pulumi.Input<number>;
  /** The cluster's DNS domain, for worker 0's address. @default "cluster.local" */
  readonly clusterDomain?: pulumi.Input<string>;
}

/** Validated arguments with every default applied. */
export interface DistributedTrainingSettings {
  readonly name: string;
  readonly namespace: string;
  readonly appName: string;
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly workers: number;
  readonly gpusPerWorker: number;
  readonly gpuProducts: string[];
  readonly cpu: string;
  readonly memory: string;
  readonly sharedMemorySize: string;
  readonly masterPort: number;
  readonly env: Record<string, string>;
  readonly checkpoints?: {
    readonly size: string;
    readonly storageClassName?: string;
    readonly mountPath: string;
  };
  readonly priorityClassName?: string;
  readonly terminationGracePeriodSeconds: number;
  readonly readyTimeoutSeconds: number;
  readonly clusterDomain: string;
}

export const TRAINING_DEFAULTS = {
  gpusPerWorker: 1,
  cpu: "8",
  memory: "32Gi",
  sharedMemorySize: "8Gi",
  masterPort: DEFAULT_MASTER_PORT,
  checkpointMountPath: "/checkpoints",
  terminationGracePeriodSeconds: 120,
  readyTimeoutSeconds: 1800,
  clusterDomain: "cluster.local",
} as const;

/** Throws a ValidationError listing every invalid argument. */
export function validateDistributedTrainingArgs(name: string, a: Resolved<DistributedTrainingArgs>): void {
  const checker = new ArgChecker(`DistributedTraining "${name}"`)
    .check(
      // The name is the headless Service's too, and a Service name may not start with a digit.
      name.length <= MAX_TRAINING_NAME_LENGTH && isDns1035Label(name),
      "name",
      name,
      `a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, ending with a letter or digit) of at most ${MAX_TRAINING_NAME_LENGTH} characters`,
    )
    .dnsLabel("namespace", a.namespace)
    .dnsLabel("appName", a.appName)
    .image("image", a.image)
    .wholeNumber("workers", a.workers, 1)
    .wholeNumber("gpusPerWorker", a.gpusPerWorker, 0)
    .wholeNumber("masterPort", a.masterPort, 1, 65535)
    .wholeNumber("terminationGracePeriodSeconds", a.terminationGracePeriodSeconds, 0)
    .wholeNumber("readyTimeoutSeconds", a.readyTimeoutSeconds, 60)
    .quantity("cpu", a.cpu)
    .quantity("memory", a.memory)
    .quantity("sharedMemorySize", a.sharedMemorySize)
    .quantity("checkpointStorage", a.checkpointStorage)
    .sharedMemoryBelow(
      "sharedMemorySize",
      a.sharedMemorySize ?? TRAINING_DEFAULTS.sharedMemorySize,
      "memory",
      a.memory ?? TRAINING_DEFAULTS.memory,
    )
    .gpuProducts("gpuProducts", a.gpuProducts)
    .dnsSubdomain("checkpointStorageClassName", a.checkpointStorageClassName, "a StorageClass name")
    .dnsSubdomain("priorityClassName", a.priorityClassName, "a PriorityClass name")
    .dnsSubdomain("clusterDomain", a.clusterDomain, "a DNS domain such as cluster.local");
  if (a.checkpointStorage === undefined) {
    checker
      .check(
        a.checkpointStorageClassName === undefined,
        "checkpointStorageClassName",
        a.checkpointStorageClassName,
        "unset unless checkpointStorage is set",
      )
      .check(
        a.checkpointMountPath === undefined,
        "checkpointMountPath",
        a.checkpointMountPath,
        "unset unless checkpointStorage is set",
      );
  }
  if (a.checkpointMountPath !== undefined) {
    const path = a.checkpointMountPath;
    checker.check(
      path.startsWith("/") &&
        path !== "/" &&
        !["/dev", "/dev/shm", "/tmp"].some((p) => path === p || path.startsWith(`${p}/`)),
      "checkpointMountPath",
      path,
      "an absolute path other than /, and outside /dev and /tmp",
    );
  }
  checkUserEnv(checker, "env", a.env, DISTRIBUTED_TRAINING_RESERVED_ENV);
  checker.throwIfInvalid();
}

/** Applies the defaults to validated arguments. */
export function withDistributedTrainingDefaults(
  name: string,
  a: Resolved<DistributedTrainingArgs>,
): DistributedTrainingSettings {
  return {
    name,
    namespace: a.namespace,
    appName: a.appName ?? name,
    image: a.image,
    ...(a.command === undefined ? {} : { command: a.command }),
    ...(a.args === undefined ? {} : { args: a.args }),
    workers: a.workers,
    gpusPerWorker: a.gpusPerWorker ?? TRAINING_DEFAULTS.gpusPerWorker,
    gpuProducts: a.gpuProducts ?? [],
    cpu: a.cpu ?? TRAINING_DEFAULTS.cpu,
    memory: a.memory ?? TRAINING_DEFAULTS.memory,
    sharedMemorySize: a.sharedMemorySize ?? TRAINING_DEFAULTS.sharedMemorySize,
    masterPort: a.masterPort ?? TRAINING_DEFAULTS.masterPort,
    env: a.env ?? {},
    ...(a.checkpointStorage === undefined
      ? {}
      : {
          checkpoints: {
            size: a.checkpointStorage,
            ...(a.checkpointStorageClassName === undefined
              ? {}
              : { storageClassName: a.checkpointStorageClassName }),
            mountPath: a.checkpointMountPath ?? TRAINING_DEFAULTS.checkpointMountPath,
          },
        }),
    ...(a.priorityClassName === undefined ? {} : { priorityClassName: a.priorityClassName }),
    terminationGracePeriodSeconds:
      a.terminationGracePeriodSeconds ?? TRAINING_DEFAULTS.terminationGracePeriodSeconds,
    readyTimeoutSeconds: a.readyTimeoutSeconds ?? TRAINING_DEFAULTS.readyTimeoutSeconds,
    clusterDomain: a.clusterDomain ?? TRAINING_DEFAULTS.clusterDomain,
  };
}

/** Worker 0's stable DNS name, resolvable before it is ready thanks to `publishNotReadyAddresses`. */
export function masterAddress(s: DistributedTrainingSettings): string {
  return `${s.name}-0.${s.name}.${s.namespace}.svc.${s.clusterDomain}`;
}

/** Processes torchrun starts per worker: one per GPU, or one on a CPU-only worker. */
export function processesPerWorker(s: DistributedTrainingSettings): number {
  return Math.max(s.gpusPerWorker, 1);
}

function labels(s: DistributedTrainingSettings): Record<string, string> {
  return standardLabels(s.appName, s.name, ComponentRoles.trainer);
}

function metadata(s: DistributedTrainingSettings, name: string): k8s.types.input.meta.v1.ObjectMeta {
  return { name, namespace: s.namespace, labels: labels(s) };
}

/** The injected variables first, so user values may refer to them as `$(POD_NAME)`. */
export function trainingEnv(s: DistributedTrainingSettings): k8s.types.input.core.v1.EnvVar[] {
  const podIndex = `metadata.labels['${POD_INDEX_LABEL}']`;
  const master = masterAddress(s);
  const port = String(s.masterPort);
  return [
    fieldRefEnvVar("POD_NAME", "metadata.name"),
    { name: "WORLD_SIZE", value: String(s.workers) },
    fieldRefEnvVar("RANK", podIndex),
    { name: "MASTER_ADDR", value: master },
    { name: "MASTER_PORT", value: port },
    { name: "PET_NNODES", value: String(s.workers) },
    { name: "PET_NPROC_PER_NODE", value: String(processesPerWorker(s)) },
    fieldRefEnvVar("PET_NODE_RANK", podIndex),
    { name: "PET_MASTER_ADDR", value: master },
    { name: "PET_MASTER_PORT", value: port },
    ...userEnvVars(s.env),
  ];
}

/** The workers' own identity; training needs no Kubernetes API access. */
export function trainingServiceAccount(s: DistributedTrainingSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  automountServiceAccountToken: boolean;
} {
  return { metadata: metadata(s, s.name), automountServiceAccountToken: false };
}

/**
 * The headless Service that governs the StatefulSet: it gives each worker a DNS record, published
 * before the pod is ready so that workers can find worker 0 while they all start.
 */
export function trainingService(s: DistributedTrainingSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: k8s.types.input.core.v1.ServiceSpec;
} {
  return {
    metadata: metadata(s, s.name),
    spec: {
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector: selectorLabels(s.appName, s.name),
      ports: [{ name: RENDEZVOUS_PORT_NAME, port: s.masterPort, targetPort: s.masterPort, protocol: "TCP" }],
    },
  };
}

/**
 * Lets the workers reach each other on every port (NCCL opens many, chosen at run time) in a
 * namespace whose default is to deny. DNS egress comes from the namespace's own policy.
 */
export function trainingNetworkPolicy(s: DistributedTrainingSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: k8s.types.input.networking.v1.NetworkPolicySpec;
} {
  const workers = { podSelector: { matchLabels: selectorLabels(s.appName, s.name) } };
  return {
    metadata: metadata(s, `${s.name}-workers`),
    spec: {
      podSelector: workers.podSelector,
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [workers] }],
      egress: [{ to: [workers] }],
    },
  };
}

export function trainingPodSpec(s: DistributedTrainingSettings): k8s.types.input.core.v1.PodSpec {
  // The root filesystem is read-only; /tmp is the writable scratch space (set HOME or cache
  // directories there through `env` if the training code writes to them).
  const scratch = scratchVolumes(s.sharedMemorySize);
  const volumeMounts = [...scratch.volumeMounts];
  if (s.checkpoints !== undefined)
    volumeMounts.push({ name: CHECKPOINT_VOLUME, mountPath: s.checkpoints.mountPath });
  return {
    serviceAccountName: s.name,
    automountServiceAccountToken: false,
    // Service links would add a variable per Service in the namespace; the workers need none.
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(),
    terminationGracePeriodSeconds: s.terminationGracePeriodSeconds,
    ...(s.priorityClassName === undefined ? {} : { priorityClassName: s.priorityClassName }),
    ...gpuPlacement(s.gpusPerWorker, s.gpuProducts),
    // No readiness probe on purpose: a worker has nothing to serve, and without a probe a pod is
    // Ready once its container runs, which is what the StatefulSet await counts.
    containers: [
      {
        name: TRAINER_CONTAINER,
        image: s.image,
        ...(s.command === undefined ? {} : { command: s.command }),
        ...(s.args === undefined ? {} : { args: s.args }),
        ports: [{ name: RENDEZVOUS_PORT_NAME, containerPort: s.masterPort, protocol: "TCP" }],
        env: trainingEnv(s),
        resources: containerResources({ gpus: s.gpusPerWorker, cpu: s.cpu, memory: s.memory }),
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts,
      },
    ],
    volumes: scratch.volumes,
  };
}

export function trainingStatefulSet(s: DistributedTrainingSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: k8s.types.input.apps.v1.StatefulSetSpec;
} {
  const podLabels = labels(s);
  return {
    metadata: {
      ...metadata(s, s.name),
      annotations: { "pulumi.com/timeoutSeconds": String(s.readyTimeoutSeconds) },
    },
    spec: {
      serviceName: s.name,
      replicas: s.workers,
      // All workers start together: the rendezvous needs every one of them, and OrderedReady
      // would wait for worker 0 to be Ready before creating worker 1.
      podManagementPolicy: "Parallel",
      selector: { matchLabels: selectorLabels(s.appName, s.name) },
      updateStrategy: { type: "RollingUpdate" },
      // Checkpoints outlive the StatefulSet and scale-downs; delete the PVCs deliberately.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      template: { metadata: { labels: podLabels }, spec: trainingPodSpec(s) },
      ...(s.checkpoints === undefined
        ? {}
        : {
            volumeClaimTemplates: [
              {
                metadata: { name: CHECKPOINT_VOLUME, labels: podLabels },
                spec: {
                  accessModes: ["ReadWriteOnce"],
                  resources: { requests: { storage: s.checkpoints.size } },
                  ...(s.checkpoints.storageClassName === undefined
                    ? {}
                    : { storageClassName: s.checkpoints.storageClassName }),
                },
              },
            ],
          }),
    },
  };
}

/**
 * Distributed training workers: ServiceAccount, headless Service, NetworkPolicy and StatefulSet.
 *
 * Pulumi awaits (pulumi-kubernetes v4):
 * - A Service normally waits until its Endpoints list ready pods, but the provider skips that for
 *   a headless Service (`clusterIP: None`), so this one is ready as soon as it exists.
 * - A StatefulSet is ready when `.status.readyReplicas` (and current replicas) equal
 *   `spec.replicas` and `currentRevision == updateRevision`. The workers have no readiness probe,
 *   so each counts as Ready once its container runs; the await ends when all of them run.
 * So the StatefulSet simply `dependsOn` the Service (its DNS domain exists before any pod) and the
 * NetworkPolicy (workers can reach each other from their first second), and is awaited with a
 * generous `pulumi.com/timeoutSeconds`. `pulumi.com/skipAwait` is not used: besides hiding
 * workers that cannot be scheduled or crash, it also skips the deletion await for StatefulSets,
 * and a replacement with the same name (`deleteBeforeReplace`) must wait for the old one to go.
 */
export class DistributedTraining extends pulumi.ComponentResource {
  public readonly serviceAccount: corev1.ServiceAccount;
  public readonly service: corev1.Service;
  public readonly networkPolicy: networkingv1.NetworkPolicy;
  public readonly statefulSet: appsv1.StatefulSet;

  /** Name of the StatefulSet (and prefix of the worker pods). */
  public readonly statefulSetName: pulumi.Output<string>;
  /** Name of the headless Service. */
  public readonly serviceName: pulumi.Output<string>;
  /** Worker 0's DNS name, the rendezvous address. */
  public readonly masterAddress: pulumi.Output<string>;
  /** Worker pods (torchrun nodes); the process count is this × GPUs per worker. */
  public readonly worldSize: pulumi.Output<number>;

  constructor(name: string, args: DistributedTrainingArgs, opts?: pulumi.ComponentResourceOptions) {
    const resolved = resolveArgs(args, (a) => {
      validateDistributedTrainingArgs(name, a);
    });
    super(DISTRIBUTED_TRAINING_TYPE, name, {}, opts);
    const settings = resolved.apply((a) => withDistributedTrainingDefaults(name, a));

    // Object names are fixed, so a replacement must delete the old object first.
    const childOpts = { parent: this, deleteBeforeReplace: true };

    const account = settings.apply(trainingServiceAccount);
    this.serviceAccount = new corev1.ServiceAccount(
      `${name}-sa`,
      {
        metadata: account.apply((x) => x.metadata),
        automountServiceAccountToken: account.apply((x) => x.automountServiceAccountToken),
      },
      childOpts,
    );
    const service = settings.apply(trainingService);
    this.service = new corev1.Service(
      `${name}-svc`,
      { metadata: service.apply((x) => x.metadata), spec: service.apply((x) => x.spec) },
      childOpts,
    );
    const policy = settings.apply(trainingNetworkPolicy);
    this.networkPolicy = new networkingv1.NetworkPolicy(
      `${name}-netpol`,
      { metadata: policy.apply((x) => x.metadata), spec: policy.apply((x) => x.spec) },
      childOpts,
    );
    const statefulSet = settings.apply(trainingStatefulSet);
    this.statefulSet = new appsv1.StatefulSet(
      `${name}-sts`,
      { metadata: statefulSet.apply((x) => x.metadata), spec: statefulSet.apply((x) => x.spec) },
      { ...childOpts, dependsOn: [this.service, this.networkPolicy, this.serviceAccount] },
    );

    this.statefulSetName = this.statefulSet.metadata.name;
    this.serviceName = this.service.metadata.name;
    this.masterAddress = settings.apply(masterAddress);
    this.worldSize = settings.apply((s) => s.workers);
    this.registerOutputs({
      statefulSetName: this.statefulSetName,
      serviceName: this.serviceName,
      masterAddress: this.masterAddress,
      worldSize: this.worldSize,
    });
  }
}
