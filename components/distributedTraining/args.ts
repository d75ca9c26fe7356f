/**
 * The arguments of a DistributedTraining, their defaults (written once, in
 * DISTRIBUTED_TRAINING_DEFAULTS), and the settings the specs are built from.
 */
import { GPU_RESOURCE } from "../../conventions/gpu";
import type * as pulumi from "@pulumi/pulumi";
import type { QueuedWorkloadArgs, QueueSettings } from "../lib/queue";
import type { WorkloadArgs, WorkloadSettings } from "../lib/workload";

/** torchrun's default master port (the c10d store on worker 0). */
export const DEFAULT_MASTER_PORT = 29500;

/** Label the StatefulSet controller puts on each pod with its ordinal (GA since Kubernetes 1.32). */
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

/**
 * The StatefulSet's update strategy. `OnDelete`, with the component replacing the StatefulSet on
 * any spec change, so a run's workers are never on mixed versions (see DistributedTraining).
 */
export const TRAINING_UPDATE_STRATEGY = "OnDelete";

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

export interface DistributedTrainingArgs extends WorkloadArgs, QueuedWorkloadArgs {
  /** `app.kubernetes.io/name` of the objects. @default the component name */
  readonly appName?: pulumi.Input<string>;
  /** Training image, pinned by a tag other than `latest` or by digest. */
  readonly image: pulumi.Input<string>;
  /** Container entrypoint, e.g. `["torchrun", "train.py"]`. @default the image's entrypoint */
  readonly command?: pulumi.Input<pulumi.Input<string>[]>;
  /** Worker pods (torchrun nodes), at least 1. */
  readonly workers: pulumi.Input<number>;
  /** Whole GPUs per worker pod; also the processes torchrun starts per worker. @default 1 */
  readonly gpusPerPod?: pulumi.Input<number>;
  /**
   * GPU products (`nvidia.com/gpu.product` label values) a worker may run on. Any valid label
   * value is accepted; the stack config checks products against the cluster's GPU nodes.
   * @default []
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

/** Every literal default of DistributedTraining, in one place. */
export const DISTRIBUTED_TRAINING_DEFAULTS = {
  env: {},
  gpusPerPod: 1,
  gpuResourceName: GPU_RESOURCE,
  gpuProducts: [],
  cpu: "8",
  memory: "32Gi",
  sharedMemorySize: "8Gi",
  masterPort: DEFAULT_MASTER_PORT,
  checkpointMountPath: "/checkpoints",
  terminationGracePeriodSeconds: 120,
  readyTimeoutSeconds: 1800,
  clusterDomain: "cluster.local",
} as const;

/** Validated arguments with every default applied. */
export interface DistributedTrainingSettings extends WorkloadSettings, QueueSettings {
  readonly name: string;
  readonly namespace: string;
  readonly appName: string;
  readonly workers: number;
  readonly masterPort: number;
  readonly checkpoints?: {
    readonly size: string;
    readonly storageClassName?: string;
    readonly mountPath: string;
  };
  readonly terminationGracePeriodSeconds: number;
  readonly readyTimeoutSeconds: number;
  readonly clusterDomain: string;
}
