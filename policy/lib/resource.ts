/**
 * One model for a Kubernetes object, whether it comes from CrossGuard (a Pulumi type such as
 * `kubernetes:apps/v1:Deployment` plus props) or from a YAML manifest (apiVersion/kind).
 */

import { isUnknown, obj, str, unwrapProxy, type Obj } from "./values";

/** The shape CrossGuard hands a stack policy, and what runPolicies() takes. */
export interface PackResource {
  readonly type: string;
  readonly props: Readonly<Record<string, unknown>>;
  readonly name: string;
  readonly urn: string;
}

/** A Kubernetes object with its identity worked out once: group, version, kind, namespace, name. */
export interface K8sResource {
  /** e.g. "apps" ("" for the core group). */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** metadata.name, or the Pulumi resource name when the object is auto-named. */
  readonly name: string;
  /** metadata.namespace; "default" when not set; "" for cluster-scoped kinds. */
  readonly namespace: string;
  /** False when metadata.namespace is unknown during preview. */
  readonly namespaceKnown: boolean;
  /**
   * The raw object (apiVersion, kind, metadata, spec, ...). Left mutable on purpose: in a
   * remediation it is the policy's private copy of the props, which the fix edits in place.
   */
  readonly object: Obj;
  readonly metadata: Readonly<Obj>;
  readonly urn: string;
  /** "Kind namespace/name" (or "Kind name" for cluster-scoped kinds), used in every message. */
  readonly ref: string;
}

/** The namespace of a namespaced object that does not set one. */
export const DEFAULT_NAMESPACE = "default";

/** Kinds without a namespace (the common ones; any other kind counts as namespaced). */
export const CLUSTER_SCOPED: ReadonlySet<string> = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "PriorityClass",
  "StorageClass",
  "RuntimeClass",
  "IngressClass",
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  // Kueue's cluster-scoped kinds (kueue.x-k8s.io).
  "ClusterQueue",
  "ResourceFlavor",
  "WorkloadPriorityClass",
  "Cohort",
]);

/** An API group ("" for core), version and kind. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** Parses `kubernetes:<group>/<version>:<Kind>`; undefined for any other provider's type. */
export function parsePulumiType(type: string): GroupVersionKind | undefined {
  const parts = type.split(":");
  if (parts.length !== 3 || parts[0] !== "kubernetes") return undefined;
  const groupVersion = parts[1] ?? "";
  const kind = parts[2] ?? "";
  const slash = groupVersion.lastIndexOf("/");
  if (slash < 0 || kind === "") return undefined;
  const group = groupVersion.slice(0, slash);
  return { group: group === "core" ? "" : group, version: groupVersion.slice(slash + 1), kind };
}

/** Parses an apiVersion such as "apps/v1" or "v1". */
export function parseApiVersion(apiVersion: string): Omit<GroupVersionKind, "kind"> {
  const slash = apiVersion.lastIndexOf("/");
  return slash < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The Pulumi type token for a group/version/kind, e.g. `kubernetes:core/v1:Pod`. */
export function pulumiTypeOf(groupVersionKind: GroupVersionKind): string {
  const { group, version, kind } = groupVersionKind;
  return `kubernetes:${group === "" ? "core" : group}/${version}:${kind}`;
}

/** "Kind namespace/name", or "Kind name" when the namespace is "" (cluster-scoped). */
export function formatRef(kind: string, namespace: string, name: string): string {
  return namespace === "" ? `${kind} ${name}` : `${kind} ${namespace}/${name}`;
}

const PARSED = Symbol("k8sResource");

interface Parsed {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly resource: K8sResource | undefined;
}

/**
 * The K8sResource for a CrossGuard resource, or undefined when it is not a Kubernetes object.
 * Results are cached per props object, so the policies of one run parse each resource once.
 */
export function fromPulumi(packResource: PackResource): K8sResource | undefined {
  const { type, name, urn } = packResource;
  const props = unwrapProxy(packResource.props);
  if (!obj(props)) return undefined;
  const holder = props as Record<symbol, Parsed | undefined>;
  const cached = holder[PARSED];
  if (cached && cached.type === type && cached.name === name && cached.urn === urn) return cached.resource;
  const groupVersionKind = parsePulumiType(type);
  const resource = groupVersionKind ? build(groupVersionKind, props as Obj, name, urn) : undefined;
  if (Object.isExtensible(props)) {
    const value: Parsed = { type, name, urn, resource };
    Object.defineProperty(props, PARSED, { value, enumerable: false, writable: true, configurable: true });
  }
  return resource;
}

function build(
  groupVersionKind: GroupVersionKind,
  object: Obj,
  fallbackName: string,
  urn: string,
): K8sResource {
  const metadata = obj(object.metadata) ?? {};
  const name = str(metadata.name) ?? (fallbackName === "" ? "<unnamed>" : fallbackName);
  let namespace = "";
  let namespaceKnown = true;
  if (!CLUSTER_SCOPED.has(groupVersionKind.kind)) {
    const rawNamespace = metadata.namespace;
    if (isUnknown(rawNamespace)) {
      namespace = "<unknown>";
      namespaceKnown = false;
    } else {
      namespace = str(rawNamespace) ?? DEFAULT_NAMESPACE;
      if (namespace === "") namespace = DEFAULT_NAMESPACE;
    }
  }
  return {
    ...groupVersionKind,
    name,
    namespace,
    namespaceKnown,
    object,
    metadata,
    urn,
    ref: formatRef(groupVersionKind.kind, namespace, name),
  };
}
