/** NetworkPolicy parsing shared by network-policy-shape and network-policy-coverage. */

import type { K8sResource } from "./resource";
import { EVERYTHING, parseLabelSelector, type Selector } from "./selectors";
import { arr, hasUnknown, isUnknown, obj, show, str } from "./values";

/** The parts of a NetworkPolicy the policies read, with unknown values made explicit. */
export interface ParsedNetworkPolicy {
  readonly resource: K8sResource;
  /** spec.podSelector; a missing one is treated as {} (the API requires the field). */
  readonly podSelector: Selector;
  /** Whether policyTypes includes Ingress (default when unset: yes); undefined when unknown. */
  readonly ingressType: boolean | undefined;
  /** spec.ingress rules; undefined when unknown during preview. */
  readonly ingress: readonly unknown[] | undefined;
}

/** Parses a NetworkPolicy's podSelector, policyTypes and ingress rules. */
export function parseNetworkPolicy(resource: K8sResource): ParsedNetworkPolicy {
  const rawSpec = resource.object.spec;
  if (isUnknown(rawSpec)) {
    return { resource, podSelector: { type: "unknown" }, ingressType: undefined, ingress: undefined };
  }
  const spec = obj(rawSpec) ?? {};
  const rawPodSelector = spec.podSelector;
  const podSelector =
    rawPodSelector === undefined || rawPodSelector === null ? EVERYTHING : parseLabelSelector(rawPodSelector);
  const policyTypes = spec.policyTypes;
  let ingressType: boolean | undefined;
  if (policyTypes === undefined || policyTypes === null) ingressType = true;
  else if (hasUnknown(policyTypes)) ingressType = undefined;
  else ingressType = (arr(policyTypes) ?? []).includes("Ingress");
  const ingress = isUnknown(spec.ingress) ? undefined : (arr(spec.ingress) ?? []);
  return { resource, podSelector, ingressType, ingress };
}

/** A parsed NetworkPolicyPeer; `empty` has neither selector nor ipBlock (the API rejects it). */
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
export function parsePeer(value: unknown): Peer {
  if (hasUnknown(value)) return { kind: "unknown" };
  const peer = obj(value) ?? {};
  const ipBlock = obj(peer.ipBlock);
  if (ipBlock) {
    const except = (arr(ipBlock.except) ?? []).filter((cidr): cidr is string => typeof cidr === "string");
    return { kind: "ipBlock", cidr: str(ipBlock.cidr), except };
  }
  const has = (field: string): boolean => peer[field] !== undefined && peer[field] !== null;
  if (!has("podSelector") && !has("namespaceSelector")) return { kind: "empty" };
  return {
    kind: "pods",
    podSelector: has("podSelector") ? parseLabelSelector(peer.podSelector) : undefined,
    namespaceSelector: has("namespaceSelector") ? parseLabelSelector(peer.namespaceSelector) : undefined,
  };
}

/** "every port", or e.g. "ports http/TCP, 9090/TCP". */
export function describePorts(ports: unknown): string {
  const list = arr(ports) ?? [];
  if (list.length === 0) return "every port";
  const parts = list.map((rawPort) => {
    const rulePort = obj(rawPort) ?? {};
    const port =
      rulePort.port === undefined
        ? "any"
        : typeof rulePort.port === "string"
          ? rulePort.port
          : show(rulePort.port);
    const range = rulePort.endPort === undefined ? "" : `-${show(rulePort.endPort)}`;
    return `${port}${range}/${str(rulePort.protocol) ?? "TCP"}`;
  });
  return `port${parts.length > 1 ? "s" : ""} ${parts.join(", ")}`;
}
