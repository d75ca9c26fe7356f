/** The Kubernetes objects of a BatchInference, built from its settings: a ServiceAccount and an Indexed Job. */
import type * as k8s from "@pulumi/kubernetes";
import { ComponentRoles } from "../../conventions/labels";
import { userEnvVars } from "../lib/env";
import { containerResources, gpuPlacement } from "../lib/gpu";
import { standardLabels } from "../lib/labels";
import { queueLabels } from "../lib/queue";
import { scratchVolumes } from "../lib/scratchVolumes";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../lib/security";
import { AWAIT_MARGIN_SECONDS, type BatchInferenceSettings, INFERENCE_CONTAINER } from "./args";

function labels(settings: BatchInferenceSettings): Record<string, string> {
  return standardLabels(settings.appName, settings.name, ComponentRoles.batchInference);
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
export function jobAwaitAnnotations(settings: BatchInferenceSettings): Record<string, string> {
  if (settings.awaitCompletion) {
    return { "pulumi.com/timeoutSeconds": String(settings.activeDeadlineSeconds + AWAIT_MARGIN_SECONDS) };
  }
  // A queued Job is created suspended and has no start time until Kueue admits it: wait only
  // until the API server holds it (`.spec.suspend` is set, true while it waits).
  if (settings.queueName !== undefined) return { "pulumi.com/waitFor": "jsonpath={.spec.suspend}" };
  return { "pulumi.com/waitFor": "jsonpath={.status.startTime}" };
}

/** The pod failure policy: rules are evaluated in order, the first match decides. */
export function podFailurePolicy(
  settings: BatchInferenceSettings,
): k8s.types.input.batch.v1.PodFailurePolicy {
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
      ...(settings.failJobExitCodes.length > 0 ? [exitCodeRule("FailJob", settings.failJobExitCodes)] : []),
      ...(settings.failIndexExitCodes.length > 0
        ? [exitCodeRule("FailIndex", settings.failIndexExitCodes)]
        : []),
    ],
  };
}

/** The shard wiring first, then the user's variables. */
export function batchEnv(settings: BatchInferenceSettings): k8s.types.input.core.v1.EnvVar[] {
  // JOB_COMPLETION_INDEX is set by Kubernetes for Indexed Jobs, so it is reserved but not added.
  return [
    { name: "SHARD_COUNT", value: String(settings.completions) },
    { name: "INPUT_URI", value: settings.inputUri },
    { name: "OUTPUT_URI", value: settings.outputUri },
    ...userEnvVars(settings.env),
  ];
}

/** The pods' own identity; batch inference needs no Kubernetes API access. */
export function batchServiceAccount(settings: BatchInferenceSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  automountServiceAccountToken: boolean;
} {
  return {
    metadata: { name: settings.name, namespace: settings.namespace, labels: labels(settings) },
    automountServiceAccountToken: false,
  };
}

/** The pod: one inference container, restricted, placed on its GPUs, never restarted in place. */
export function batchPodSpec(settings: BatchInferenceSettings): k8s.types.input.core.v1.PodSpec {
  const scratch = scratchVolumes(settings.sharedMemorySize);
  return {
    // Required by podFailurePolicy; retries are new pods, counted per index.
    restartPolicy: "Never",
    serviceAccountName: settings.name,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(),
    ...(settings.terminationGracePeriodSeconds === undefined
      ? {}
      : { terminationGracePeriodSeconds: settings.terminationGracePeriodSeconds }),
    ...(settings.priorityClassName === undefined ? {} : { priorityClassName: settings.priorityClassName }),
    ...gpuPlacement(settings.gpusPerPod, settings.gpuProducts),
    containers: [
      {
        name: INFERENCE_CONTAINER,
        image: settings.image,
        ...(settings.command === undefined ? {} : { command: settings.command }),
        ...(settings.args === undefined ? {} : { args: settings.args }),
        env: batchEnv(settings),
        resources: containerResources({
          gpus: settings.gpusPerPod,
          gpuResourceName: settings.gpuResourceName,
          cpu: settings.cpu,
          memory: settings.memory,
        }),
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: scratch.volumeMounts,
      },
    ],
    volumes: scratch.volumes,
  };
}

/** The Indexed Job: per-shard retries, the pod failure policy, a deadline and a TTL. */
export function batchJob(settings: BatchInferenceSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: k8s.types.input.batch.v1.JobSpec;
} {
  return {
    metadata: {
      name: settings.name,
      namespace: settings.namespace,
      labels: { ...labels(settings), ...queueLabels(settings) },
      annotations: jobAwaitAnnotations(settings),
    },
    spec: {
      completionMode: "Indexed",
      completions: settings.completions,
      parallelism: settings.parallelism,
      // With backoffLimitPerIndex the Job-wide backoffLimit is left unset (unlimited).
      backoffLimitPerIndex: settings.backoffLimitPerIndex,
      ...(settings.maxFailedIndexes === undefined ? {} : { maxFailedIndexes: settings.maxFailedIndexes }),
      podFailurePolicy: podFailurePolicy(settings),
      // A replacement pod starts only once the failed one is gone, so one shard never holds
      // two pods' GPUs (and this is the only value allowed with podFailurePolicy).
      podReplacementPolicy: "Failed",
      activeDeadlineSeconds: settings.activeDeadlineSeconds,
      // No TTL unless asked: a TTL-deleted Job would be re-created (a new run) by refresh + up.
      ...(settings.ttlSecondsAfterFinished === undefined
        ? {}
        : { ttlSecondsAfterFinished: settings.ttlSecondsAfterFinished }),
      template: { metadata: { labels: labels(settings) }, spec: batchPodSpec(settings) },
    },
  };
}
