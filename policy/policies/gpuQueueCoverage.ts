import { QUEUE_NAME_LABEL } from "../../conventions/queueing";
import { gpuNames, podGpus, extraGpuResourcesSchema } from "../lib/gpu";
import { defineStackPolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import type { StackIndex } from "../lib/stackIndex";
import { isUnknown, obj, str } from "../lib/values";

/** Settings of gpu-queue-coverage (its entry in policy-config/<env>.json). */
export interface GpuQueueCoverageConfig {
  readonly extraGpuResources: readonly string[];
  /** Workload kinds that must be queued where Kueue manages the namespace. */
  readonly queuedKinds: readonly string[];
}

/**
 * gpu-queue-coverage: name, mandatory by default, and its settings: extra GPU resource names and
 * the workload kinds that must carry the queue label (Jobs, CronJobs and StatefulSets by default;
 * serving Deployments may stay outside the queue, but one that names a queue must name a real
 * one).
 */
export const gpuQueueCoverageMeta: PolicyMeta<GpuQueueCoverageConfig> = {
  name: "gpu-queue-coverage",
  description:
    "In a namespace Kueue manages (it has a LocalQueue in the stack), every GPU Job, CronJob and StatefulSet names a LocalQueue of that namespace in kueue.x-k8s.io/queue-name; any other GPU workload (a model server Deployment) that names a queue names one of them.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Label the workload kueue.x-k8s.io/queue-name=<LocalQueue of its namespace>, so that Kueue admits it whole within the queue's quota.",
  defaults: { extraGpuResources: [], queuedKinds: ["Job", "CronJob", "StatefulSet"] },
  properties: {
    extraGpuResources: extraGpuResourcesSchema,
    queuedKinds: {
      type: "array",
      items: { type: "string", minLength: 1 },
      uniqueItems: true,
      description: "Workload kinds that must be queued in a namespace Kueue manages.",
    },
  },
};

/** The gpu-queue-coverage findings for a whole stack, namespace by namespace. */
export function checkGpuQueueCoverage(index: StackIndex, config: GpuQueueCoverageConfig): Finding[] {
  const findings: Finding[] = [];
  const names = gpuNames(config.extraGpuResources);
  for (const bucket of index.namespaces.values()) {
    if (bucket.localQueues.length === 0) continue;
    const queues = bucket.localQueues.map((queue) => queue.name);
    for (const workload of bucket.workloads) {
      const resource = workload.resource;
      if (podGpus(workload, names).total === 0) continue;
      const raw = obj(resource.metadata.labels)?.[QUEUE_NAME_LABEL];
      if (isUnknown(raw)) continue;
      const queueName = str(raw);
      if (queueName !== undefined && queues.includes(queueName)) continue;
      // Kinds outside queuedKinds may run unqueued; a queue they name must still exist, or
      // Kueue would gate their pods forever.
      if (queueName === undefined && !config.queuedKinds.includes(resource.kind)) continue;
      findings.push(
        violation({
          resource: resource.ref,
          problem:
            queueName === undefined
              ? `a GPU ${resource.kind} in namespace ${bucket.name}, which Kueue manages, is not queued: its pods would take GPUs outside the queue's all-or-nothing admission`
              : `it names LocalQueue ${queueName}, which namespace ${bucket.name} does not have in the stack`,
          path: `metadata.labels["${QUEUE_NAME_LABEL}"]`,
          found: queueName === undefined ? "no such label" : JSON.stringify(queueName),
          fix: `set metadata.labels["${QUEUE_NAME_LABEL}"] to one of: ${queues.join(", ")}`,
          urn: resource.urn,
        }),
      );
    }
  }
  return findings;
}

/**
 * Where Kueue manages a namespace, GPU batch and training workloads go through its queue: one
 * that does not would start pod by pod and hold GPUs that queued workloads wait for.
 */
export const gpuQueueCoverage = defineStackPolicy(gpuQueueCoverageMeta, checkGpuQueueCoverage);
