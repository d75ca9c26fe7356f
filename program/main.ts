/** The program's steps, callable from index.ts and from tests. */
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "../config/load";
import { type DeployedStack, deployStack } from "./deploy";
import { planStack, validatePlan } from "./plan";
import { readPolicyConfig } from "./policyConfig";

/**
 * Reads and validates the config (and the policy pack config the admission policies follow),
 * validates every component's arguments, then deploys. `transformations` (for tests) go to every
 * workload component, so a test can see the arguments and options they were registered with.
 */
export function main(transformations: pulumi.ResourceTransformation[] = []): DeployedStack {
  const config = loadStackConfig();
  const plan = planStack(config, readPolicyConfig(pulumi.getStack(), config));
  validatePlan(pulumi.getStack(), plan);
  return deployStack(plan, transformations);
}
