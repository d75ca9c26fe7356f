/** The program's steps, callable from index.ts and from tests. */
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "../config/load";
import { type DeployedStack, deployStack } from "./deploy";
import { planStack, validatePlan } from "./plan";

/** Reads and validates the config, validates every component's arguments, then deploys. */
export function main(): DeployedStack {
  const plan = planStack(loadStackConfig());
  validatePlan(pulumi.getStack(), plan);
  return deployStack(plan);
}
