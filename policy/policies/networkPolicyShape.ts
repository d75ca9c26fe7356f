import { isWholeInternet, parseCidr } from "../../conventions/cidr";
import {
  DEFAULT_MODEL_SERVER_LABEL,
  modelServerLabelSchema,
  type LabelRef,
  DEFAULT_MODEL_SERVER_SELECTORS,
  selectsOnlyModelServers,
  modelServerSelectorsSchema,
  type LabelSelectorConfig,
} from "../lib/modelServer";
import { describePorts, parseNetworkPolicy, parsePeer } from "../lib/networkPolicy";
import { fieldPath } from "../lib/paths";
import { defineResourcePolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import type { K8sResource } from "../lib/resource";
import { describeSelector } from "../lib/selectors";
import { arr, hasUnknown, isUnknown, obj, show } from "../lib/values";

/** Settings of network-policy-shape (its entry in policy-config/<env>.json). */
export interface NetworkPolicyShapeConfig {
  readonly modelServerLabel: LabelRef;
  /** More label selectors recognising model servers (upstream servers' labels by default). */
  readonly modelServerSelectors: readonly LabelSelectorConfig[];
  /**
   * Which policies may not admit a whole-internet ipBlock (0.0.0.0/0, ::/0): "model-servers" = those
   * whose podSelector is empty or requires the model-server label; "all" = every NetworkPolicy.
   */
  readonly worldIpBlockScope: "model-servers" | "all";
}

/**
 * network-policy-shape: name, mandatory by default, and its settings: the model-server label, and
 * whether whole-internet ipBlocks are refused only for policies that can select model servers
 * (the default) or for every NetworkPolicy.
 */
export const networkPolicyShapeMeta: PolicyMeta<NetworkPolicyShapeConfig> = {
  name: "network-policy-shape",
  description:
    "NetworkPolicies have no ingress rule that admits every source (an empty rule, or no/empty from), no empty peer, and no 0.0.0.0/0 or ::/0 ipBlock for ingress to model servers.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "List the peers each ingress rule admits; never open model servers to 0.0.0.0/0 or ::/0.",
  defaults: {
    modelServerLabel: DEFAULT_MODEL_SERVER_LABEL,
    modelServerSelectors: DEFAULT_MODEL_SERVER_SELECTORS,
    worldIpBlockScope: "model-servers",
  },
  properties: {
    modelServerLabel: modelServerLabelSchema,
    modelServerSelectors: modelServerSelectorsSchema,
    worldIpBlockScope: {
      type: "string",
      enum: ["model-servers", "all"],
      description:
        'Where whole-internet ipBlocks are refused: "model-servers" (podSelector {} or one requiring the model-server label) or "all".',
    },
  },
};

/** The network-policy-shape findings for one NetworkPolicy (none for other kinds). */
export function checkNetworkPolicyShape(resource: K8sResource, config: NetworkPolicyShapeConfig): Finding[] {
  if (resource.group !== "networking.k8s.io" || resource.kind !== "NetworkPolicy") return [];
  const networkPolicy = parseNetworkPolicy(resource);
  if (networkPolicy.ingress === undefined) return [];
  const findings: Finding[] = [];
  const { podSelector } = networkPolicy;
  const targetsModelServers =
    config.worldIpBlockScope === "all" ||
    podSelector.type === "everything" ||
    selectsOnlyModelServers(podSelector, config);
  networkPolicy.ingress.forEach((rawRule, ruleIndex) => {
    if (isUnknown(rawRule)) return;
    const rule = obj(rawRule) ?? {};
    if (isUnknown(rule.from)) return;
    const from = arr(rule.from);
    const path = fieldPath("spec.ingress", ruleIndex, "from");
    if (from === undefined || from.length === 0) {
      const empty = (rule.ports === undefined || rule.ports === null) && from === undefined;
      findings.push(
        violation({
          resource: resource.ref,
          problem: empty
            ? `ingress rule ${ruleIndex} is empty, so it admits all traffic from every source`
            : `ingress rule ${ruleIndex} admits traffic from every source on ${hasUnknown(rule.ports) ? "some ports" : describePorts(rule.ports)}`,
          path,
          found: from === undefined ? "not set" : "[]",
          fix: `list the allowed peers in ${path} (e.g. podSelector app=api-gateway, or a namespaceSelector), or remove the rule`,
        }),
      );
      return;
    }
    from.forEach((rawPeer, peerIndex) => {
      const peer = parsePeer(rawPeer);
      const peerPath = fieldPath(path, peerIndex);
      if (peer.kind === "empty") {
        findings.push(
          violation({
            resource: resource.ref,
            problem: `ingress rule ${ruleIndex} has an empty peer`,
            path: peerPath,
            found: show(rawPeer),
            fix: `give ${peerPath} a podSelector, namespaceSelector or ipBlock (the API rejects empty peers)`,
          }),
        );
      } else if (peer.kind === "ipBlock" && peer.cidr !== undefined && targetsModelServers) {
        const cidr = parseCidr(peer.cidr);
        if (cidr && isWholeInternet(cidr)) {
          const target =
            config.worldIpBlockScope === "all"
              ? "these pods"
              : `model servers (podSelector ${describeSelector(podSelector)})`;
          findings.push(
            violation({
              resource: resource.ref,
              problem: `ingress rule ${ruleIndex} admits the whole internet (${peer.cidr}) to ${target}`,
              path: fieldPath(peerPath, "ipBlock", "cidr"),
              found: `${show(peer.cidr)}${peer.except.length ? ` except ${peer.except.join(", ")}` : ""}`,
              fix: "admit the API gateway pods (podSelector app=api-gateway) or a narrow CIDR instead",
            }),
          );
        }
      }
    });
  });
  return findings;
}

/**
 * NetworkPolicies contain no ingress rule that admits every source (an empty rule, or a missing or
 * empty from), no empty peer, and no 0.0.0.0/0 or ::/0 ipBlock towards model servers. One such rule
 * quietly turns a namespace's default-deny into allow-all, and a whole-internet ipBlock lets any
 * address that reaches the nodes call the model directly.
 */
export const networkPolicyShape = defineResourcePolicy(networkPolicyShapeMeta, checkNetworkPolicyShape);
