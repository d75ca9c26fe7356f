/**
 * Label keys and values the components set and the policy pack reads: how a model server, the
 * API gateway, the monitoring namespace and a namespace's own name are recognised.
 */

/** Well-known label keys (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/). */
export const LabelKeys = {
  name: "app.kubernetes.io/name",
  instance: "app.kubernetes.io/instance",
  component: "app.kubernetes.io/component",
  partOf: "app.kubernetes.io/part-of",
  managedBy: "app.kubernetes.io/managed-by",
} as const;

/** The value of `app.kubernetes.io/part-of` on everything this project deploys. */
export const PART_OF = "k8s-ml-patterns";

/** The `app.kubernetes.io/component` values the components set; keep them stable. */
export const ComponentRoles = {
  modelServer: "model-server",
  trainer: "trainer",
  batchInference: "batch-inference",
  workflow: "workflow",
  guardrails: "guardrails",
  monitoring: "monitoring",
  gpuSharing: "gpu-sharing",
} as const;

export type ComponentRole = (typeof ComponentRoles)[keyof typeof ComponentRoles];

/** A single label requirement, `key=value`. */
export interface LabelRef {
  readonly key: string;
  readonly value: string;
}

/** The label every model-server pod carries; the serving policies and NetworkPolicies select on it. */
export const MODEL_SERVER_LABEL: LabelRef = {
  key: LabelKeys.component,
  value: ComponentRoles.modelServer,
};

/** A label selector as configs and params objects hold it (Kubernetes' LabelSelector). */
/** The operators of a label selector's matchExpressions, as Kubernetes defines them. */
export const LABEL_SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"] as const;

export type LabelSelectorOperator = (typeof LABEL_SELECTOR_OPERATORS)[number];

// A type alias, not an interface, so that it is assignable to the pack's plain-record configs.
export type LabelSelectorData = {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: LabelSelectorOperator;
    readonly values?: readonly string[];
  }[];
};

/**
 * Pods of upstream model servers, model servers too by default: KServe's predictor pods
 * (`serving.kserve.io/inferenceservice`), the `app.kubernetes.io/name` Helm's standard chart
 * scaffold gives the charts of vLLM, Triton, Text Generation Inference and Ollama, and the
 * KServe/Knative serving component label.
 */
export const UPSTREAM_MODEL_SERVER_SELECTORS: readonly LabelSelectorData[] = [
  { matchExpressions: [{ key: "serving.kserve.io/inferenceservice", operator: "Exists" }] },
  {
    matchExpressions: [
      {
        key: LabelKeys.name,
        operator: "In",
        values: ["vllm", "triton-inference-server", "text-generation-inference", "ollama"],
      },
    ],
  },
  { matchLabels: { component: "predictor" } },
];

/** Pods of the API gateway carry these labels; model servers admit ingress only from them. */
export const API_GATEWAY_LABELS: Readonly<Record<string, string>> = { app: "api-gateway" };

/** The namespace Prometheus runs in; it may scrape the metrics port. */
export const MONITORING_NAMESPACE = "monitoring";

/** Label the API server sets on every Namespace to its own name. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** Container and Service port names of a model server (NetworkPolicies and the pack select on them). */
export const ServingPorts = {
  http: "http",
  metrics: "metrics",
} as const;

/**
 * Pod label naming the container port a model server serves Prometheus `/metrics` on, when it is
 * not the `metrics` port: servers such as vLLM and TGI serve metrics on their API port (`http`).
 * The tenancy NetworkPolicy lets the monitoring namespace reach that port of pods carrying it,
 * and the pack's network-policy-coverage takes a source's `metrics` port to mean it.
 * Absent: the pod's metrics port is the one named `metrics`.
 */
export const METRICS_PORT_LABEL = "k8sml.io/metrics-port";
