/**
 * Kueue as the components and the policy pack see it: the API group of its objects and the
 * labels that put a workload on a queue and give it a priority.
 */

/** apiVersion of the Kueue objects the components create (ResourceFlavor, ClusterQueue, ...). */
export const KUEUE_API_VERSION = "kueue.x-k8s.io/v1beta2";

/** Label that names the LocalQueue (in the workload's namespace) a Job or StatefulSet waits in. */
export const QUEUE_NAME_LABEL = "kueue.x-k8s.io/queue-name";

/** Label that names the WorkloadPriorityClass Kueue orders and preempts a workload by. */
export const WORKLOAD_PRIORITY_CLASS_LABEL = "kueue.x-k8s.io/priority-class";

/** The resources a ClusterQueue of this project caps besides GPUs. */
export const QUEUED_CPU_MEMORY_RESOURCES: readonly string[] = ["cpu", "memory"];
