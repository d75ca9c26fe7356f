// Resources of a stack indexed by namespace and kind, so stack policies run in linear time.

import { NAMESPACE_NAME_LABEL } from "../../conventions/labels";
import { autoscalerOf, type Autoscaler } from "./autoscalers";
import { podTemplateOf, type PodTemplate } from "./podTemplate";
import type { K8sResource } from "./resource";
import { str, stringMap } from "./values";

export interface NamespaceBucket {
  readonly name: string;
  /** Resources with a pod template (Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob). */
  readonly workloads: readonly PodTemplate[];
  readonly networkPolicies: readonly K8sResource[];
  readonly services: readonly K8sResource[];
  readonly resourceQuotas: readonly K8sResource[];
  /** HorizontalPodAutoscalers and KEDA ScaledObjects. */
  readonly autoscalers: readonly Autoscaler[];
}

/** A NamespaceBucket while the index is being built: the same fields, with lists still growing. */
interface BucketBuilder {
  readonly name: string;
  readonly workloads: PodTemplate[];
  readonly networkPolicies: K8sResource[];
  readonly services: K8sResource[];
  readonly resourceQuotas: K8sResource[];
  readonly autoscalers: Autoscaler[];
}

export interface StackIndex {
  /** Buckets by namespace name, in first-seen order. */
  readonly namespaces: ReadonlyMap<string, NamespaceBucket>;
  /** Namespaced resources whose namespace is unknown during preview (they cannot be placed). */
  readonly unplaced: readonly K8sResource[];
  /** A namespace's labels: its Namespace object's labels (if in the stack) plus kubernetes.io/metadata.name. */
  namespaceLabels(ns: string): Readonly<Record<string, string>>;
  /** The workload `kind` `name` in namespace `ns`. */
  findWorkload(ns: string, kind: string, name: string): PodTemplate | undefined;
  /** The autoscalers whose scaleTargetRef names this workload. */
  autoscalersOf(workload: PodTemplate): readonly Autoscaler[];
}

function isKind(res: K8sResource, group: string, kind: string): boolean {
  return res.group === group && res.kind === kind;
}

export function buildStackIndex(resources: Iterable<K8sResource>): StackIndex {
  const namespaces = new Map<string, BucketBuilder>();
  const namespaceObjects = new Map<string, K8sResource>();
  const unplaced: K8sResource[] = [];
  const workloadsByKey = new Map<string, PodTemplate>();
  const autoscalersByTarget = new Map<string, Autoscaler[]>();

  const bucket = (ns: string): BucketBuilder => {
    let b = namespaces.get(ns);
    if (!b) {
      b = { name: ns, workloads: [], networkPolicies: [], services: [], resourceQuotas: [], autoscalers: [] };
      namespaces.set(ns, b);
    }
    return b;
  };
  const key = (ns: string, kind: string, name: string): string => `${ns}\u0000${kind}\u0000${name}`;

  // The same object defined twice (e.g. in two manifest files): the last definition wins, as with
  // `kubectl apply`; it keeps the position of the first.
  const unique = new Map<string | K8sResource, K8sResource>();
  for (const res of resources) {
    const name = str(res.metadata.name);
    unique.set(name === undefined ? res : `${res.group}/${res.kind}/${res.namespace}/${name}`, res);
  }

  for (const res of unique.values()) {
    if (isKind(res, "", "Namespace")) {
      namespaceObjects.set(res.name, res);
      continue;
    }
    if (res.namespace === "") continue; // other cluster-scoped kinds play no part here
    const t = podTemplateOf(res);
    const isNetpol = isKind(res, "networking.k8s.io", "NetworkPolicy");
    const isService = isKind(res, "", "Service");
    const isQuota = isKind(res, "", "ResourceQuota");
    const scaler = t ? undefined : autoscalerOf(res);
    if (!t && !isNetpol && !isService && !isQuota && !scaler) continue;
    if (!res.namespaceKnown) {
      unplaced.push(res);
      continue;
    }
    const b = bucket(res.namespace);
    if (t) {
      b.workloads.push(t);
      workloadsByKey.set(key(res.namespace, res.kind, res.name), t);
    } else if (isNetpol) b.networkPolicies.push(res);
    else if (isService) b.services.push(res);
    else if (isQuota) b.resourceQuotas.push(res);
    else if (scaler) {
      b.autoscalers.push(scaler);
      if (scaler.targetName !== undefined) {
        const k = key(res.namespace, scaler.targetKind, scaler.targetName);
        const list = autoscalersByTarget.get(k);
        if (list) list.push(scaler);
        else autoscalersByTarget.set(k, [scaler]);
      }
    }
  }

  return {
    namespaces,
    unplaced,
    namespaceLabels(ns) {
      const labels = stringMap(namespaceObjects.get(ns)?.metadata.labels);
      labels[NAMESPACE_NAME_LABEL] = ns;
      return labels;
    },
    findWorkload(ns, kind, name) {
      return workloadsByKey.get(key(ns, kind, name));
    },
    autoscalersOf(w) {
      return autoscalersByTarget.get(key(w.resource.namespace, w.resource.kind, w.resource.name)) ?? [];
    },
  };
}
