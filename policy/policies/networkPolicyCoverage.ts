import {
  DEFAULT_INGRESS_SOURCES,
  describePeer,
  describeSource,
  ingressSourcesSchema,
  peerWithin,
  portsWithin,
  type IngressSource,
  type PeerContext,
} from "../lib/ingressSources";
import {
  DEFAULT_MODEL_SERVER_LABEL,
  isModelServer,
  modelServerLabelSchema,
  type LabelRef,
} from "../lib/modelServer";
import { describePorts, parseNetworkPolicy, parsePeer, type ParsedNetworkPolicy } from "../lib/networkPolicy";
import { fieldPath } from "../lib/paths";
import type { PodTemplate } from "../lib/podTemplate";
import { defineStackPolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import { describeLabels, SelectorIndex } from "../lib/selectors";
import type { NamespaceBucket, StackIndex } from "../lib/stackIndex";
import { arr, hasUnknown, isUnknown, obj } from "../lib/values";

export interface NetworkPolicyCoverageConfig {
  readonly modelServerLabel: LabelRef;
  readonly allowedIngressSources: readonly IngressSource[];
  /** Namespaces whose workloads need no NetworkPolicy. */
  readonly exemptNamespaces: readonly string[];
}

export const networkPolicyCoverageMeta: PolicyMeta<NetworkPolicyCoverageConfig> = {
  name: "network-policy-coverage",
  description:
    "Every pod-template workload is selected by a NetworkPolicy of its namespace whose policyTypes include Ingress, and model servers admit ingress only from the allowed sources.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Add a default-deny NetworkPolicy (podSelector {}, policyTypes [Ingress, Egress]) per namespace, and allow rules for model servers that admit only the configured sources.",
  defaults: {
    modelServerLabel: DEFAULT_MODEL_SERVER_LABEL,
    allowedIngressSources: DEFAULT_INGRESS_SOURCES,
    exemptNamespaces: [],
  },
  properties: {
    modelServerLabel: modelServerLabelSchema,
    allowedIngressSources: ingressSourcesSchema,
    exemptNamespaces: {
      type: "array",
      items: { type: "string", minLength: 1 },
      uniqueItems: true,
      description: "Namespaces this policy skips.",
    },
  },
};

function checkNamespace(
  bucket: NamespaceBucket,
  index: StackIndex,
  cfg: NetworkPolicyCoverageConfig,
  out: Finding[],
): void {
  const ns = bucket.name;
  const parsed = bucket.networkPolicies.map(parseNetworkPolicy);
  // If a policy's selector or types are unknown during preview, "not covered" cannot be decided here.
  const undecided = parsed.some((p) => p.podSelector.type === "unknown" || p.ingressType === undefined);
  const ingressIndex = new SelectorIndex<ParsedNetworkPolicy>();
  for (const p of parsed) if (p.ingressType === true) ingressIndex.add(p.podSelector, p);

  const serversByPolicy = new Map<ParsedNetworkPolicy, PodTemplate[]>();
  for (const w of bucket.workloads) {
    if (w.labelsUnknown) continue;
    const selecting = ingressIndex.matching(w.labels);
    if (selecting.length === 0) {
      if (undecided) continue;
      const names = parsed.map((p) => p.resource.name);
      const existing =
        names.length === 0
          ? "no NetworkPolicy in the namespace"
          : `${names.length} NetworkPolicies in the namespace (${names.slice(0, 3).join(", ")}${names.length > 3 ? ", ..." : ""}), none with Ingress selects these labels`;
      out.push(
        violation({
          resource: w.resource.ref,
          problem: `no NetworkPolicy with policyTypes Ingress selects this workload in namespace ${ns}`,
          path: w.labelsPath,
          found: `labels ${describeLabels(w.labels)}; ${existing}`,
          fix: `add a default-deny NetworkPolicy to ${ns} (podSelector {}, policyTypes [Ingress, Egress]) and allow rules for the traffic the workload needs`,
          urn: w.resource.urn,
        }),
      );
      continue;
    }
    if (!isModelServer(w, cfg.modelServerLabel)) continue;
    for (const p of selecting) {
      const list = serversByPolicy.get(p);
      if (list) list.push(w);
      else serversByPolicy.set(p, [w]);
    }
  }

  const sources = cfg.allowedIngressSources;
  const allowedText = sources.map(describeSource).join("; ");
  for (const [np, servers] of serversByPolicy) {
    if (np.ingress === undefined) continue;
    const ctx: PeerContext = {
      namespace: ns,
      namespaceLabels: (n) => index.namespaceLabels(n),
      modelServers: servers,
    };
    const serverText = servers.map((s) => s.resource.ref).join(", ");
    np.ingress.forEach((rawRule, i) => {
      if (isUnknown(rawRule)) return;
      const rule = obj(rawRule) ?? {};
      if (isUnknown(rule.from) || hasUnknown(rule.ports)) return;
      const from = arr(rule.from) ?? [];
      const fromPath = fieldPath("spec.ingress", i, "from");
      const ports = describePorts(rule.ports);
      if (from.length === 0) {
        out.push(
          violation({
            resource: np.resource.ref,
            problem: `ingress rule ${i} admits every source to model servers ${serverText}`,
            path: fromPath,
            found: `${rule.from === undefined ? "from not set" : "from: []"} on ${ports}`,
            fix: `admit only the allowed sources: ${allowedText}`,
            urn: np.resource.urn,
          }),
        );
        return;
      }
      from.forEach((rawPeer, j) => {
        const peer = parsePeer(rawPeer);
        if (peer.kind === "unknown") return;
        const ok = sources.some((s) => peerWithin(peer, s, ctx) && portsWithin(rule.ports, s, servers));
        if (ok) return;
        out.push(
          violation({
            resource: np.resource.ref,
            problem: `ingress rule ${i} admits a source outside the allowed list to model servers ${serverText}`,
            path: fieldPath(fromPath, j),
            found: `${describePeer(peer, rawPeer)} on ${ports}`,
            fix: `admit only the allowed sources: ${allowedText} (or add the source to allowedIngressSources in the network-policy-coverage config)`,
            urn: np.resource.urn,
          }),
        );
      });
    });
  }
}

export function checkNetworkPolicyCoverage(index: StackIndex, cfg: NetworkPolicyCoverageConfig): Finding[] {
  const out: Finding[] = [];
  for (const bucket of index.namespaces.values()) {
    if (cfg.exemptNamespaces.includes(bucket.name) || bucket.workloads.length === 0) continue;
    checkNamespace(bucket, index, cfg, out);
  }
  return out;
}

export const networkPolicyCoverage = defineStackPolicy(networkPolicyCoverageMeta, checkNetworkPolicyCoverage);
