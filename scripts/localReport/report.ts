// The report scripts/up-local.sh prints after deploying a stack to the local cluster: its
// workloads, its pods and the simulated node each landed on, and its GPUs against the quota.

import { type MLWorkflow, type NamespacedObject, type Node, objectsOfKind } from "./kubernetesObjects";
import { nodeGpuLines, quotaLines } from "./gpus";
import { podRows, sortedPods } from "./pods";
import { type KueueWorkload, queueRows } from "./queue";
import { tableLines } from "./table";
import { workloadRows } from "./workloads";

/** What the report is made from: the stack, and what kubectl listed in and around its namespace. */
export interface LocalReportInput {
  readonly stack: string;
  readonly namespace: string;
  readonly kubeconfig: string;
  /** Every node of the cluster. */
  readonly nodes: readonly Node[];
  /** Deployments, StatefulSets, Jobs, Pods, ResourceQuotas and HPAs of the namespace. */
  readonly objects: readonly NamespacedObject[];
  /** The namespace's MLWorkflows (none where the CRD is not installed). */
  readonly workflows: readonly MLWorkflow[];
  /** The namespace's Kueue Workloads (none in quota mode). */
  readonly queueWorkloads: readonly KueueWorkload[];
}

/**
 * The report's lines, without line ends: a pure function of what kubectl printed, so the
 * report can be tested without a cluster.
 */
export function localReportLines(input: LocalReportInput): string[] {
  const nodes = new Map(input.nodes.map((node) => [node.metadata.name, node]));
  const pods = sortedPods(objectsOfKind(input.objects, "Pod"));
  return [
    "",
    `Deployed stack "${input.stack}" to the local cluster: namespace ${input.namespace} (KUBECONFIG=${input.kubeconfig})`,
    "",
    "Workloads",
    ...tableLines(["KIND", "NAME", "READY", "STATUS"], workloadRows(input.objects, input.workflows)),
    "",
    "Pods",
    ...tableLines(["POD", "PHASE", "NODE", "GPUS", "NODE GPU PRODUCT"], podRows(pods, nodes)),
    "",
    "Queue (Kueue)",
    ...(input.queueWorkloads.length === 0
      ? ["  no queued workloads: training and batch jobs are admitted by the ResourceQuota alone"]
      : tableLines(["WORKLOAD", "QUEUE", "PRIORITY", "STATE"], queueRows(input.queueWorkloads))),
    "",
    "GPUs",
    ...quotaLines(objectsOfKind(input.objects, "ResourceQuota"), input.namespace),
    ...nodeGpuLines(pods, nodes),
  ];
}
