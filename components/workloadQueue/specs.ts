/**
 * The Kueue objects of a WorkloadQueue, built from its settings: ResourceFlavors (one per GPU
 * product and one for CPU and memory), the ClusterQueue, the LocalQueue and the
 * WorkloadPriorityClasses.
 */
import { GPU_PRODUCT_LABEL, GPU_RESOURCE, GPU_TAINT } from "../../conventions/gpu";
import { ComponentRoles, NAMESPACE_NAME_LABEL } from "../../conventions/labels";
import { QUEUED_CPU_MEMORY_RESOURCES } from "../../conventions/queueing";
import { standardLabels } from "../lib/labels";
import { QUEUE_TIERS, type QueueTier, type WorkloadQueueSettings } from "./args";
import { cpuMemoryFlavorName, gpuFlavorName } from "./validate";

/** `app.kubernetes.io/name` of everything a WorkloadQueue creates. */
export const WORKLOAD_QUEUE_APP_NAME = "workload-queue";

interface Metadata {
  readonly name: string;
  readonly namespace?: string;
  readonly labels: Record<string, string>;
}

function labels(settings: WorkloadQueueSettings): Record<string, string> {
  return standardLabels(WORKLOAD_QUEUE_APP_NAME, settings.name, ComponentRoles.guardrails);
}

/** A ResourceFlavor: the nodes a flavor stands for and what admitted pods get to land there. */
export interface ResourceFlavorSpec {
  readonly metadata: Metadata;
  readonly spec: {
    readonly nodeLabels?: Record<string, string>;
    readonly tolerations?: readonly { key: string; operator: string; effect: string }[];
  };
}

/**
 * One flavor per GPU product: Kueue admits a workload's GPUs against the quota of the flavor
 * whose node label its pods' node affinity selects, and adds the flavor's node selector and
 * the GPU taint's toleration to the pods it admits.
 */
export function gpuFlavorSpec(settings: WorkloadQueueSettings, product: string): ResourceFlavorSpec {
  return {
    metadata: { name: gpuFlavorName(settings.flavorPrefix, product), labels: labels(settings) },
    spec: {
      nodeLabels: { [GPU_PRODUCT_LABEL]: product },
      tolerations: [{ key: GPU_TAINT.key, operator: "Exists", effect: GPU_TAINT.effect }],
    },
  };
}

/** The flavors of every GPU product of the queue, in product order. */
export function gpuFlavorSpecs(settings: WorkloadQueueSettings): ResourceFlavorSpec[] {
  return settings.gpuQuotas.map(({ product }) => gpuFlavorSpec(settings, product));
}

/** The flavor of CPU and memory: every node, so it constrains no placement. */
export function cpuMemoryFlavorSpec(settings: WorkloadQueueSettings): ResourceFlavorSpec {
  return {
    metadata: { name: cpuMemoryFlavorName(settings.flavorPrefix), labels: labels(settings) },
    spec: {},
  };
}

interface FlavorQuota {
  readonly name: string;
  readonly resources: readonly { name: string; nominalQuota: string | number; borrowingLimit?: number }[];
}

/** The ClusterQueue's spec, as Kueue's v1beta2 API names it. */
export interface ClusterQueueSpec {
  readonly metadata: Metadata;
  readonly spec: {
    readonly cohortName?: string;
    readonly namespaceSelector: { readonly matchLabels: Record<string, string> };
    readonly queueingStrategy: "BestEffortFIFO";
    readonly preemption: { readonly withinClusterQueue: "LowerPriority" | "Never" };
    readonly resourceGroups: readonly {
      readonly coveredResources: readonly string[];
      readonly flavors: readonly FlavorQuota[];
    }[];
  };
}

/**
 * One ClusterQueue per stack, admitting workloads of its namespace only. Its GPUs are one
 * resource group with a flavor per product (a workload's GPUs must fit its product's quota);
 * CPU and memory are a second group with one flavor. BestEffortFIFO: higher priority first,
 * then older first, and a workload that does not fit does not block smaller ones behind it.
 */
export function clusterQueueSpec(settings: WorkloadQueueSettings): ClusterQueueSpec {
  const borrowing = settings.cohort !== undefined ? { borrowingLimit: settings.gpuBorrowingLimit } : {};
  return {
    metadata: { name: settings.prefix, labels: labels(settings) },
    spec: {
      ...(settings.cohort === undefined ? {} : { cohortName: settings.cohort }),
      namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: settings.namespace } },
      queueingStrategy: "BestEffortFIFO",
      preemption: { withinClusterQueue: settings.preemptLowerPriority ? "LowerPriority" : "Never" },
      resourceGroups: [
        {
          coveredResources: [GPU_RESOURCE],
          flavors: settings.gpuQuotas.map(({ product, gpus }) => ({
            name: gpuFlavorName(settings.flavorPrefix, product),
            resources: [{ name: GPU_RESOURCE, nominalQuota: gpus, ...borrowing }],
          })),
        },
        {
          coveredResources: [...QUEUED_CPU_MEMORY_RESOURCES],
          flavors: [
            {
              name: cpuMemoryFlavorName(settings.flavorPrefix),
              resources: [
                { name: "cpu", nominalQuota: settings.cpu },
                { name: "memory", nominalQuota: settings.memory },
              ],
            },
          ],
        },
      ],
    },
  };
}

/** The LocalQueue workloads of the namespace name in their `kueue.x-k8s.io/queue-name` label. */
export function localQueueSpec(settings: WorkloadQueueSettings): {
  metadata: Metadata;
  spec: { clusterQueue: string };
} {
  return {
    metadata: { name: settings.localQueueName, namespace: settings.namespace, labels: labels(settings) },
    spec: { clusterQueue: settings.prefix },
  };
}

/** A WorkloadPriorityClass: the priority Kueue orders pending workloads and preempts by. */
export interface WorkloadPriorityClassSpec {
  readonly metadata: Metadata;
  readonly value: number;
  readonly description: string;
}

const TIER_DESCRIPTIONS: Readonly<Record<QueueTier, string>> = {
  serving: "Model serving: admitted first.",
  training: "Distributed training: below serving; may preempt batch workloads in its queue.",
  batch: "Batch inference: lowest; waits for free quota.",
};

/** The serving, training and batch WorkloadPriorityClasses, highest first. */
export function workloadPriorityClassSpecs(
  settings: WorkloadQueueSettings,
): Record<QueueTier, WorkloadPriorityClassSpec> {
  return Object.fromEntries(
    QUEUE_TIERS.map((tier) => [
      tier,
      {
        metadata: { name: `${settings.prefix}-${tier}`, labels: labels(settings) },
        value: settings.values[tier],
        description: TIER_DESCRIPTIONS[tier],
      },
    ]),
  ) as Record<QueueTier, WorkloadPriorityClassSpec>;
}
