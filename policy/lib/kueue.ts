/**
 * Kueue as the pack sees it: which LocalQueue (and so which ClusterQueue) a workload waits in,
 * and how many of a GPU resource a ClusterQueue admits at most.
 */
import { QUEUE_NAME_LABEL } from "../../conventions/queueing";
import { parseQuantity } from "../../conventions/quantity";
import type { PodTemplate } from "./podTemplate";
import type { K8sResource } from "./resource";
import type { NamespaceBucket, StackIndex } from "./stackIndex";
import { arr, hasUnknown, obj, str } from "./values";

/**
 * Kinds whose queued workloads have no pods until Kueue admits them (it keeps them suspended).
 * A queued StatefulSet's or Deployment's pods exist, gated, and so count against a ResourceQuota.
 */
const SUSPENDED_WHILE_QUEUED: ReadonlySet<string> = new Set(["Job", "CronJob"]);

/**
 * The ClusterQueue a Job is queued in (its LocalQueue in the namespace names it), when it has
 * no pods while it waits; undefined for other kinds and for workloads not queued.
 */
export function clusterQueueOf(
  workload: PodTemplate,
  bucket: NamespaceBucket,
  index: StackIndex,
): K8sResource | undefined {
  if (!SUSPENDED_WHILE_QUEUED.has(workload.resource.kind)) return undefined;
  const labels = obj(workload.resource.metadata.labels);
  const queueName = str(labels?.[QUEUE_NAME_LABEL]);
  if (queueName === undefined) return undefined;
  const localQueue = bucket.localQueues.find((queue) => queue.name === queueName);
  const clusterQueueName = str(obj(localQueue?.object.spec)?.clusterQueue);
  return clusterQueueName === undefined ? undefined : index.clusterQueues.get(clusterQueueName);
}

/**
 * The most of `resource` the ClusterQueue admits at once: its nominal quotas over every flavor,
 * plus each flavor's borrowing limit when it is in a cohort. Undefined when that has no bound
 * (a cohort without a borrowing limit) or is unknown during preview.
 */
export function clusterQueueCap(clusterQueue: K8sResource, resource: string): number | undefined {
  const spec = obj(clusterQueue.object.spec);
  if (spec === undefined || hasUnknown(spec)) return undefined;
  const inCohort = str(spec.cohortName) !== undefined || str(spec.cohort) !== undefined;
  let cap = 0;
  for (const group of arr(spec.resourceGroups) ?? []) {
    for (const flavor of arr(obj(group)?.flavors) ?? []) {
      for (const quota of arr(obj(flavor)?.resources) ?? []) {
        const entry = obj(quota);
        if (str(entry?.name) !== resource) continue;
        const nominal = parseQuantity(entry?.nominalQuota);
        if (nominal === undefined) return undefined;
        cap += nominal;
        if (!inCohort) continue;
        const borrowing = entry?.borrowingLimit;
        if (borrowing === undefined || borrowing === null) return undefined;
        const limit = parseQuantity(borrowing);
        if (limit === undefined) return undefined;
        cap += limit;
      }
    }
  }
  return cap;
}
