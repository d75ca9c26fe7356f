/** Resources of a stack indexed by namespace and kind, so stack policies run in linear time. */

import { NAMESPACE_NAME_LABEL } from "../../conventions/labels";
import { autoscalerOf, type Autoscaler } from "./autoscalers";
import { podTemplatesOf } from "./crdTemplates";
import type { CustomResourceKind } from "./customResources";
import type { PodTemplate } from "./podTemplate";
import type { K8sResource } from "./resource";
import { str, stringMap } from "./values";

/** API group of Kueue's objects. */
const KUEUE_GROUP = "kueue.x-k8s.io";

/** What one namespace of the stack holds, by the kinds the stack policies look at. */
export interface NamespaceBucket {
  readonly name: string;
  /**
   * Pod templates of workloads: Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob,
   * and those of the custom resources of the table (customResources.ts), one per template.
   */
  readonly workloads: readonly PodTemplate[];
  readonly networkPolicies: readonly K8sResource[];
  readonly services: readonly K8sResource[];
  readonly resourceQuotas: readonly K8sResource[];
  /** HorizontalPodAutoscalers and KEDA ScaledObjects. */
  readonly autoscalers: readonly Autoscaler[];
  /** Kueue LocalQueues. */
  readonly localQueues: readonly K8sResource[];
}

/** A NamespaceBucket while the index is being built: the same fields, with lists still growing. */
interface BucketBuilder {
  readonly name: string;
  readonly workloads: PodTemplate[];
  readonly networkPolicies: K8sResource[];
  readonly services: K8sResource[];
  readonly resourceQuotas: K8sResource[];
  readonly autoscalers: Autoscaler[];
  readonly localQueues: K8sResource[];
}

/** A stack's resources by namespace, with the lookups the stack policies need. */
export interface StackIndex {
  /** Buckets by namespace name, in first-seen order. */
  readonly namespaces: ReadonlyMap<string, NamespaceBucket>;
  /** Namespaced resources whose namespace is unknown during preview (they cannot be placed). */
  readonly unplaced: readonly K8sResource[];
  /** A namespace's labels: its Namespace object's labels (if in the stack) plus kubernetes.io/metadata.name. */
  namespaceLabels(namespace: string): Readonly<Record<string, string>>;
  /** The workload `kind` `name` in `namespace`. */
  findWorkload(namespace: string, kind: string, name: string): PodTemplate | undefined;
  /** The autoscalers whose scaleTargetRef names this workload. */
  autoscalersOf(workload: PodTemplate): readonly Autoscaler[];
  /** Kueue ClusterQueues of the stack, by name. */
  readonly clusterQueues: ReadonlyMap<string, K8sResource>;
}

function isKind(resource: K8sResource, group: string, kind: string): boolean {
  return resource.group === group && resource.kind === kind;
}

/** Indexes a stack's resources in one pass (duplicates: the last definition wins). */
export function buildStackIndex(
  resources: Iterable<K8sResource>,
  extraKinds: readonly CustomResourceKind[] = [],
): StackIndex {
  const namespaces = new Map<string, BucketBuilder>();
  const namespaceObjects = new Map<string, K8sResource>();
  const unplaced: K8sResource[] = [];
  const workloadsByKey = new Map<string, PodTemplate>();
  const autoscalersByTarget = new Map<string, Autoscaler[]>();
  const clusterQueues = new Map<string, K8sResource>();

  const bucketOf = (namespace: string): BucketBuilder => {
    let bucket = namespaces.get(namespace);
    if (!bucket) {
      bucket = {
        name: namespace,
        workloads: [],
        networkPolicies: [],
        services: [],
        resourceQuotas: [],
        autoscalers: [],
        localQueues: [],
      };
      namespaces.set(namespace, bucket);
    }
    return bucket;
  };
  const workloadKey = (namespace: string, kind: string, name: string): string =>
    `${namespace}\u0000${kind}\u0000${name}`;

  // The same object defined twice (e.g. in two manifest files): the last definition wins, as with
  // `kubectl apply`; it keeps the position of the first.
  const unique = new Map<string | K8sResource, K8sResource>();
  for (const resource of resources) {
    const name = str(resource.metadata.name);
    const identity =
      name === undefined ? resource : `${resource.group}/${resource.kind}/${resource.namespace}/${name}`;
    unique.set(identity, resource);
  }

  for (const resource of unique.values()) {
    if (isKind(resource, "", "Namespace")) {
      namespaceObjects.set(resource.name, resource);
      continue;
    }
    if (isKind(resource, KUEUE_GROUP, "ClusterQueue")) {
      clusterQueues.set(resource.name, resource);
      continue;
    }
    if (resource.namespace === "") continue; // other cluster-scoped kinds play no part here
    // Templates that run nothing by themselves (training runtimes) are not workloads.
    const templates = podTemplatesOf(resource, extraKinds).filter(
      (template) => template.templateOnly !== true,
    );
    const template = templates.at(0);
    const isNetworkPolicy = isKind(resource, "networking.k8s.io", "NetworkPolicy");
    const isService = isKind(resource, "", "Service");
    const isQuota = isKind(resource, "", "ResourceQuota");
    const autoscaler = template ? undefined : autoscalerOf(resource);
    const isLocalQueue = isKind(resource, KUEUE_GROUP, "LocalQueue");
    if (!template && !isNetworkPolicy && !isService && !isQuota && !autoscaler && !isLocalQueue) continue;
    if (!resource.namespaceKnown) {
      unplaced.push(resource);
      continue;
    }
    const bucket = bucketOf(resource.namespace);
    if (template) {
      bucket.workloads.push(...templates);
      workloadsByKey.set(workloadKey(resource.namespace, resource.kind, resource.name), template);
    } else if (isNetworkPolicy) bucket.networkPolicies.push(resource);
    else if (isService) bucket.services.push(resource);
    else if (isQuota) bucket.resourceQuotas.push(resource);
    else if (isLocalQueue) bucket.localQueues.push(resource);
    else if (autoscaler) {
      bucket.autoscalers.push(autoscaler);
      if (autoscaler.targetName !== undefined) {
        const targetKey = workloadKey(resource.namespace, autoscaler.targetKind, autoscaler.targetName);
        const list = autoscalersByTarget.get(targetKey);
        if (list) list.push(autoscaler);
        else autoscalersByTarget.set(targetKey, [autoscaler]);
      }
    }
  }

  return {
    namespaces,
    unplaced,
    clusterQueues,
    namespaceLabels(namespace) {
      const labels = stringMap(namespaceObjects.get(namespace)?.metadata.labels);
      labels[NAMESPACE_NAME_LABEL] = namespace;
      return labels;
    },
    findWorkload(namespace, kind, name) {
      return workloadsByKey.get(workloadKey(namespace, kind, name));
    },
    autoscalersOf(workload) {
      const { namespace, kind, name } = workload.resource;
      return autoscalersByTarget.get(workloadKey(namespace, kind, name)) ?? [];
    },
  };
}
