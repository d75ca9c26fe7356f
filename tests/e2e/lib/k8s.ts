/** The few fields of Kubernetes objects the end-to-end tests read. */

export interface Metadata {
  readonly name: string;
  readonly namespace?: string;
  readonly uid: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly deletionTimestamp?: string;
  readonly ownerReferences?: readonly { readonly kind: string; readonly name: string }[];
}

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
}

export interface KObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: Metadata;
}

export interface Node extends KObject {
  readonly status: {
    readonly allocatable?: Readonly<Record<string, string>>;
    readonly conditions?: readonly Condition[];
  };
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly fieldRef?: { readonly fieldPath: string } };
}

export interface Container {
  readonly name: string;
  readonly env?: readonly EnvVar[];
  readonly restartPolicy?: string;
  readonly startupProbe?: unknown;
  readonly resources?: {
    readonly requests?: Readonly<Record<string, string>>;
    readonly limits?: Readonly<Record<string, string>>;
  };
}

export interface ContainerStatus {
  readonly name: string;
  readonly ready: boolean;
  readonly started?: boolean;
}

export interface Pod extends KObject {
  readonly spec: {
    readonly nodeName?: string;
    readonly containers: readonly Container[];
    readonly initContainers?: readonly Container[];
  };
  readonly status: {
    readonly phase: string;
    readonly conditions?: readonly Condition[];
    readonly containerStatuses?: readonly ContainerStatus[];
    readonly initContainerStatuses?: readonly ContainerStatus[];
  };
}

export interface Deployment extends KObject {
  readonly spec: { readonly replicas: number };
  readonly status: {
    readonly readyReplicas?: number;
    readonly availableReplicas?: number;
    readonly updatedReplicas?: number;
    readonly replicas?: number;
    readonly conditions?: readonly Condition[];
  };
}

export interface StatefulSet extends KObject {
  readonly spec: { readonly replicas: number };
  readonly status: { readonly readyReplicas?: number; readonly replicas?: number };
}

export interface Job extends KObject {
  readonly spec: { readonly completions: number; readonly parallelism: number };
  readonly status: {
    readonly succeeded?: number;
    readonly failed?: number;
    readonly completedIndexes?: string;
    readonly conditions?: readonly Condition[];
  };
}

export interface ResourceQuota extends KObject {
  readonly spec: { readonly hard: Readonly<Record<string, string>> };
  readonly status: {
    readonly hard?: Readonly<Record<string, string>>;
    readonly used?: Readonly<Record<string, string>>;
  };
}

export interface NetworkPolicy extends KObject {
  readonly spec: {
    readonly podSelector: { readonly matchLabels?: Readonly<Record<string, string>> };
    readonly policyTypes?: readonly string[];
    readonly ingress?: readonly unknown[];
    readonly egress?: readonly unknown[];
  };
}

export interface CustomResourceDefinition extends KObject {
  readonly status: { readonly conditions?: readonly Condition[] };
}

export interface PersistentVolumeClaim extends KObject {
  readonly status: { readonly phase: string };
}

export interface Namespace extends KObject {
  readonly status: { readonly phase: string };
}

/** True when the object has the condition with status "True". */
export function hasCondition(
  object: { readonly status: { readonly conditions?: readonly Condition[] } },
  type: string,
): boolean {
  return (object.status.conditions ?? []).some((c) => c.type === type && c.status === "True");
}

export const GPU_RESOURCE = "nvidia.com/gpu";
export const GPU_PRODUCT_LABEL = "nvidia.com/gpu.product";
export const PART_OF_SELECTOR = "app.kubernetes.io/part-of=k8s-ml-patterns";

/** GPUs a pod requests (containers and native sidecars; the tests' pods have no classic init GPUs). */
export function podGpus(pod: Pod): number {
  return [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]
    .map((c) => Number(c.resources?.requests?.[GPU_RESOURCE] ?? "0"))
    .reduce((a, b) => a + b, 0);
}

/** Pods that exist and are not being deleted. */
export function live<T extends KObject>(objects: readonly T[]): T[] {
  return objects.filter((o) => o.metadata.deletionTimestamp === undefined);
}
