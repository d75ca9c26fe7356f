/** The namespace's NetworkPolicies: default deny, then the few paths its workloads need. */
import type * as k8s from "@pulumi/kubernetes";
import {
  API_GATEWAY_LABELS,
  ComponentRoles,
  LabelKeys,
  MONITORING_NAMESPACE,
} from "../../conventions/labels";
import { HTTP_PORT_NAME, METRICS_PORT_NAME } from "../lib/serving";
import { API_SERVER_PORTS, CLUSTER_DNS, NAMESPACE_NAME_LABEL, type NetworkPolicyOptions } from "./args";
import { guardrailLabels, type NamespacedObject } from "./namespace";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** One NetworkPolicy of the namespace; `key` names it within the component. */
export interface NamedNetworkPolicy extends NamespacedObject<NetworkPolicySpec> {
  readonly key: string;
}

const modelServerPods = { matchLabels: { [LabelKeys.component]: ComponentRoles.modelServer } };
const workflowPods = { matchLabels: { [LabelKeys.component]: ComponentRoles.workflow } };
const gatewayPods = { matchLabels: { ...API_GATEWAY_LABELS } };

function namespaceNamed(namespace: string): { matchLabels: Record<string, string> } {
  return { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } };
}

/**
 * The namespace's NetworkPolicies: deny all traffic, then allow
 * - DNS lookups from every pod to cluster DNS (UDP and TCP 53);
 * - model servers: ingress only from API-gateway pods of this namespace on the `http` port and
 *   from the monitoring namespace on the `metrics` port, plus the gateway's matching egress
 *   (a pod isolated for egress also needs its own allow);
 * - optionally: model servers' HTTPS egress to model sources and workflow pods' egress to the
 *   API server.
 *
 * Workload-specific paths belong to their components (DistributedTraining allows traffic among
 * one job's workers); any other egress a workload needs, such as object storage for batch
 * input, needs its own policy.
 */
export function networkPolicySpecs(name: string, options: NetworkPolicyOptions): NamedNetworkPolicy[] {
  const labels = guardrailLabels(name);
  const policy = (key: string, spec: NetworkPolicySpec): NamedNetworkPolicy => ({
    key,
    metadata: { name: `${name}-${key}`, labels },
    spec,
  });
  const policies = [
    policy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
    policy("allow-dns", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [
            {
              namespaceSelector: namespaceNamed(CLUSTER_DNS.namespace),
              podSelector: { matchLabels: { ...CLUSTER_DNS.podLabels } },
            },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    }),
    policy("model-server-ingress", {
      podSelector: modelServerPods,
      policyTypes: ["Ingress"],
      ingress: [
        // A peer with only a podSelector selects pods of the policy's own namespace.
        {
          from: [{ podSelector: gatewayPods }],
          ports: [{ protocol: "TCP", port: HTTP_PORT_NAME }],
        },
        {
          from: [{ namespaceSelector: namespaceNamed(MONITORING_NAMESPACE) }],
          ports: [{ protocol: "TCP", port: METRICS_PORT_NAME }],
        },
      ],
    }),
    policy("gateway-egress", {
      podSelector: gatewayPods,
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ podSelector: modelServerPods }],
          ports: [{ protocol: "TCP", port: HTTP_PORT_NAME }],
        },
      ],
    }),
  ];
  if (options.modelSourceEgressCidrs.length > 0) {
    policies.push(
      policy("model-source-egress", {
        podSelector: modelServerPods,
        policyTypes: ["Egress"],
        egress: [
          {
            to: options.modelSourceEgressCidrs.map((cidr) => ({ ipBlock: { cidr } })),
            ports: [{ protocol: "TCP", port: 443 }],
          },
        ],
      }),
    );
  }
  if (options.apiServerEgressCidrs.length > 0) {
    policies.push(
      policy("api-server-egress", {
        podSelector: workflowPods,
        policyTypes: ["Egress"],
        egress: [
          {
            to: options.apiServerEgressCidrs.map((cidr) => ({ ipBlock: { cidr } })),
            ports: API_SERVER_PORTS.map((port) => ({ protocol: "TCP", port })),
          },
        ],
      }),
    );
  }
  return policies;
}
