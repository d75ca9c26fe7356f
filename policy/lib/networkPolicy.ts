// NetworkPolicy parsing shared by network-policy-shape and network-policy-coverage.

import type { K8sResource } from "./resource";
import { EVERYTHING, parseLabelSelector, type Selector } from "./selectors";
import { arr, hasUnknown, isUnknown, obj, show, str } from "./values";

export interface ParsedNetworkPolicy {
  readonly resource: K8sResource;
  /** spec.podSelector; a missing one is treated as {} (the API requires the field). */
  readonly podSelector: Selector;
  /** Whether policyTypes includes Ingress (default when unset: yes); undefined when unknown. */
  readonly ingressType: boolean | undefined;
  /** spec.ingress rules; undefined when unknown during preview. */
  readonly ingress: readonly unknown[] | undefined;
}

export function parseNetworkPolicy(res: K8sResource): ParsedNetworkPolicy {
  const specRaw = res.object.spec;
  if (isUnknown(specRaw)) {
    return { resource: res, podSelector: { type: "unknown" }, ingressType: undefined, ingress: undefined };
  }
  const spec = obj(specRaw) ?? {};
  const ps = spec.podSelector;
  const podSelector = ps === undefined || ps === null ? EVERYTHING : parseLabelSelector(ps);
  const pt = spec.policyTypes;
  let ingressType: boolean | undefined;
  if (pt === undefined || pt === null) ingressType = true;
  else if (hasUnknown(pt)) ingressType = undefined;
  else ingressType = (arr(pt) ?? []).includes("Ingress");
  const ingress = isUnknown(spec.ingress) ? undefined : (arr(spec.ingress) ?? []);
  return { resource: res, podSelector, ingressType, ingress };
}

export type Peer =
  | { readonly kind: "ipBlock"; readonly cidr: string | undefined; readonly except: readonly string[] }
  | {
      readonly kind: "pods";
      readonly podSelector: Selector | undefined;
      readonly namespaceSelector: Selector | undefined;
    }
  | { readonly kind: "empty" }
  | { readonly kind: "unknown" };

/** A NetworkPolicyPeer: an ipBlock, or pods chosen by podSelector and/or namespaceSelector. */
export function parsePeer(v: unknown): Peer {
  if (hasUnknown(v)) return { kind: "unknown" };
  const p = obj(v) ?? {};
  const ib = obj(p.ipBlock);
  if (ib) {
    const except = (arr(ib.except) ?? []).filter((x): x is string => typeof x === "string");
    return { kind: "ipBlock", cidr: str(ib.cidr), except };
  }
  const has = (k: string): boolean => p[k] !== undefined && p[k] !== null;
  if (!has("podSelector") && !has("namespaceSelector")) return { kind: "empty" };
  return {
    kind: "pods",
    podSelector: has("podSelector") ? parseLabelSelector(p.podSelector) : undefined,
    namespaceSelector: has("namespaceSelector") ? parseLabelSelector(p.namespaceSelector) : undefined,
  };
}

/** "every port", or e.g. "ports http/TCP, 9090/TCP". */
export function describePorts(ports: unknown): string {
  const list = arr(ports) ?? [];
  if (list.length === 0) return "every port";
  const parts = list.map((p) => {
    const o = obj(p) ?? {};
    const port = o.port === undefined ? "any" : typeof o.port === "string" ? o.port : show(o.port);
    const range = o.endPort === undefined ? "" : `-${show(o.endPort)}`;
    return `${port}${range}/${str(o.protocol) ?? "TCP"}`;
  });
  return `port${parts.length > 1 ? "s" : ""} ${parts.join(", ")}`;
}
