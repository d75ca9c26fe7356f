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
  DEFAULT_MODEL_SERVER_SELECTORS,
  modelServerSelectorsSchema,
  type LabelSelectorConfig,
} from "../lib/modelServer";
import { describePorts, parseNetworkPolicy, parsePeer, type ParsedNetworkPolicy } from "../lib/networkPolicy";
import { fieldPath } from "../lib/paths";
import type { PodTemplate } from "../lib/podTemplate";
import { defineStackPolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import { describeLabels, SelectorIndex } from "../lib/selectors";
import type { NamespaceBucket, StackIndex } from "../lib/stackIndex";
import { arr, hasUnknown, isUnknown, obj } from "../lib/values";

/** Settings of network-policy-coverage (its entry in policy-config/<env>.json). */
export interface NetworkPolicyCoverageConfig {
  readonly modelServerLabel: LabelRef;
  /** More label selectors recognising model servers (upstream servers' labels by default). */
  readonly modelServerSelectors: readonly LabelSelectorConfig[];
  readonly allowedIngressSources: readonly IngressSource[];
  /** Namespaces whose workloads need no NetworkPolicy. */
  readonly exemptNamespaces: readonly string[];
}

/**
 * network-policy-coverage: name, mandatory and critical by default, and its settings: the label
 * that marks model servers, the ingress sources they may admit (by default the API gateway's pods,
 * and the monitoring namespace on the metrics port only), and namespaces to skip.
 */
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
    modelServerSelectors: DEFAULT_MODEL_SERVER_SELECTORS,
    allowedIngressSources: DEFAULT_INGRESS_SOURCES,
    exemptNamespaces: [],
  },
  properties: {
    modelServerLabel: modelServerLabelSchema,
    modelServerSelectors: modelServerSelectorsSchema,
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
  config: NetworkPolicyCoverageConfig,
  findings: Finding[],
): void {
  const namespace = bucket.name;
  const parsed = bucket.networkPolicies.map(parseNetworkPolicy);
  // If a policy's selector or types are unknown during preview, "not covered" cannot be decided here.
  const undecided = parsed.some(
    (networkPolicy) =>
      networkPolicy.podSelector.type === "unknown" || networkPolicy.ingressType === undefined,
  );
  const ingressIndex = new SelectorIndex<ParsedNetworkPolicy>();
  for (const networkPolicy of parsed) {
    if (networkPolicy.ingressType === true) ingressIndex.add(networkPolicy.podSelector, networkPolicy);
  }

  const serversByPolicy = new Map<ParsedNetworkPolicy, PodTemplate[]>();
  for (const workload of bucket.workloads) {
    if (workload.labelsUnknown) continue;
    const selecting = ingressIndex.matching(workload.labels);
    if (selecting.length === 0) {
      if (undecided) continue;
      const names = parsed.map((networkPolicy) => networkPolicy.resource.name);
      const existing =
        names.length === 0
          ? "no NetworkPolicy in the namespace"
          : `${names.length} NetworkPolicies in the namespace (${names.slice(0, 3).join(", ")}${names.length > 3 ? ", ..." : ""}), none with Ingress selects these labels`;
      findings.push(
        violation({
          resource: workload.resource.ref,
          problem: `no NetworkPolicy with policyTypes Ingress selects this workload in namespace ${namespace}`,
          path: workload.labelsPath,
          found: `labels ${describeLabels(workload.labels)}; ${existing}`,
          fix: `add a default-deny NetworkPolicy to ${namespace} (podSelector {}, policyTypes [Ingress, Egress]) and allow rules for the traffic the workload needs`,
          urn: workload.resource.urn,
        }),
      );
      continue;
    }
    if (!isModelServer(workload, config)) continue;
    for (const networkPolicy of selecting) {
      const servers = serversByPolicy.get(networkPolicy);
      if (servers) servers.push(workload);
      else serversByPolicy.set(networkPolicy, [workload]);
    }
  }

  const sources = config.allowedIngressSources;
  const allowedText = sources.map(describeSource).join("; ");
  for (const [networkPolicy, servers] of serversByPolicy) {
    if (networkPolicy.ingress === undefined) continue;
    const { ref, urn } = networkPolicy.resource;
    const context: PeerContext = {
      namespace,
      namespaceLabels: (name) => index.namespaceLabels(name),
      modelServers: servers,
    };
    const serverText = servers.map((server) => server.resource.ref).join(", ");
    networkPolicy.ingress.forEach((rawRule, ruleIndex) => {
      if (isUnknown(rawRule)) return;
      const rule = obj(rawRule) ?? {};
      if (isUnknown(rule.from) || hasUnknown(rule.ports)) return;
      const from = arr(rule.from) ?? [];
      const fromPath = fieldPath("spec.ingress", ruleIndex, "from");
      const ports = describePorts(rule.ports);
      if (from.length === 0) {
        findings.push(
          violation({
            resource: ref,
            problem: `ingress rule ${ruleIndex} admits every source to model servers ${serverText}`,
            path: fromPath,
            found: `${rule.from === undefined ? "from not set" : "from: []"} on ${ports}`,
            fix: `admit only the allowed sources: ${allowedText}`,
            urn,
          }),
        );
        return;
      }
      from.forEach((rawPeer, peerIndex) => {
        const peer = parsePeer(rawPeer);
        if (peer.kind === "unknown") return;
        const allowed = sources.some(
          (source) => peerWithin(peer, source, context) && portsWithin(rule.ports, source, servers),
        );
        if (allowed) return;
        findings.push(
          violation({
            resource: ref,
            problem: `ingress rule ${ruleIndex} admits a source outside the allowed list to model servers ${serverText}`,
            path: fieldPath(fromPath, peerIndex),
            found: `${describePeer(peer, rawPeer)} on ${ports}`,
            fix: `admit only the allowed sources: ${allowedText} (or add the source to allowedIngressSources in the network-policy-coverage config)`,
            urn,
          }),
        );
      });
    });
  }
}

/** The network-policy-coverage findings for a whole stack, namespace by namespace. */
export function checkNetworkPolicyCoverage(
  index: StackIndex,
  config: NetworkPolicyCoverageConfig,
): Finding[] {
  const findings: Finding[] = [];
  for (const bucket of index.namespaces.values()) {
    if (config.exemptNamespaces.includes(bucket.name) || bucket.workloads.length === 0) continue;
    checkNamespace(bucket, index, config, findings);
  }
  return findings;
}

/**
 * Every pod-template workload is selected by an Ingress NetworkPolicy of its namespace, and the
 * rules that reach model servers admit only the allowed sources (on their ports). Kubernetes lets
 * every pod talk to every pod until a NetworkPolicy selects it, so an uncovered model server can be
 * called by any pod in the cluster, around the gateway's authentication and rate limits.
 */
export const networkPolicyCoverage = defineStackPolicy(networkPolicyCoverageMeta, checkNetworkPolicyCoverage);
