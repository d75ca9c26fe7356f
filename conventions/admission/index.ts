/**
 * The rules enforced at both points: by the policy pack (CrossGuard, at `pulumi preview` and
 * `pulumi up`) and by the API server (generated ValidatingAdmissionPolicies, for every client).
 */
import type { AdmissionRule } from "./rule";
import { autoscalerBoundsRule } from "./rules/autoscalerBounds";
import { gpuLimitsRule } from "./rules/gpuLimits";
import { gpuPlacementRule } from "./rules/gpuPlacement";
import { pinnedImagesRule } from "./rules/pinnedImages";
import { resourceRequestsRule } from "./rules/resourceRequests";
import { serviceExposureRule } from "./rules/serviceExposure";
import { servingProbesRule } from "./rules/servingProbes";

export { message, render, celMessage, celString, type MessageTemplate } from "./message";
export * from "./params";
export * from "./rule";

/** Every rule with an admission form, in the pack's reporting order. */
export const ADMISSION_RULES: readonly AdmissionRule[] = [
  gpuLimitsRule,
  gpuPlacementRule,
  resourceRequestsRule,
  pinnedImagesRule,
  servingProbesRule,
  autoscalerBoundsRule,
  serviceExposureRule,
];

/** The rule of a policy, if it has an admission form. */
export function admissionRuleOf(policy: string): AdmissionRule | undefined {
  return ADMISSION_RULES.find((rule) => rule.policy === policy);
}
