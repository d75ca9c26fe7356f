import { autoscalerOf } from "../lib/autoscalers";
import { defineResourcePolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import type { K8sResource } from "../lib/resource";
import { isUnknown, show } from "../lib/values";
import { render } from "../../conventions/admission/message";
import { ruleDefaults } from "../../conventions/admission/rule";
import { autoscalerBoundsRule } from "../../conventions/admission/rules/autoscalerBounds";

const MESSAGES = autoscalerBoundsRule.messages;

/** Settings of autoscaler-bounds (its entry in policy-config/<env>.json). */
export interface AutoscalerBoundsConfig {
  /** Largest maxReplicas (HPA) / maxReplicaCount (KEDA) accepted. */
  readonly maxReplicasCap: number;
  /** Smallest minReplicas / minReplicaCount accepted. */
  readonly minReplicas: number;
  /** Accept a minimum of 0 (scale to zero) regardless of minReplicas. */
  readonly allowScaleToZero: boolean;
}

/**
 * autoscaler-bounds: name, advisory by default, and its bounds. The cap (20 by default) limits how
 * far a traffic spike or a broken metric can scale GPU replicas and their bill; the floor (1 by
 * default, 2 in prod) keeps a model serving through a pod failure or a rollout. Scale to zero is
 * allowed by default (not in prod), since KEDA's idle scale-down is deliberate.
 */
export const autoscalerBoundsMeta: PolicyMeta<AutoscalerBoundsConfig> = {
  name: "autoscaler-bounds",
  description:
    "HorizontalPodAutoscalers and KEDA ScaledObjects keep maxReplicas under a cap and minReplicas at or above a floor (2 in prod).",
  enforcementLevel: autoscalerBoundsRule.defaultLevel,
  severity: "medium",
  remediationSteps:
    "Set maxReplicas (maxReplicaCount) at most the cap and minReplicas (minReplicaCount) at least the floor.",
  defaults: ruleDefaults(autoscalerBoundsRule) as unknown as AutoscalerBoundsConfig,
  properties: {
    maxReplicasCap: { type: "integer", minimum: 1, description: "Largest maxReplicas accepted." },
    minReplicas: { type: "integer", minimum: 0, description: "Smallest minReplicas accepted." },
    allowScaleToZero: { type: "boolean", description: "Accept a minimum of 0 (KEDA scale to zero)." },
  },
};

/** The autoscaler-bounds findings for one HorizontalPodAutoscaler or ScaledObject (none for other kinds). */
export function checkAutoscalerBounds(resource: K8sResource, config: AutoscalerBoundsConfig): Finding[] {
  const autoscaler = autoscalerOf(resource);
  if (!autoscaler) return [];
  const findings: Finding[] = [];
  const { min, max, minField, maxField, rawMin, rawMax } = autoscaler;
  const maxText =
    rawMax === undefined && autoscaler.maxDefault !== undefined
      ? `not set (defaults to ${autoscaler.maxDefault})`
      : show(rawMax);
  const minText = rawMin === undefined ? `not set (defaults to ${autoscaler.minDefault})` : show(rawMin);
  if (!isUnknown(rawMax)) {
    if (max === undefined) {
      findings.push(
        violation({
          resource: resource.ref,
          problem: render(MESSAGES.noMax, {}),
          path: maxField,
          found: show(rawMax),
          fix: `set ${maxField} to at most ${config.maxReplicasCap}`,
        }),
      );
    } else if (max > config.maxReplicasCap) {
      findings.push(
        violation({
          resource: resource.ref,
          problem: render(MESSAGES.aboveCap, { cap: config.maxReplicasCap }),
          path: maxField,
          found: maxText,
          fix: `set ${maxField} to at most ${config.maxReplicasCap}, or raise maxReplicasCap in the autoscaler-bounds config`,
        }),
      );
    }
  }
  if (!isUnknown(rawMin) && min !== undefined) {
    const zeroAllowed = min === 0 && config.allowScaleToZero;
    if (min < config.minReplicas && !zeroAllowed) {
      findings.push(
        violation({
          resource: resource.ref,
          problem: render(MESSAGES.belowFloor, { floor: config.minReplicas }),
          path: minField,
          found: minText,
          fix: `set ${minField} to at least ${config.minReplicas}${config.minReplicas >= 2 ? " so one pod failure or a rollout does not take the model offline" : ""}`,
        }),
      );
    }
    if (max !== undefined && min > max) {
      findings.push(
        violation({
          resource: resource.ref,
          problem: render(MESSAGES.minAboveMax, {}),
          path: minField,
          found: `${minText} (maximum ${maxText})`,
          fix: `set ${minField} <= ${maxField}`,
        }),
      );
    }
  }
  return findings;
}

/**
 * Keeps every HorizontalPodAutoscaler and KEDA ScaledObject between a floor and a cap. Without a cap
 * an autoscaler can add GPU pods until the quota or the cluster runs out, starving other workloads;
 * below the floor a single crashed or rescheduled pod takes the model offline. Also reports a
 * minimum above the maximum, which the autoscaler cannot honour.
 */
export const autoscalerBounds = defineResourcePolicy(autoscalerBoundsMeta, checkAutoscalerBounds);
