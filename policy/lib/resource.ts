// One model for a Kubernetes object, whether it comes from CrossGuard (a Pulumi type such as
// `kubernetes:apps/v1:Deployment` plus props) or from a YAML manifest (apiVersion/kind).

import { isUnknown, obj, str, unwrapProxy, type Obj } from "./values";

/** The shape CrossGuard hands a stack policy, and what runPolicies() takes. */
export interface PackResource {
  readonly type: string;
  readonly props: Readonly<Record<string, unknown>>;
  readonly name: string;
  readonly urn: string;
}

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

export const DEFAULT_NAMESPACE = "default";

const CLUSTER_SCOPED: ReadonlySet<string> = new Set([
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
]);

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** Parses `kubernetes:<group>/<version>:<Kind>`; undefined for any other provider's type. */
export function parsePulumiType(type: string): GroupVersionKind | undefined {
  const parts = type.split(":");
  if (parts.length !== 3 || parts[0] !== "kubernetes") return undefined;
  const gv = parts[1] ?? "";
  const kind = parts[2] ?? "";
  const slash = gv.lastIndexOf("/");
  if (slash < 0 || kind === "") return undefined;
  const group = gv.slice(0, slash);
  return { group: group === "core" ? "" : group, version: gv.slice(slash + 1), kind };
}

/** Parses an apiVersion such as "apps/v1" or "v1". */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf("/");
  return slash < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The Pulumi type token for a group/version/kind, e.g. `kubernetes:core/v1:Pod`. */
export function pulumiTypeOf(gvk: GroupVersionKind): string {
  return `kubernetes:${gvk.group === "" ? "core" : gvk.group}/${gvk.version}:${gvk.kind}`;
}

export function formatRef(kind: string, namespace: string, name: string): string {
  return namespace === "" ? `${kind} ${name}` : `${kind} ${namespace}/${name}`;
}

const PARSED = Symbol("k8sResource");

interface Parsed {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly res: K8sResource | undefined;
}

/**
 * The K8sResource for a CrossGuard resource, or undefined when it is not a Kubernetes object.
 * Results are cached per props object, so the policies of one run parse each resource once.
 */
export function fromPulumi(r: PackResource): K8sResource | undefined {
  const props = unwrapProxy(r.props);
  if (!obj(props)) return undefined;
  const holder = props as Record<symbol, Parsed | undefined>;
  const hit = holder[PARSED];
  if (hit && hit.type === r.type && hit.name === r.name && hit.urn === r.urn) return hit.res;
  const gvk = parsePulumiType(r.type);
  const res = gvk ? build(gvk, props as Obj, r.name, r.urn) : undefined;
  if (Object.isExtensible(props)) {
    const value: Parsed = { type: r.type, name: r.name, urn: r.urn, res };
    Object.defineProperty(props, PARSED, { value, enumerable: false, writable: true, configurable: true });
  }
  return res;
}

function build(gvk: GroupVersionKind, object: Obj, fallbackName: string, urn: string): K8sResource {
  const metadata = obj(object.metadata) ?? {};
  const name = str(metadata.name) ?? (fallbackName === "" ? "<unnamed>" : fallbackName);
  let namespace = "";
  let namespaceKnown = true;
  if (!CLUSTER_SCOPED.has(gvk.kind)) {
    const ns = metadata.namespace;
    if (isUnknown(ns)) {
      namespace = "<unknown>";
      namespaceKnown = false;
    } else {
      namespace = str(ns) ?? DEFAULT_NAMESPACE;
      if (namespace === "") namespace = DEFAULT_NAMESPACE;
    }
  }
  return {
    ...gvk,
    name,
    namespace,
    namespaceKnown,
    object,
    metadata,
    urn,
    ref: formatRef(gvk.kind, namespace, name),
  };
}
