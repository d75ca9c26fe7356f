/**
 * BatchInference: an Indexed Job that runs a model over a sharded input.
 *
 * `completions` shards, `parallelism` of them at a time. Each pod reads its shard number from
 * `JOB_COMPLETION_INDEX` (set by Kubernetes for Indexed Jobs) and the shard count from
 * `SHARD_COUNT`, and reads from `INPUT_URI`, writes to `OUTPUT_URI`.
 *
 * Failures are handled per shard: a failed shard is retried up to `backoffLimitPerIndex` times
 * without touching the others; a pod evicted or preempted (condition `DisruptionTarget`) is
 * replaced without counting as a failure; exit codes in `failIndexExitCodes` give up on that
 * shard at once (bad input), those in `failJobExitCodes` stop the whole Job (bad configuration).
 */
import type * as k8s from "@pulumi/kubernetes";
import * as batchv1 from "@pulumi/kubernetes/batch/v1";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { checkUserEnv, userEnvVars } from "./lib/env";
import { containerResources, gpuPlacement } from "./lib/gpu";
import { ComponentRoles } from "../conventions/labels";
import { PACKAGE, standardLabels } from "./lib/labels";
import { type Resolved, resolveArgs } from "./lib/resolve";
import { scratchVolumes } from "./lib/scratchVolumes";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./lib/security";
import { ArgChecker, isDns1123Label } from "./lib/validation";

export const BATCH_INFERENCE_TYPE = `${PACKAGE}:batch:BatchInference`;

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

const URI = /^[a-z][a-z0-9+.-]*:\/\/\S+$/;

export interface BatchInferenceArgs {
  /** Namespace of every object the component creates. */
  readonly namespace: pulumi.Input<string>;
  /** `app.kubernetes.io/name` of the objects. @default the component name */
  readonly appName?: pulumi.Input<string>;
  /** Inference image, pinned by a tag other than `latest` or by digest. */
  readonly image: pulumi.Input<string>;
  /** Container entrypoint. @default the image's entrypoint */
  readonly command?: pulumi.Input<pulumi.Input<string>[]>;
  /** Arguments to the entrypoint. @default the image's arguments */
  readonly args?: pulumi.Input<pulumi.Input<string>[]>;
  /** Shards: the Job succeeds when every index 0..completions-1 has succeeded once. */
  readonly completions: pulumi.Input<number>;
  /** Shards processed at the same time, at most `completions`. */
  readonly parallelism: pulumi.Input<number>;
  /** Where the input lives, e.g. `s3://datasets/daily` (passed as `INPUT_URI`). */
  readonly inputUri: pulumi.Input<string>;
  /** Where the results go, e.g. `s3://scores/daily` (passed as `OUTPUT_URI`). */
  readonly outputUri: pulumi.Input<string>;
  /** Whole GPUs per pod. @default 1 */
  readonly gpusPerPod?: pulumi.Input<number>;
  /**
   * GPU products (`nvidia.com/gpu.product` label values) a pod may run on. Any valid label value
   * is accepted; the stack config checks products against the cluster's GPU nodes.
   * @default [] (any GPU node)
   */
  readonly gpuProducts?: pulumi.Input<pulumi.Input<string>[]>;
  /** CPU request per pod. @default "4" */
  readonly cpu?: pulumi.Input<string>;
  /** Memory request and limit per pod; `/dev/shm` is charged against it. @default "16Gi" */
  readonly memory?: pulumi.Input<string>;
  /** Size of the memory-backed `/dev/shm`. @default "4Gi" */
  readonly sharedMemorySize?: pulumi.Input<string>;
  /** Retries of one shard before that shard counts as failed. @default 2 */
  readonly backoffLimitPerIndex?: pulumi.Input<number>;
  /** Failed shards after which the whole Job fails. @default unlimited (every shard is tried) */
  readonly maxFailedIndexes?: pulumi.Input<number>;
  /** Exit codes meaning "retrying cannot help anywhere": the Job fails at once. @default [42] */
  readonly failJobExitCodes?: pulumi.Input<pulumi.Input<number>[]>;
  /** Exit codes meaning "this shard cannot succeed": the shard fails, others go on. @default [] */
  readonly failIndexExitCodes?: pulumi.Input<pulumi.Input<number>[]>;
  /** Wall-clock limit of the whole Job, from its start. @default 86400 (a day) */
  readonly activeDeadlineSeconds?: pulumi.Input<number>;
  /** Seconds a finished Job (and its pods' logs) is kept before Kubernetes deletes it. @default 86400 */
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

/** Validated arguments with every default applied. */
export interface BatchInferenceSettings {
  readonly name: string;
  readonly namespace: string;
  readonly appName: string;
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly completions: number;
  readonly parallelism: number;
  readonly inputUri: string;
  readonly outputUri: string;
  readonly gpusPerPod: number;
  readonly gpuProducts: string[];
  readonly cpu: string;
  readonly memory: string;
  readonly sharedMemorySize: string;
  readonly backoffLimitPerIndex: number;
  readonly maxFailedIndexes?: number;
  readonly failJobExitCodes: number[];
  readonly failIndexExitCodes: number[];
  readonly activeDeadlineSeconds: number;
  readonly ttlSecondsAfterFinished: number;
  readonly awaitCompletion: boolean;
  readonly env: Record<string, string>;
  readonly priorityClassName?: string;
}

export const BATCH_DEFAULTS = {
  gpusPerPod: 1,
  cpu: "4",
  memory: "16Gi",
  sharedMemorySize: "4Gi",
  backoffLimitPerIndex: 2,
  failJobExitCodes: [42],
  failIndexExitCodes: [],
  activeDeadlineSeconds: 86_400,
  ttlSecondsAfterFinished: 86_400,
  awaitCompletion: false,
} as const;

function checkExitCodes(checker: ArgChecker, property: string, codes: readonly number[] | undefined): void {
  if (codes === undefined) return;
  const invalid = codes.filter((code) => !Number.isInteger(code) || code < 1 || code > 255);
  checker.check(invalid.length === 0, property, invalid, "a list of whole numbers between 1 and 255");
  const duplicates = codes.filter((code, i) => codes.indexOf(code) !== i);
  checker.check(duplicates.length === 0, property, duplicates, "a list without repeats");
}

/** Throws a ValidationError listing every invalid argument. */
export function validateBatchInferenceArgs(name: string, a: Resolved<BatchInferenceArgs>): void {
  const checker = new ArgChecker(`BatchInference "${name}"`)
    .check(
      name.length <= MAX_BATCH_NAME_LENGTH && isDns1123Label(name),
      "name",
      name,
      `a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit) of at most ${MAX_BATCH_NAME_LENGTH} characters, so that pod hostnames <name>-<index> fit in 63`,
    )
    .dnsLabel("namespace", a.namespace)
    .dnsLabel("appName", a.appName)
    .image("image", a.image)
    .wholeNumber("completions", a.completions, 1, MAX_INDEXED_COMPLETIONS)
    .wholeNumber("parallelism", a.parallelism, 1, MAX_INDEXED_COMPLETIONS)
    .wholeNumber("gpusPerPod", a.gpusPerPod, 0)
    .wholeNumber("backoffLimitPerIndex", a.backoffLimitPerIndex, 0)
    .wholeNumber("maxFailedIndexes", a.maxFailedIndexes, 0, MAX_INDEXED_COMPLETIONS)
    .wholeNumber("activeDeadlineSeconds", a.activeDeadlineSeconds, 1)
    .wholeNumber("ttlSecondsAfterFinished", a.ttlSecondsAfterFinished, 0)
    .check(URI.test(a.inputUri), "inputUri", a.inputUri, "a URI with a scheme, such as s3://bucket/prefix")
    .check(
      URI.test(a.outputUri),
      "outputUri",
      a.outputUri,
      "a URI with a scheme, such as s3://bucket/prefix",
    );
  if (Number.isInteger(a.completions) && Number.isInteger(a.parallelism)) {
    checker.check(
      a.parallelism <= a.completions,
      "parallelism",
      a.parallelism,
      `at most completions (${a.completions})`,
    );
  }
  if (a.maxFailedIndexes !== undefined && Number.isInteger(a.completions)) {
    checker.check(
      a.maxFailedIndexes <= a.completions,
      "maxFailedIndexes",
      a.maxFailedIndexes,
      `at most completions (${a.completions})`,
    );
  }
  checker
    .quantity("cpu", a.cpu)
    .quantity("memory", a.memory)
    .quantity("sharedMemorySize", a.sharedMemorySize)
    .sharedMemoryBelow(
      "sharedMemorySize",
      a.sharedMemorySize ?? BATCH_DEFAULTS.sharedMemorySize,
      "memory",
      a.memory ?? BATCH_DEFAULTS.memory,
    )
    .gpuProducts("gpuProducts", a.gpuProducts);
  checkExitCodes(checker, "failJobExitCodes", a.failJobExitCodes);
  checkExitCodes(checker, "failIndexExitCodes", a.failIndexExitCodes);
  const failJob: readonly number[] = a.failJobExitCodes ?? BATCH_DEFAULTS.failJobExitCodes;
  const both = (a.failIndexExitCodes ?? []).filter((code) => failJob.includes(code));
  checker.check(both.length === 0, "failIndexExitCodes", both, "disjoint from failJobExitCodes");
  checker
    .dnsSubdomain("priorityClassName", a.priorityClassName, "a PriorityClass name")
    .boolean("awaitCompletion", a.awaitCompletion);
  checkUserEnv(checker, "env", a.env, BATCH_INFERENCE_RESERVED_ENV);
  checker.throwIfInvalid();
}

/** Applies the defaults to validated arguments. */
export function withBatchInferenceDefaults(
  name: string,
  a: Resolved<BatchInferenceArgs>,
): BatchInferenceSettings {
  return {
    name,
    namespace: a.namespace,
    appName: a.appName ?? name,
    image: a.image,
    ...(a.command === undefined ? {} : { command: a.command }),
    ...(a.args === undefined ? {} : { args: a.args }),
    completions: a.completions,
    parallelism: a.parallelism,
    inputUri: a.inputUri,
    outputUri: a.outputUri,
    gpusPerPod: a.gpusPerPod ?? BATCH_DEFAULTS.gpusPerPod,
    gpuProducts: a.gpuProducts ?? [],
    cpu: a.cpu ?? BATCH_DEFAULTS.cpu,
    memory: a.memory ?? BATCH_DEFAULTS.memory,
    sharedMemorySize: a.sharedMemorySize ?? BATCH_DEFAULTS.sharedMemorySize,
    backoffLimitPerIndex: a.backoffLimitPerIndex ?? BATCH_DEFAULTS.backoffLimitPerIndex,
    ...(a.maxFailedIndexes === undefined ? {} : { maxFailedIndexes: a.maxFailedIndexes }),
    failJobExitCodes: a.failJobExitCodes ?? [...BATCH_DEFAULTS.failJobExitCodes],
    failIndexExitCodes: a.failIndexExitCodes ?? [...BATCH_DEFAULTS.failIndexExitCodes],
    activeDeadlineSeconds: a.activeDeadlineSeconds ?? BATCH_DEFAULTS.activeDeadlineSeconds,
    ttlSecondsAfterFinished: a.ttlSecondsAfterFinished ?? BATCH_DEFAULTS.ttlSecondsAfterFinished,
    awaitCompletion: a.awaitCompletion ?? BATCH_DEFAULTS.awaitCompletion,
    env: a.env ?? {},
    ...(a.priorityClassName === undefined ? {} : { priorityClassName: a.priorityClassName }),
  };
}

function labels(s: BatchInferenceSettings): Record<string, string> {
  return standardLabels(s.appName, s.name, ComponentRoles.batchInference);
}

/**
 * How `pulumi up` waits for the Job. pulumi-kubernetes v4 by default waits until a Job
 * completes (condition Complete, failing on Failed), for 10 minutes unless told otherwise.
 * - awaitCompletion: keep that, with `pulumi.com/timeoutSeconds` = activeDeadlineSeconds plus a
 *   margin, so the await outlives the Job's own deadline and reports its real outcome.
 * - otherwise (the default, as a batch run may take hours): `pulumi.com/waitFor` on
 *   `.status.startTime` replaces the completion await with "the Job controller has started it".
 *   `pulumi.com/skipAwait` would be the obvious choice, but for Jobs it also skips the deletion
 *   await, and a replacement (which deletes the old Job first, the name being fixed) would then
 *   create the new Job while the old one is still being deleted.
 * Caveat: a `pulumi refresh` while the Job runs reports it as not ready: the provider's read
 * check looks for completion unless skipAwait is set.
 */
export function jobAwaitAnnotations(s: BatchInferenceSettings): Record<string, string> {
  if (s.awaitCompletion) {
    return { "pulumi.com/timeoutSeconds": String(s.activeDeadlineSeconds + AWAIT_MARGIN_SECONDS) };
  }
  return { "pulumi.com/waitFor": "jsonpath={.status.startTime}" };
}

/** The pod failure policy: rules are evaluated in order, the first match decides. */
export function podFailurePolicy(s: BatchInferenceSettings): k8s.types.input.batch.v1.PodFailurePolicy {
  const exitCodeRule = (action: string, codes: number[]): k8s.types.input.batch.v1.PodFailurePolicyRule => ({
    action,
    onExitCodes: {
      containerName: INFERENCE_CONTAINER,
      operator: "In",
      values: [...codes].sort((x, y) => x - y),
    },
  });
  return {
    rules: [
      // Evictions, preemption and node drains are not the shard's fault: retry for free.
      { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
      ...(s.failJobExitCodes.length > 0 ? [exitCodeRule("FailJob", s.failJobExitCodes)] : []),
      ...(s.failIndexExitCodes.length > 0 ? [exitCodeRule("FailIndex", s.failIndexExitCodes)] : []),
    ],
  };
}

export function batchEnv(s: BatchInferenceSettings): k8s.types.input.core.v1.EnvVar[] {
  // JOB_COMPLETION_INDEX is set by Kubernetes for Indexed Jobs, so it is reserved but not added.
  return [
    { name: "SHARD_COUNT", value: String(s.completions) },
    { name: "INPUT_URI", value: s.inputUri },
    { name: "OUTPUT_URI", value: s.outputUri },
    ...userEnvVars(s.env),
  ];
}

export function batchServiceAccount(s: BatchInferenceSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  automountServiceAccountToken: boolean;
} {
  return {
    metadata: { name: s.name, namespace: s.namespace, labels: labels(s) },
    automountServiceAccountToken: false,
  };
}

export function batchPodSpec(s: BatchInferenceSettings): k8s.types.input.core.v1.PodSpec {
  const scratch = scratchVolumes(s.sharedMemorySize);
  return {
    // Required by podFailurePolicy; retries are new pods, counted per index.
    restartPolicy: "Never",
    serviceAccountName: s.name,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(),
    ...(s.priorityClassName === undefined ? {} : { priorityClassName: s.priorityClassName }),
    ...gpuPlacement(s.gpusPerPod, s.gpuProducts),
    containers: [
      {
        name: INFERENCE_CONTAINER,
        image: s.image,
        ...(s.command === undefined ? {} : { command: s.command }),
        ...(s.args === undefined ? {} : { args: s.args }),
        env: batchEnv(s),
        resources: containerResources({ gpus: s.gpusPerPod, cpu: s.cpu, memory: s.memory }),
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: scratch.volumeMounts,
      },
    ],
    volumes: scratch.volumes,
  };
}

export function batchJob(s: BatchInferenceSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: k8s.types.input.batch.v1.JobSpec;
} {
  return {
    metadata: {
      name: s.name,
      namespace: s.namespace,
      labels: labels(s),
      annotations: jobAwaitAnnotations(s),
    },
    spec: {
      completionMode: "Indexed",
      completions: s.completions,
      parallelism: s.parallelism,
      // With backoffLimitPerIndex the Job-wide backoffLimit is left unset (unlimited).
      backoffLimitPerIndex: s.backoffLimitPerIndex,
      ...(s.maxFailedIndexes === undefined ? {} : { maxFailedIndexes: s.maxFailedIndexes }),
      podFailurePolicy: podFailurePolicy(s),
      // A replacement pod starts only once the failed one is gone, so one shard never holds
      // two pods' GPUs (and this is the only value allowed with podFailurePolicy).
      podReplacementPolicy: "Failed",
      activeDeadlineSeconds: s.activeDeadlineSeconds,
      ttlSecondsAfterFinished: s.ttlSecondsAfterFinished,
      template: { metadata: { labels: labels(s) }, spec: batchPodSpec(s) },
    },
  };
}

/**
 * A ServiceAccount and an Indexed Job. The Job's pod template is immutable, and a finished Job
 * cannot be rerun, so any change to the spec replaces the Job (a new run), deleting the old one
 * first because the name is fixed. When `ttlSecondsAfterFinished` has already removed the Job,
 * the delete finds nothing and the new run starts.
 */
export class BatchInference extends pulumi.ComponentResource {
  public readonly serviceAccount: corev1.ServiceAccount;
  public readonly job: batchv1.Job;

  /** Name of the Job. */
  public readonly jobName: pulumi.Output<string>;

  constructor(name: string, args: BatchInferenceArgs, opts?: pulumi.ComponentResourceOptions) {
    const resolved = resolveArgs(args, (a) => {
      validateBatchInferenceArgs(name, a);
    });
    super(BATCH_INFERENCE_TYPE, name, {}, opts);
    const settings = resolved.apply((a) => withBatchInferenceDefaults(name, a));

    const account = settings.apply(batchServiceAccount);
    this.serviceAccount = new corev1.ServiceAccount(
      `${name}-sa`,
      {
        metadata: account.apply((x) => x.metadata),
        automountServiceAccountToken: account.apply((x) => x.automountServiceAccountToken),
      },
      { parent: this, deleteBeforeReplace: true },
    );
    const job = settings.apply(batchJob);
    this.job = new batchv1.Job(
      `${name}-job`,
      { metadata: job.apply((x) => x.metadata), spec: job.apply((x) => x.spec) },
      {
        parent: this,
        dependsOn: [this.serviceAccount],
        deleteBeforeReplace: true,
        replaceOnChanges: ["spec"],
      },
    );

    this.jobName = this.job.metadata.name;
    this.registerOutputs({ jobName: this.jobName });
  }
}
