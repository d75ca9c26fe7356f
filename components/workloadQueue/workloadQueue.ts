/** The WorkloadQueue component: a Kueue ClusterQueue and LocalQueue for one namespace. */
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as pulumi from "@pulumi/pulumi";
import { KUEUE_API_VERSION } from "../../conventions/queueing";
import { childOptions } from "../lib/component";
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
  public readonly flavors: readonly apiextensions.CustomResource[];
  public readonly clusterQueue: apiextensions.CustomResource;
  public readonly localQueue: apiextensions.CustomResource;
  public readonly priorityClasses: Readonly<Record<QueueTier, apiextensions.CustomResource>>;

  /** Name of the LocalQueue, for a workload's `kueue.x-k8s.io/queue-name` label. */
  public readonly localQueueName: pulumi.Output<string>;
  /** Name of the ClusterQueue. */
  public readonly clusterQueueName: pulumi.Output<string>;
  /** Names of the WorkloadPriorityClasses, for a workload's `kueue.x-k8s.io/priority-class` label. */
  public readonly priorityClassNames: Readonly<Record<QueueTier, pulumi.Output<string>>>;

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
    this.flavors = flavors;

    this.clusterQueue = custom(
      `${name}-cluster-queue`,
      "ClusterQueue",
      clusterQueueSpec,
      ["metadata", "spec"],
      {
        dependsOn: flavors,
      },
    );
    this.localQueue = custom(`${name}-local-queue`, "LocalQueue", localQueueSpec, ["metadata", "spec"], {
      dependsOn: [this.clusterQueue],
    });
    this.priorityClasses = Object.fromEntries(
      QUEUE_TIERS.map((tier) => [
        tier,
        custom(`${name}-${tier}`, "WorkloadPriorityClass", (s) => workloadPriorityClassSpecs(s)[tier], [
          "metadata",
          "value",
          "description",
        ]),
      ]),
    ) as Record<QueueTier, apiextensions.CustomResource>;

    this.localQueueName = this.localQueue.metadata.name;
    this.clusterQueueName = this.clusterQueue.metadata.name;
    this.priorityClassNames = Object.fromEntries(
      QUEUE_TIERS.map((tier) => [tier, this.priorityClasses[tier].metadata.name]),
    ) as Record<QueueTier, pulumi.Output<string>>;

    this.registerOutputs({
      localQueueName: this.localQueueName,
      clusterQueueName: this.clusterQueueName,
      priorityClassNames: this.priorityClassNames,
    });
  }
}
