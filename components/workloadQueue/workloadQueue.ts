/** The WorkloadQueue component: a Kueue ClusterQueue and LocalQueue for one namespace. */
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as pulumi from "@pulumi/pulumi";
import { KUEUE_API_VERSION } from "../../conventions/queueing";
import { childOptions } from "../lib/component";
import { CustomResourceFields } from "../lib/customResourceFields";
import { componentOptions, componentType } from "../lib/typeTokens";
import { fieldsOf, resolveSettings } from "../lib/resolve";
import { ValidationError } from "../lib/validation";
import { QUEUE_TIERS, type QueueTier, type WorkloadQueueArgs, type WorkloadQueueSettings } from "./args";
import {
  clusterQueueSpec,
  cpuMemoryFlavorSpec,
  gpuFlavorSpec,
  localQueueSpec,
  workloadPriorityClassSpecs,
} from "./specs";
import { validateWorkloadQueueArgs, withWorkloadQueueDefaults } from "./validate";

/** Type token of the component. */
export const WORKLOAD_QUEUE_TYPE = componentType("WorkloadQueue");

const queueObjectsOf = new CustomResourceFields<
  WorkloadQueue,
  {
    readonly flavors: apiextensions.CustomResource[];
    readonly clusterQueue: apiextensions.CustomResource;
    readonly localQueue: apiextensions.CustomResource;
    readonly priorityClasses: Readonly<Record<QueueTier, apiextensions.CustomResource>>;
  }
>();

/** The names of a queue's WorkloadPriorityClasses, by tier. */
export interface QueueTierNames {
  readonly serving: pulumi.Output<string>;
  readonly training: pulumi.Output<string>;
  readonly batch: pulumi.Output<string>;
}

/**
 * Queueing with all-or-nothing admission by Kueue (sigs.k8s.io/kueue) for the workloads of one
 * namespace: a workload (a Job, or a StatefulSet's pods as one group) that names the LocalQueue
 * waits, suspended or with gated pods, until the ClusterQueue's quota holds all of it, and is
 * then admitted whole; pending workloads are ordered by their WorkloadPriorityClass.
 *
 * Creates ResourceFlavors (one per GPU product, unless `installFlavors` is false), one
 * ClusterQueue (`<prefix>`, only for the namespace), a LocalQueue in the namespace and the
 * WorkloadPriorityClasses `<prefix>-serving|training|batch`. Needs Kueue in the cluster.
 */
export class WorkloadQueue extends pulumi.ComponentResource {
  /** The ResourceFlavors (a getter: see CustomResourceFields). */
  public get flavors(): apiextensions.CustomResource[] {
    return queueObjectsOf.get(this).flavors;
  }
  /** The ClusterQueue (a getter: see CustomResourceFields). */
  public get clusterQueue(): apiextensions.CustomResource {
    return queueObjectsOf.get(this).clusterQueue;
  }
  /** The LocalQueue (a getter: see CustomResourceFields). */
  public get localQueue(): apiextensions.CustomResource {
    return queueObjectsOf.get(this).localQueue;
  }
  /** The WorkloadPriorityClasses by tier (a getter: see CustomResourceFields). */
  public get priorityClasses(): Readonly<Record<QueueTier, apiextensions.CustomResource>> {
    return queueObjectsOf.get(this).priorityClasses;
  }

  /** Name of the LocalQueue, for a workload's `kueue.x-k8s.io/queue-name` label. */
  public readonly localQueueName: pulumi.Output<string>;
  /** Name of the ClusterQueue. */
  public readonly clusterQueueName: pulumi.Output<string>;
  /** Names of the WorkloadPriorityClasses, for a workload's `kueue.x-k8s.io/priority-class` label. */
  public readonly priorityClassNames: QueueTierNames;

  constructor(name: string, args: WorkloadQueueArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = resolveSettings(
      args,
      (resolved) => {
        validateWorkloadQueueArgs(name, resolved);
      },
      (resolved) => withWorkloadQueueDefaults(name, resolved),
    );
    if (pulumi.Output.isInstance(args.gpuQuotas) || pulumi.Output.isInstance(args.installFlavors)) {
      throw new ValidationError(
        `WorkloadQueue ${JSON.stringify(name)}: gpuQuotas and installFlavors decide which children exist, so they must be plain values, not Outputs`,
      );
    }
    const products = Object.keys(args.gpuQuotas);
    super(WORKLOAD_QUEUE_TYPE, name, {}, componentOptions("WorkloadQueue", opts));

    const custom = <T extends object>(
      childName: string,
      kind: string,
      build: (s: WorkloadQueueSettings) => T,
      keys: readonly (keyof T & string)[],
      extra: pulumi.CustomResourceOptions = {},
    ): apiextensions.CustomResource =>
      new apiextensions.CustomResource(
        childName,
        { apiVersion: KUEUE_API_VERSION, kind, ...fieldsOf(settings, build, keys) },
        childOptions(this, extra),
      );

    const flavors: apiextensions.CustomResource[] = [];
    if (args.installFlavors !== false) {
      for (const product of [...products].sort()) {
        flavors.push(
          custom(
            `${name}-flavor-${product.toLowerCase()}`,
            "ResourceFlavor",
            (s) => gpuFlavorSpec(s, product),
            ["metadata", "spec"],
          ),
        );
      }
      flavors.push(
        custom(`${name}-flavor-cpu-memory`, "ResourceFlavor", cpuMemoryFlavorSpec, ["metadata", "spec"]),
      );
    }
    const clusterQueue = custom(
      `${name}-cluster-queue`,
      "ClusterQueue",
      clusterQueueSpec,
      ["metadata", "spec"],
      {
        dependsOn: flavors,
      },
    );
    const localQueue = custom(`${name}-local-queue`, "LocalQueue", localQueueSpec, ["metadata", "spec"], {
      dependsOn: [clusterQueue],
    });
    const priorityClasses = Object.fromEntries(
      QUEUE_TIERS.map((tier) => [
        tier,
        custom(`${name}-${tier}`, "WorkloadPriorityClass", (s) => workloadPriorityClassSpecs(s)[tier], [
          "metadata",
          "value",
          "description",
        ]),
      ]),
    ) as Record<QueueTier, apiextensions.CustomResource>;

    queueObjectsOf.set(this, { flavors, clusterQueue, localQueue, priorityClasses });

    this.localQueueName = localQueue.metadata.name;
    this.clusterQueueName = clusterQueue.metadata.name;
    this.priorityClassNames = {
      serving: priorityClasses.serving.metadata.name,
      training: priorityClasses.training.metadata.name,
      batch: priorityClasses.batch.metadata.name,
    };

    this.registerOutputs({
      localQueueName: this.localQueueName,
      clusterQueueName: this.clusterQueueName,
      priorityClassNames: this.priorityClassNames,
    });
  }
}
