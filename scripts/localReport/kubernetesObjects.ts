// The fields of the Kubernetes objects the local report reads, as `kubectl get -o json` prints
// them. Only what the report uses; everything optional that the API server may leave out.

/** Name and labels of any object. */
export interface ObjectMeta {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** A status condition: `status` is "True", "False" or "Unknown". */
export interface Condition {
  readonly type: string;
  readonly status: string;
}

/** Quantities by resource name, as strings ("1", "500m"). */
export type ResourceList = Readonly<Record<string, string>>;

export interface Node {
  readonly metadata: ObjectMeta;
  readonly status?: { readonly allocatable?: ResourceList };
}

export interface Deployment {
  readonly kind: "Deployment";
  readonly metadata: ObjectMeta;
  readonly spec: { readonly replicas?: number };
  readonly status?: { readonly readyReplicas?: number; readonly conditions?: readonly Condition[] };
}

export interface StatefulSet {
  readonly kind: "StatefulSet";
  readonly metadata: ObjectMeta;
  readonly spec: { readonly replicas?: number };
  readonly status?: { readonly readyReplicas?: number; readonly conditions?: readonly Condition[] };
}

export interface Job {
  readonly kind: "Job";
  readonly metadata: ObjectMeta;
  readonly spec: { readonly completions?: number };
  readonly status?: { readonly succeeded?: number; readonly conditions?: readonly Condition[] };
}

export interface Container {
  readonly resources?: { readonly requests?: ResourceList };
}

export interface Pod {
  readonly kind: "Pod";
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly nodeName?: string;
    readonly containers?: readonly Container[];
    readonly initContainers?: readonly Container[];
  };
  readonly status?: { readonly phase?: string };
}

export interface ResourceQuota {
  readonly kind: "ResourceQuota";
  readonly metadata: ObjectMeta;
  readonly status?: { readonly hard?: ResourceList; readonly used?: ResourceList };
}

export interface HorizontalPodAutoscaler {
  readonly kind: "HorizontalPodAutoscaler";
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly scaleTargetRef: { readonly name: string };
    readonly minReplicas?: number;
    readonly maxReplicas: number;
  };
}

/** The namespaced objects the report asks kubectl for, in one list. */
export type NamespacedObject = Deployment | StatefulSet | Job | Pod | ResourceQuota | HorizontalPodAutoscaler;

/** An MLWorkflow (ai.example.com), the project's custom resource for a training-to-serving run. */
export interface MLWorkflow {
  readonly metadata: ObjectMeta;
  readonly spec: { readonly modelName?: string; readonly gpus?: number };
}

/** The objects of `kind` in the list, typed as that kind. */
export function objectsOfKind<Kind extends NamespacedObject["kind"]>(
  objects: readonly NamespacedObject[],
  kind: Kind,
): Extract<NamespacedObject, { kind: Kind }>[] {
  return objects.filter(
    (object): object is Extract<NamespacedObject, { kind: Kind }> => object.kind === kind,
  );
}

/** True when the object's condition `type` is "True". */
export function hasCondition(
  object: { readonly status?: { readonly conditions?: readonly Condition[] } },
  type: string,
): boolean {
  return (object.status?.conditions ?? []).find((condition) => condition.type === type)?.status === "True";
}
