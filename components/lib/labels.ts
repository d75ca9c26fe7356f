/** The value of `app.kubernetes.io/part-of` on everything this project deploys. */
export const PART_OF = "k8s-ml-patterns";

/** The package segment of every component type token (`k8sml:<module>:<Type>`). */
export const PACKAGE = "k8sml";

/** Well-known label keys (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/). */
export const LabelKeys = {
  name: "app.kubernetes.io/name",
  instance: "app.kubernetes.io/instance",
  component: "app.kubernetes.io/component",
  partOf: "app.kubernetes.io/part-of",
  managedBy: "app.kubernetes.io/managed-by",
} as const;

/**
 * The `app.kubernetes.io/component` values the components set. The policy pack recognises
 * model servers by `model-server`, so keep these stable.
 */
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

/** Pods of the API gateway carry this label; model servers admit ingress only from them. */
export const API_GATEWAY_LABELS: Readonly<Record<string, string>> = { app: "api-gateway" };

/** The namespace Prometheus runs in; it may scrape the metrics port. */
export const MONITORING_NAMESPACE = "monitoring";

/**
 * Labels that select the pods of one workload. They never change after creation, because a
 * Deployment's or StatefulSet's selector is immutable.
 */
export function selectorLabels(appName: string, instance: string): Record<string, string> {
  return { [LabelKeys.name]: appName, [LabelKeys.instance]: instance };
}

/** The full recommended label set for an object of one workload. */
export function standardLabels(
  appName: string,
  instance: string,
  role: ComponentRole,
): Record<string, string> {
  return {
    ...selectorLabels(appName, instance),
    [LabelKeys.component]: role,
    [LabelKeys.partOf]: PART_OF,
    [LabelKeys.managedBy]: "pulumi",
  };
}
