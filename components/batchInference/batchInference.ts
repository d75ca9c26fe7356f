/** The BatchInference component: an Indexed Job that runs a model over a sharded input. */
import * as batchv1 from "@pulumi/kubernetes/batch/v1";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../lib/component";
import { componentOptions, componentType } from "../lib/typeTokens";
import { logQueued } from "../lib/queue";
import { fieldsOf, resolveSettings } from "../lib/resolve";
import type { BatchInferenceArgs } from "./args";
import { batchJob, batchServiceAccount } from "./specs";
import { validateBatchInferenceArgs, withBatchInferenceDefaults } from "./validate";

export const BATCH_INFERENCE_TYPE = componentType("BatchInference");

/**
 * A ServiceAccount and an Indexed Job: `completions` shards, `parallelism` of them at a time.
 * Each pod reads its shard number from `JOB_COMPLETION_INDEX` (set by Kubernetes for Indexed
 * Jobs) and the shard count from `SHARD_COUNT`, and reads from `INPUT_URI`, writes to
 * `OUTPUT_URI`.
 *
 * Failures are handled per shard: a failed shard is retried up to `backoffLimitPerIndex` times
 * without touching the others; a pod evicted or preempted (condition `DisruptionTarget`) is
 * replaced without counting as a failure; exit codes in `failIndexExitCodes` give up on that
 * shard at once (bad input), those in `failJobExitCodes` stop the whole Job (bad configuration).
 *
 * The Job's pod template is immutable, and a finished Job cannot be rerun, so any change to the
 * spec replaces the Job (a new run), deleting the old one first because the name is fixed.
 *
 * A finished run stays finished: the Job has no TTL by default, so it stays in the cluster as the
 * record of the run, `pulumi refresh` finds it, and `pulumi up` changes nothing until the spec
 * does. With `ttlSecondsAfterFinished` set, Kubernetes deletes the finished Job, refresh drops it
 * from the state and the next up creates it again: a new run of the same spec.
 */
export class BatchInference extends pulumi.ComponentResource {
  public readonly serviceAccount: corev1.ServiceAccount;
  public readonly job: batchv1.Job;

  /** Name of the Job. */
  public readonly jobName: pulumi.Output<string>;
  /** The LocalQueue the Job waits in, or undefined when not queued. */
  public readonly queueName: pulumi.Output<string | undefined>;

  constructor(name: string, args: BatchInferenceArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = resolveSettings(
      args,
      (resolved) => {
        validateBatchInferenceArgs(name, resolved);
      },
      (resolved) => withBatchInferenceDefaults(name, resolved),
    );
    super(BATCH_INFERENCE_TYPE, name, {}, componentOptions("BatchInference", opts));

    this.serviceAccount = new corev1.ServiceAccount(
      `${name}-sa`,
      fieldsOf(settings, batchServiceAccount, ["metadata", "automountServiceAccountToken"]),
      childOptions(this),
    );
    this.job = new batchv1.Job(
      `${name}-job`,
      fieldsOf(settings, batchJob, ["metadata", "spec"]),
      childOptions(this, { dependsOn: [this.serviceAccount], replaceOnChanges: ["spec"] }),
    );

    logQueued(this.job, settings, "Kueue unsuspends the Job when the queue's quota holds all of it");

    this.jobName = this.job.metadata.name;
    this.queueName = settings.apply((resolved) => resolved.queueName);
    this.registerOutputs({ jobName: this.jobName, queueName: this.queueName });
  }
}
