/** The namespace's NetworkPolicies: default deny, then the few paths its workloads need. */
import type * as k8s from "@pulumi/kubernetes";
import {
  API_GATEWAY_LABELS,
  ComponentRoles,
  LabelKeys,
  METRICS_PORT_LABEL,
  MONITORING_NAMESPACE,
} from "../../conventions/labels";
import { HTTP_PORT_NAME, METRICS_PORT_NAME } from "../lib/serving";
import { API_SERVER_PORTS, CLUSTER_DNS, NAMESPACE_NAME_LABEL, type NetworkPolicyOptions } from "./args";
import { guardrailLabels, type NamespacedObject } from "./namespace";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type NetworkPolicyEgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/** The egress rule to the proxy (its pods in its namespaces, on its port), or none. */
function proxyEgress(options: NetworkPolicyOptions): NetworkPolicyEgressRule[] {
  const proxy = options.egressProxy;
  if (proxy === undefined) return [];
  return [
    {
      to: [
        {
          namespaceSelector: { matchLabels: { ...proxy.namespaceLabels } },
          podSelector: { matchLabels: { ...proxy.podLabels } },
        },
      ],
      ports: [{ protocol: "TCP", port: proxy.port }],
    },
  ];
}

/** One NetworkPolicy of the namespace; `key` names it within the component. */
export interface NamedNetworkPolicy extends NamespacedObject<NetworkPolicySpec> {
  readonly key: string;
}

const modelServerPods = { matchLabels: { [LabelKeys.component]: ComponentRoles.modelServer } };
/** Model servers that serve `/metrics` on their API port (`http`). */
const apiPortMetricsPods = {
  matchLabels: { ...modelServerPods.matchLabels, [METRICS_PORT_LABEL]: HTTP_PORT_NAME },
};
/** Training workers and batch inference pods: the workloads that read and write object storage. */
const dataPods = {
  matchExpressions: [
    {
      key: LabelKeys.component,
      operator: "In",
      values: [ComponentRoles.trainer, ComponentRoles.batchInference],
    },
  ],
};
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
 * - optionally: the monitoring namespace to the `http` port of model servers labelled as serving
 *   their metrics there (`apiPortMetrics`); DNS to NodeLocal DNSCache's link-local address; model servers' (and so their
 *   loaders') egress to model sources; training workers' and batch pods' egress to object
 *   storage; both to an egress proxy selected by namespace and pod labels; workflow pods' egress
 *   to the API server.
 *
 * Workload-specific paths belong to their components (DistributedTraining allows traffic among
 * one job's workers). Nothing else leaves the namespace.
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
            // NodeLocal DNSCache answers on a link-local address on each node, not from a pod.
            ...options.nodeLocalDnsCidrs.map((cidr) => ({ ipBlock: { cidr } })),
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
  if (options.apiPortMetrics) {
    policies.push(
      policy("model-server-api-metrics", {
        podSelector: apiPortMetricsPods,
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [{ namespaceSelector: namespaceNamed(MONITORING_NAMESPACE) }],
            ports: [{ protocol: "TCP", port: HTTP_PORT_NAME }],
          },
        ],
      }),
    );
  }
  const proxyRules = proxyEgress(options);
  const endpointRules = (cidrs: readonly string[], ports: readonly number[]): NetworkPolicyEgressRule[] =>
    cidrs.length === 0
      ? []
      : [
          {
            to: cidrs.map((cidr) => ({ ipBlock: { cidr } })),
            ports: ports.map((port) => ({ protocol: "TCP", port })),
          },
        ];
  const modelSource = [
    ...endpointRules(options.modelSourceEgressCidrs, options.modelSourceEgressPorts),
    ...proxyRules,
  ];
  if (modelSource.length > 0) {
    policies.push(
      policy("model-source-egress", {
        podSelector: modelServerPods,
        policyTypes: ["Egress"],
        egress: modelSource,
      }),
    );
  }
  const objectStorage = [
    ...endpointRules(options.objectStorageEgressCidrs, options.objectStorageEgressPorts),
    ...proxyRules,
  ];
  if (objectStorage.length > 0) {
    policies.push(
      policy("object-storage-egress", {
        podSelector: dataPods,
        policyTypes: ["Egress"],
        egress: objectStorage,
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
