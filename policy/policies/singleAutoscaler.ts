import type { Autoscaler } from "../lib/autoscalers";
import { defineStackPolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import type { StackIndex } from "../lib/stackIndex";
import { obj, str } from "../lib/values";

/** single-autoscaler has no settings beyond its enforcement level. */
export type SingleAutoscalerConfig = Record<string, never>;

/** single-autoscaler: name, mandatory by default. */
export const singleAutoscalerMeta: PolicyMeta<SingleAutoscalerConfig> = {
  name: "single-autoscaler",
  description:
    "At most one autoscaler per workload: no two HorizontalPodAutoscalers, or an HPA and a KEDA ScaledObject, with the same scaleTargetRef.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Keep one autoscaler per Deployment: a KEDA ScaledObject drives an HPA of its own, so drop the other HPA (ModelServing: hpa: false with keda: true), or merge two HPAs' metrics into one.",
  defaults: {},
  properties: {},
};

/** An HPA that KEDA made for a ScaledObject (owned by it), which a manifest from a live cluster lists too. */
function managedByKeda(autoscaler: Autoscaler): boolean {
  const owners = autoscaler.resource.metadata.ownerReferences;
  return (
    autoscaler.flavor === "HorizontalPodAutoscaler" &&
    Array.isArray(owners) &&
    owners.some((o) => str(obj(o)?.kind) === "ScaledObject")
  );
}

function describeAutoscaler(a: Autoscaler): string {
  return `${a.flavor} ${a.resource.namespace}/${a.resource.name}`;
}

/** The single-autoscaler findings: every autoscaler that shares its target with another. */
export function checkSingleAutoscaler(index: StackIndex): Finding[] {
  const findings: Finding[] = [];
  for (const bucket of index.namespaces.values()) {
    const byTarget = new Map<string, Autoscaler[]>();
    for (const autoscaler of bucket.autoscalers) {
      if (autoscaler.targetName === undefined || managedByKeda(autoscaler)) continue;
      const key = `${autoscaler.targetKind}/${autoscaler.targetName}`;
      byTarget.set(key, [...(byTarget.get(key) ?? []), autoscaler]);
    }
    for (const [target, autoscalers] of byTarget) {
      if (autoscalers.length < 2) continue;
      for (const autoscaler of autoscalers) {
        const others = autoscalers.filter((a) => a !== autoscaler).map(describeAutoscaler);
        findings.push(
          violation({
            resource: autoscaler.resource.ref,
            problem: `${target} in namespace ${bucket.name} is also scaled by ${others.join(", ")}: two autoscalers on one target overwrite each other's replica count`,
            path: "spec.scaleTargetRef",
            found: JSON.stringify(target),
            fix: "keep one autoscaler for the target (a KEDA ScaledObject already drives an HPA of its own)",
            urn: autoscaler.resource.urn,
          }),
        );
      }
    }
  }
  return findings;
}

/**
 * Two autoscalers on one workload fight: each sets the replica count its own metrics ask for, so
 * the workload flaps between them and neither's bounds hold.
 */
export const singleAutoscaler = defineStackPolicy(singleAutoscalerMeta, checkSingleAutoscaler);
