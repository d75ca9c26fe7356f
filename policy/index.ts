/**
 * The CrossGuard entry point:
 * `pulumi preview --policy-pack policy [--policy-pack-config policy-config/dev.json]`.
 * Only this file constructs the PolicyPack (which starts the analyzer server); tests and the manifest
 * checker import the policies from ./policies/all instead. The engine runs its build,
 * bin/policy/index.js (`npm run build --prefix policy`, or scripts/policy-pack.sh), so previews
 * never type-check it; assertBuildIsCurrent refuses a build older than its sources.
 */

import { PolicyPack } from "@pulumi/policy";
import { assertBuildIsCurrent } from "./lib/buildFreshness";
import { allPolicies, PACK_NAME } from "./policies/all";

assertBuildIsCurrent(__filename);

new PolicyPack(PACK_NAME, {
  description:
    "GPU limits and placement, NetworkPolicy shape and coverage, GPU quotas and workload hardening for AI workloads on Kubernetes.",
  displayName: "k8s-ml-patterns",
  provider: "kubernetes",
  tags: ["kubernetes", "gpu", "ml", "security"],
  policies: [...allPolicies],
});
