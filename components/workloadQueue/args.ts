/**
 * The arguments of a WorkloadQueue, their defaults (written once, in WORKLOAD_QUEUE_DEFAULTS),
 * and the settings the specs are built from.
 */
import type * as pulumi from "@pulumi/pulumi";
import { WORKLOAD_PRIORITIES_DEFAULTS } from "../workloadPriorities";

export interface WorkloadQueueArgs {
  /** Namespace whose workloads the queue admits; the LocalQueue is created in it. */
  readonly namespace: pulumi.Input<string>;
  /**
   * GPUs the queue admits at a time per GPU product (`nvidia.com/gpu.product` values): one
   * ResourceFlavor per product, with that product's node label and the GPU taint's toleration.
   */
  readonly gpuQuotas: pulumi.Input<Readonly<Record<string, number>>>;
  /** CPU requests the queue admits at a time (a Kubernetes quantity). */
  readonly cpu: pulumi.Input<string>;
  /** Memory requests the queue admits at a time (a Kubernetes quantity). */
  readonly memory: pulumi.Input<string>;
  /**
   * Prefix of the cluster-scoped ClusterQueue and WorkloadPriorityClasses
   * (`<prefix>-serving`, `<prefix>-training`, `<prefix>-batch`).
   * @default the component name
   */
  readonly prefix?: pulumi.Input<string>;
  /** Name of the LocalQueue workloads name in their `kueue.x-k8s.io/queue-name` label. @default the component name */
  readonly localQueueName?: pulumi.Input<string>;
  /**
   * Prefix of the ResourceFlavors (`<flavorPrefix>-<product>` and `<flavorPrefix>-cpu-memory`).
   * ClusterQueues in one cohort lend and borrow quota of the same flavors, so stacks that
   * share a cohort use the same prefix.
   * @default "k8sml"
   */
  readonly flavorPrefix?: pulumi.Input<string>;
  /**
   * Create the ResourceFlavors. Flavors are cluster-scoped: when several stacks share them,
   * one creates them and the others set false.
   * @default true
   */
  readonly installFlavors?: pulumi.Input<boolean>;
  /** Cohort of ClusterQueues that lend each other unused quota. @default no cohort */
  readonly cohort?: pulumi.Input<string>;
  /**
   * GPUs per product the queue may borrow from its cohort beyond its own quota (needs `cohort`).
   * @default 0
   */
  readonly gpuBorrowingLimit?: pulumi.Input<number>;
  /**
   * Whether a pending workload may preempt admitted ones of lower priority in the same queue
   * (training preempts batch), as the PriorityClasses do for pods.
   * @default true
   */
  readonly preemptLowerPriority?: pulumi.Input<boolean>;
  /**
   * Priority of serving workloads.
   * @default 100000
   */
  readonly servingValue?: pulumi.Input<number>;
  /**
   * Priority of training workloads; below servingValue.
   * @default 50000
   */
  readonly trainingValue?: pulumi.Input<number>;
  /**
   * Priority of batch workloads; below trainingValue.
   * @default 10000
   */
  readonly batchValue?: pulumi.Input<number>;
}

/** Every literal default of WorkloadQueue, in one place (priorities as WorkloadPriorities'). */
export const WORKLOAD_QUEUE_DEFAULTS = {
  flavorPrefix: "k8sml",
  installFlavors: true,
  gpuBorrowingLimit: 0,
  preemptLowerPriority: true,
  servingValue: WORKLOAD_PRIORITIES_DEFAULTS.servingValue,
  trainingValue: WORKLOAD_PRIORITIES_DEFAULTS.trainingValue,
  batchValue: WORKLOAD_PRIORITIES_DEFAULTS.batchValue,
} as const;

/** The tiers of WorkloadPriorityClasses, highest first. */
export const QUEUE_TIERS = ["serving", "training", "batch"] as const;
export type QueueTier = (typeof QUEUE_TIERS)[number];

/** WorkloadQueue arguments with every default applied. */
export interface WorkloadQueueSettings {
  readonly name: string;
  readonly namespace: string;
  /** Products in a stable (sorted) order, so the ClusterQueue's spec does not churn. */
  readonly gpuQuotas: readonly { readonly product: string; readonly gpus: number }[];
  readonly cpu: string;
  readonly memory: string;
  readonly prefix: string;
  readonly localQueueName: string;
  readonly flavorPrefix: string;
  readonly installFlavors: boolean;
  readonly cohort: string | undefined;
  readonly gpuBorrowingLimit: number;
  readonly preemptLowerPriority: boolean;
  readonly values: Readonly<Record<QueueTier, number>>;
}
