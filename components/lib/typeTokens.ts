/**
 * Component type tokens. A Pulumi component package names its resources
 * `<package>:index:<Type>`, so every component registers under that form; releases up to 0.2
 * used a module per area (`k8sml:serving:ModelServing`), and each component carries an alias
 * to its former token so that stacks deployed with it keep every object on update.
 */
import type * as pulumi from "@pulumi/pulumi";
import { PACKAGE } from "./labels";

/** The type token of the component class `typeName`: `k8sml:index:<typeName>`. */
export function componentType(typeName: string): string {
  return `${PACKAGE}:index:${typeName}`;
}

/** The tokens of releases up to 0.2, by component class. */
export const FORMER_COMPONENT_TYPES = {
  AdmissionPolicies: `${PACKAGE}:guardrails:AdmissionPolicies`,
  Autoscaling: `${PACKAGE}:serving:Autoscaling`,
  BatchInference: `${PACKAGE}:batch:BatchInference`,
  DistributedTraining: `${PACKAGE}:training:DistributedTraining`,
  GpuSharing: `${PACKAGE}:gpu:GpuSharing`,
  GpuTenancy: `${PACKAGE}:tenancy:GpuTenancy`,
  MLWorkflowDefinition: `${PACKAGE}:workflow:MLWorkflowDefinition`,
  ModelMonitoring: `${PACKAGE}:monitoring:ModelMonitoring`,
  ModelServing: `${PACKAGE}:serving:ModelServing`,
  WorkloadPriorities: `${PACKAGE}:gpu:WorkloadPriorities`,
  WorkloadQueue: `${PACKAGE}:gpu:WorkloadQueue`,
} as const;

/** A component class with a former token. */
export type ComponentTypeName = keyof typeof FORMER_COMPONENT_TYPES;

/**
 * The options a component registers itself with: the caller's, plus an alias to the former
 * token of `typeName`. Children need no aliases of their own: the engine derives theirs from
 * their parent's.
 */
export function componentOptions(
  typeName: ComponentTypeName,
  opts: pulumi.ComponentResourceOptions | undefined,
): pulumi.ComponentResourceOptions {
  return {
    ...opts,
    aliases: [...(opts?.aliases ?? []), { type: FORMER_COMPONENT_TYPES[typeName] }],
  };
}
