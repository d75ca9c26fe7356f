/**
 * The ingress sources allowed to reach model servers, and the test "does this NetworkPolicy peer
 * admit only pods (or addresses) that an allowed source covers?".
 *
 * A source names a set of peers:
 *   podSelector        pods whose labels match it (absent: any pod),
 *   namespaceSelector  in namespaces whose labels match it (absent: the NetworkPolicy's own namespace),
 *   ipBlock            or addresses inside this CIDR (a source with ipBlock admits only ipBlock peers),
 *   ports              optionally only on these ports (names or numbers; absent: any port).
 * A peer is within a source when everything the peer admits is admitted by the source:
 *   - namespaces: a peer without namespaceSelector means the policy's namespace, which must match the
 *     source (same namespace, or its labels match the source's namespaceSelector); a peer with a
 *     namespaceSelector must imply the source's namespaceSelector (see selectors.implies), or pin
 *     kubernetes.io/metadata.name to namespaces whose labels all match it;
 *   - pods: the peer's podSelector (absent or {}: every pod) must imply the source's podSelector;
 *   - ipBlock: the peer's CIDR must lie inside the source's CIDR;
 *   - ports: when the source lists ports, the rule must list ports and each must be one of them (a
 *     number matches a name when every selected model server declares that containerPort under it);
 *     a source's `metrics` port means each server's metrics port, which METRICS_PORT_LABEL renames
 *     for servers that serve metrics on another port (vLLM and TGI on `http`).
 */

import { cidrContains, parseCidr } from "../../conventions/cidr";
import {
  API_GATEWAY_LABELS,
  METRICS_PORT_LABEL,
  MONITORING_NAMESPACE,
  NAMESPACE_NAME_LABEL,
  ServingPorts,
} from "../../conventions/labels";
import type { JsonSchema } from "./jsonSchema";
import { namedContainerPort } from "./modelServer";
import type { Peer } from "./networkPolicy";
import type { PodTemplate } from "./podTemplate";
import {
  describeSelector,
  EVERYTHING,
  implies,
  labelSelectorSchema,
  matchesLabels,
  parseLabelSelector,
  type Selector,
} from "./selectors";
import { arr, num, obj } from "./values";

/** One allowed ingress source of model servers, as written in the network-policy-coverage config. */
export interface IngressSource {
  /** A name for messages, e.g. "api-gateway". */
  readonly name: string;
  readonly podSelector?: Readonly<Record<string, unknown>>;
  readonly namespaceSelector?: Readonly<Record<string, unknown>>;
  readonly ipBlock?: string;
  readonly ports?: readonly (string | number)[];
}

/** The API gateway's pods in the policy's namespace (any port); the monitoring namespace (metrics port). */
export const DEFAULT_INGRESS_SOURCES: readonly IngressSource[] = [
  { name: "api-gateway", podSelector: { matchLabels: { ...API_GATEWAY_LABELS } } },
  {
    name: MONITORING_NAMESPACE,
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: MONITORING_NAMESPACE } },
    ports: [ServingPorts.metrics],
  },
];

/** The configSchema of allowedIngressSources. */
export const ingressSourcesSchema: JsonSchema = {
  type: "array",
  description:
    "Peers that may send ingress to model servers. Each: name, and podSelector / namespaceSelector (LabelSelectors) or ipBlock (CIDR), optionally ports.",
  items: {
    type: "object",
    properties: {
      name: { type: "string", minLength: 1 },
      podSelector: labelSelectorSchema,
      namespaceSelector: labelSelectorSchema,
      ipBlock: { type: "string", pattern: "^[0-9a-fA-F:.]+/[0-9]{1,3}$" },
      ports: { type: "array", items: { type: ["string", "integer"] }, minItems: 1 },
    },
    required: ["name"],
    additionalProperties: false,
  },
};

/** What deciding whether a peer lies within a source needs to know about the NetworkPolicy. */
export interface PeerContext {
  /** The NetworkPolicy's namespace. */
  readonly namespace: string;
  /** A namespace's labels (see StackIndex.namespaceLabels). */
  namespaceLabels(namespace: string): Readonly<Record<string, string>>;
  /** The model servers the NetworkPolicy selects (for resolving named ports). */
  readonly modelServers: readonly PodTemplate[];
}

function namespaceWithin(
  peerNamespaces: Selector | undefined,
  source: IngressSource,
  context: PeerContext,
): boolean {
  const nameIs = (names: readonly string[]): Selector => ({
    type: "requirements",
    requirements: [{ key: NAMESPACE_NAME_LABEL, operator: "In", values: names }],
  });
  if (source.namespaceSelector === undefined) {
    return peerNamespaces === undefined || implies(peerNamespaces, nameIs([context.namespace]));
  }
  const sourceNamespaces = parseLabelSelector(source.namespaceSelector);
  if (peerNamespaces === undefined) {
    return matchesLabels(sourceNamespaces, context.namespaceLabels(context.namespace));
  }
  if (implies(peerNamespaces, sourceNamespaces)) return true;
  // A peer that pins namespaces by name is within the source when each named namespace matches it.
  if (peerNamespaces.type !== "requirements") return false;
  const pin = peerNamespaces.requirements.find(
    (requirement) => requirement.key === NAMESPACE_NAME_LABEL && requirement.operator === "In",
  );
  return (
    pin !== undefined &&
    pin.values.every((namespace) => matchesLabels(sourceNamespaces, context.namespaceLabels(namespace)))
  );
}

/** The name of a model server's metrics port: METRICS_PORT_LABEL's value, else `metrics`. */
export function metricsPortName(server: PodTemplate): string {
  return server.labels[METRICS_PORT_LABEL] ?? ServingPorts.metrics;
}

/** True when the port is, on every selected server, the port that server serves metrics on. */
function isServersMetricsPort(port: string | number, servers: readonly PodTemplate[]): boolean {
  return servers.every((server) =>
    typeof port === "string"
      ? metricsPortName(server) === port
      : namedContainerPort(server, metricsPortName(server)) === port,
  );
}

function portAllowed(
  port: unknown,
  allowed: readonly (string | number)[],
  servers: readonly PodTemplate[],
): boolean {
  if (typeof port !== "string" && typeof port !== "number") return false;
  if (allowed.includes(port)) return true;
  if (servers.length === 0) return false;
  if (allowed.includes(ServingPorts.metrics) && isServersMetricsPort(port, servers)) return true;
  return allowed.some((allowedPort) => {
    if (typeof port === "number" && typeof allowedPort === "string") {
      return servers.every((server) => namedContainerPort(server, allowedPort) === port);
    }
    if (typeof port === "string" && typeof allowedPort === "number") {
      return servers.every((server) => namedContainerPort(server, port) === allowedPort);
    }
    return false;
  });
}

/** True when every port the rule opens is one of the source's ports (or the source allows any port). */
export function portsWithin(
  rulePorts: unknown,
  source: IngressSource,
  servers: readonly PodTemplate[],
): boolean {
  const allowed = source.ports;
  if (allowed === undefined) return true;
  const list = arr(rulePorts) ?? [];
  if (list.length === 0) return false;
  return list.every((rawPort) => {
    const rulePort = obj(rawPort) ?? {};
    const endPort = num(rulePort.endPort);
    const start = rulePort.port;
    if (endPort !== undefined) {
      if (typeof start !== "number" || endPort < start || endPort - start > 65535) return false;
      for (let port = start; port <= endPort; port++) {
        if (!portAllowed(port, allowed, servers)) return false;
      }
      return true;
    }
    return portAllowed(start, allowed, servers);
  });
}

/** True when everything the peer admits lies within the source (ports not considered). */
export function peerWithin(peer: Peer, source: IngressSource, context: PeerContext): boolean {
  if (peer.kind === "ipBlock") {
    if (source.ipBlock === undefined || peer.cidr === undefined) return false;
    const outer = parseCidr(source.ipBlock);
    const inner = parseCidr(peer.cidr);
    return outer !== undefined && inner !== undefined && cidrContains(outer, inner);
  }
  if (peer.kind !== "pods") return false;
  if (
    source.ipBlock !== undefined &&
    source.podSelector === undefined &&
    source.namespaceSelector === undefined
  ) {
    return false;
  }
  if (!namespaceWithin(peer.namespaceSelector, source, context)) return false;
  if (source.podSelector === undefined) return true;
  return implies(peer.podSelector ?? EVERYTHING, parseLabelSelector(source.podSelector));
}

/** A source for messages, e.g. `api-gateway (pods app=api-gateway in the same namespace)`. */
export function describeSource(source: IngressSource): string {
  const parts: string[] = [];
  if (source.podSelector !== undefined) {
    parts.push(`pods ${describeSelector(parseLabelSelector(source.podSelector))}`);
  }
  if (source.namespaceSelector !== undefined) {
    parts.push(`namespaces ${describeSelector(parseLabelSelector(source.namespaceSelector))}`);
  } else if (source.ipBlock === undefined) parts.push("in the same namespace");
  if (source.ipBlock !== undefined) parts.push(`ipBlock ${source.ipBlock}`);
  if (source.ports !== undefined) parts.push(`on ports ${source.ports.join(", ")}`);
  return `${source.name} (${parts.join(" ")})`;
}

/** A parsed peer for messages; `raw` is the peer as written, shown when it is empty. */
export function describePeer(peer: Peer, raw: unknown): string {
  switch (peer.kind) {
    case "ipBlock":
      return `ipBlock ${peer.cidr ?? "?"}${peer.except.length ? ` except ${peer.except.join(", ")}` : ""}`;
    case "pods": {
      const parts: string[] = [];
      parts.push(`pods ${peer.podSelector ? describeSelector(peer.podSelector) : "(all)"}`);
      parts.push(
        peer.namespaceSelector
          ? `in namespaces ${describeSelector(peer.namespaceSelector)}`
          : "in the same namespace",
      );
      return parts.join(" ");
    }
    case "empty":
      return `an empty peer ${JSON.stringify(raw)}`;
    case "unknown":
      return "a peer unknown during preview";
  }
}
