/**
 * The arguments of a BatchInference, their defaults (written once, in BATCH_INFERENCE_DEFAULTS),
 * and the settings the specs are built from.
 */
import { GPU_RESOURCE } from "../../conventions/gpu";
import type * as pulumi from "@pulumi/pulumi";
import type { QueuedWorkloadArgs, QueueSettings } from "../lib/queue";
import type { WorkloadArgs, WorkloadSettings } from "../lib/workload";

/** Name of the inference container (the pod failure policy's exit-code rules refer to it). */
export const INFERENCE_CONTAINER = "inference";

/** Kubernetes' limit on completions and parallelism of an Indexed Job with backoffLimitPerIndex. */
export const MAX_INDEXED_COMPLETIONS = 100_000;

/** The longest component name: pod hostnames are `<name>-<index>`, at most 63 characters. */
export const MAX_BATCH_NAME_LENGTH = 63 - `-${MAX_INDEXED_COMPLETIONS - 1}`.length;

/**
 * Extra time `pulumi up` waits beyond activeDeadlineSeconds when awaiting completion: the
 * deadline counts from the Job's start, and terminating pods and status updates take a while.
 */
export const AWAIT_MARGIN_SECONDS = 300;

/** Environment variables the component (or Kubernetes) sets; user `env` may not set them. */
export const BATCH_INFERENCE_RESERVED_ENV: readonly string[] = [
  "JOB_COMPLETION_INDEX",
  "SHARD_COUNT",
  "INPUT_URI",
  "OUTPUT_URI",
];

export interface BatchInferenceArgs extends WorkloadArgs, QueuedWorkloadArgs {
  /** `app.kubernetes.io/name` of the objects. @default the component name */
  readonly appName?: pulumi.Input<string>;
  /** Inference image, pinned by a tag other than `latest` or by digest. */
  readonly image: pulumi.Input<string>;
  /** Shards: the Job succeeds when every index 0..completions-1 has succeeded once. */
  readonly completions: pulumi.Input<number>;
  /** Shards processed at the same time, at most `completions`. */
  readonly parallelism: pulumi.Input<number>;
  /** Where the input lives, e.g. `s3://datasets/daily` (passed as `INPUT_URI`). */
  readonly inputUri: pulumi.Input<string>;
  /** Where the results go, e.g. `s3://scores/daily` (passed as `OUTPUT_URI`). */
  readonly outputUri: pulumi.Input<string>;
  /**
   * GPU products (`nvidia.com/gpu.product` label values) a pod may run on. Any valid label value
   * is accepted; the stack config checks products against the cluster's GPU nodes.
   * @default []
   */
  readonly gpuProducts?: pulumi.Input<pulumi.Input<string>[]>;
  /** CPU request per pod. @default "4" */
  readonly cpu?: pulumi.Input<string>;
  /** Memory request and limit per pod; `/dev/shm` is charged against it. @default "16Gi" */
  readonly memory?: pulumi.Input<string>;
  /** Size of the memory-backed `/dev/shm`. @default "4Gi" */
  readonly sharedMemorySize?: pulumi.Input<string>;
  /** Seconds a pod has between SIGTERM and SIGKILL. @default Kubernetes' 30 */
  readonly terminationGracePeriodSeconds?: pulumi.Input<number>;
  /** Retries of one shard before that shard counts as failed. @default 2 */
  readonly backoffLimitPerIndex?: pulumi.Input<number>;
  /** Failed shards after which the whole Job fails. @default unlimited (every shard is tried) */
  readonly maxFailedIndexes?: pulumi.Input<number>;
  /** Exit codes meaning "retrying cannot help anywhere": the Job fails at once. @default [42] */
  readonly failJobExitCodes?: pulumi.Input<pulumi.Input<number>[]>;
  /** Exit codes meaning "this shard cannot succeed": the shard fails, others go on. @default [] */
  readonly failIndexExitCodes?: pulumi.Input<pulumi.Input<number>[]>;
  /** Wall-clock limit of the whole Job, from its start. @default 86400 */
  readonly activeDeadlineSeconds?: pulumi.Input<number>;
  /**
   * Seconds a finished Job (and its pods' logs) is kept before Kubernetes deletes it. Unset by
   * default on purpose: the finished Job is the record that the run happened. Once a TTL has
   * deleted it, `pulumi refresh` drops it from the state and the next `pulumi up` creates it
   * again, starting a new run of the same spec. Set a TTL only where that is wanted.
   * @default none (the finished Job is kept until the component is removed or its spec changes)
   */
  readonly ttlSecondsAfterFinished?: pulumi.Input<number>;
  /**
   * Whether `pulumi up` waits for the Job to complete (and fails if it fails), for up to
   * activeDeadlineSeconds plus a margin. Otherwise it waits only until the Job has started.
   * @default false
   */
  readonly awaitCompletion?: pulumi.Input<boolean>;
  /** Extra environment variables; the reserved names are rejected. @default {} */
  readonly env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** PriorityClass of the pods (batch should rank below serving). @default none */
  readonly priorityClassName?: pulumi.Input<string>;
}

/** Every literal default of BatchInference, in one place. */
export const BATCH_INFERENCE_DEFAULTS = {
  env: {},
  gpusPerPod: 1,
  gpuResourceName: GPU_RESOURCE,
  gpuProducts: [],
  cpu: "4",
  memory: "16Gi",
  sharedMemorySize: "4Gi",
  backoffLimitPerIndex: 2,
  failJobExitCodes: [42],
  failIndexExitCodes: [],
  activeDeadlineSeconds: 86_400,
  awaitCompletion: false,
} as const;

/** Validated arguments with every default applied. */
export interface BatchInferenceSettings extends WorkloadSettings, QueueSettings {
  readonly name: string;
  readonly namespace: string;
  readonly appName: string;
  readonly completions: number;
  readonly parallelism: number;
  readonly inputUri: string;
  readonly outputUri: string;
  readonly terminationGracePeriodSeconds?: number;
  readonly backoffLimitPerIndex: number;
  readonly maxFailedIndexes?: number;
  readonly failJobExitCodes: number[];
  readonly failIndexExitCodes: number[];
  readonly activeDeadlineSeconds: number;
  readonly ttlSecondsAfterFinished: number | undefined;
  readonly awaitCompletion: boolean;
  readonly priorityClassName?: string;
}
