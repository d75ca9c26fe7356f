// Every policy of the pack, in reporting order. policy/index.ts builds the PolicyPack from this list;
// runPolicies() and the manifest checker run the same list in-process.

import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { autoscalerBounds } from "./autoscalerBounds";
import { gpuLimits } from "./gpuLimits";
import { gpuPlacement } from "./gpuPlacement";
import { gpuQuotaCoverage } from "./gpuQuotaCoverage";
import { networkPolicyCoverage } from "./networkPolicyCoverage";
import { networkPolicyShape } from "./networkPolicyShape";
import { pinnedImages } from "./pinnedImages";
import { resourceRequests } from "./resourceRequests";
import { restrictedPodSecurity } from "./restrictedPodSecurity";
import { serviceExposure } from "./serviceExposure";
import { servingProbes } from "./servingProbes";

export const PACK_NAME = "k8s-ml-patterns";

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

export const stackPolicies: readonly StackValidationPolicy[] = [
  serviceExposure,
  networkPolicyCoverage,
  gpuQuotaCoverage,
];

export const allPolicies: readonly (ResourceValidationPolicy | StackValidationPolicy)[] = [
  ...resourcePolicies,
  ...stackPolicies,
];
