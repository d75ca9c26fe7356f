import { autoscalerOf } from "../lib/autoscalers";
import { defineResourcePolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import type { K8sResource } from "../lib/resource";
import { isUnknown, show } from "../lib/values";

export interface AutoscalerBoundsConfig {
  /** Largest maxReplicas (HPA) / maxReplicaCount (KEDA) accepted. */
  readonly maxReplicasCap: number;
  /** Smallest minReplicas / minReplicaCount accepted. */
  readonly minReplicas: number;
  /** Accept a minimum of 0 (scale to zero) regardless of minReplicas. */
  readonly allowScaleToZero: boolean;
}

export const autoscalerBoundsMeta: PolicyMeta<AutoscalerBoundsConfig> = {
  name: "autoscaler-bounds",
  description:
    "HorizontalPodAutoscalers and KEDA ScaledObjects keep maxReplicas under a cap and minReplicas at or above a floor (2 in prod).",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps:
    "Set maxReplicas (maxReplicaCount) at most the cap and minReplicas (minReplicaCount) at least the floor.",
  defaults: { maxReplicasCap: 20, minReplicas: 1, allowScaleToZero: true },
  properties: {
    maxReplicasCap: { type: "integer", minimum: 1, description: "Largest maxReplicas accepted." },
    minReplicas: { type: "integer", minimum: 0, description: "Smallest minReplicas accepted." },
    allowScaleToZero: { type: "boolean", description: "Accept a minimum of 0 (KEDA scale to zero)." },
  },
};

export function checkAutoscalerBounds(res: K8sResource, cfg: AutoscalerBoundsConfig): Finding[] {
  const a = autoscalerOf(res);
  if (!a) return [];
  const out: Finding[] = [];
  const resource = res.ref;
  const maxText =
    a.rawMax === undefined && a.maxDefault !== undefined
      ? `not set (defaults to ${a.maxDefault})`
      : show(a.rawMax);
  const minText = a.rawMin === undefined ? `not set (defaults to ${a.minDefault})` : show(a.rawMin);
  if (!isUnknown(a.rawMax)) {
    if (a.max === undefined) {
      out.push(
        violation({
          resource,
          problem: "no maximum replica count",
          path: a.maxField,
          found: show(a.rawMax),
          fix: `set ${a.maxField} to at most ${cfg.maxReplicasCap}`,
        }),
      );
    } else if (a.max > cfg.maxReplicasCap) {
      out.push(
        violation({
          resource,
          problem: `the maximum replica count is above the cap of ${cfg.maxReplicasCap}`,
          path: a.maxField,
          found: maxText,
          fix: `set ${a.maxField} to at most ${cfg.maxReplicasCap}, or raise maxReplicasCap in the autoscaler-bounds config`,
        }),
      );
    }
  }
  if (!isUnknown(a.rawMin) && a.min !== undefined) {
    const zeroOk = a.min === 0 && cfg.allowScaleToZero;
    if (a.min < cfg.minReplicas && !zeroOk) {
      out.push(
        violation({
          resource,
          problem: `the minimum replica count is below ${cfg.minReplicas}`,
          path: a.minField,
          found: minText,
          fix: `set ${a.minField} to at least ${cfg.minReplicas}${cfg.minReplicas >= 2 ? " so one pod failure or a rollout does not take the model offline" : ""}`,
        }),
      );
    }
    if (a.max !== undefined && a.min > a.max) {
      out.push(
        violation({
          resource,
          problem: "the minimum replica count is above the maximum",
          path: a.minField,
          found: `${minText} (maximum ${maxText})`,
          fix: `set ${a.minField} <= ${a.maxField}`,
        }),
      );
    }
  }
  return out;
}

export const autoscalerBounds = defineResourcePolicy(autoscalerBoundsMeta, checkAutoscalerBounds);
