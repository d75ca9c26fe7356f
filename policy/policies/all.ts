/**
 * Every policy of the pack, in reporting order. policy/index.ts builds the PolicyPack from this list;
 * runPolicies() and the manifest checker run the same list in-process.
 */

import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { autoscalerBounds } from "./autoscalerBounds";
import { gpuLimits } from "./gpuLimits";
import { gpuPlacement } from "./gpuPlacement";
import { gpuQueueCoverage } from "./gpuQueueCoverage";
import { gpuQuotaCoverage } from "./gpuQuotaCoverage";
import { networkPolicyCoverage } from "./networkPolicyCoverage";
import { networkPolicyShape } from "./networkPolicyShape";
import { pinnedImages } from "./pinnedImages";
import { quotaHeadroom } from "./quotaHeadroom";
import { resourceRequests } from "./resourceRequests";
import { restrictedPodSecurity } from "./restrictedPodSecurity";
import { serviceExposure } from "./serviceExposure";
import { servingProbes } from "./servingProbes";
import { singleAutoscaler } from "./singleAutoscaler";

/** The pack's name, as `pulumi preview --policy-pack` and the checker report it. */
export const PACK_NAME = "k8s-ml-patterns";

/** The policies that check one resource at a time. */
export const resourcePolicies: readonly ResourceValidationPolicy[] = [
  gpuLimits,
  gpuPlacement,
  resourceRequests,
  pinnedImages,
  restrictedPodSecurity,
  servingProbes,
  autoscalerBounds,
  networkPolicyShape,
];

/** The policies that check the whole stack at once (relations between resources). */
export const stackPolicies: readonly StackValidationPolicy[] = [
  serviceExposure,
  networkPolicyCoverage,
  gpuQuotaCoverage,
  quotaHeadroom,
  gpuQueueCoverage,
  singleAutoscaler,
];

/** Resource policies, then stack policies. */
export const allPolicies: readonly (ResourceValidationPolicy | StackValidationPolicy)[] = [
  ...resourcePolicies,
  ...stackPolicies,
];
