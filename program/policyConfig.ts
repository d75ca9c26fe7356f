/**
 * The stack's policy pack config (the `--policy-pack-config` file), read for the admission
 * policies so they enforce the same levels and parameters as `pulumi preview --policy-pack`.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../config/problems";
import type { StackConfig } from "../config/schema";

/** The file a stack's admission policies follow: `admissionPolicies.policyConfig`, else policy-config/<stack>.json. */
export function policyConfigPath(stack: string, config: StackConfig, root = process.cwd()): string {
  const configured = config.admissionPolicies.policyConfig;
  return path.resolve(root, configured === "" ? path.join("policy-config", `${stack}.json`) : configured);
}

/**
 * The policy config object, or undefined when the admission policies are off. A missing or
 * malformed file fails with a ConfigError naming the key, before anything is registered.
 */
export function readPolicyConfig(
  stack: string,
  config: StackConfig,
  root = process.cwd(),
): Readonly<Record<string, unknown>> | undefined {
  if (!config.admissionPolicies.enabled) return undefined;
  const file = policyConfigPath(stack, config, root);
  const fail = (why: string): never => {
    throw new ConfigError(stack, [
      {
        path: ["admissionPolicies", "policyConfig"],
        value: config.admissionPolicies.policyConfig,
        allowed: `a readable policy pack config file holding a JSON object (${file}: ${why}); or set admissionPolicies.enabled to false`,
      },
    ]);
  };
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    return fail((error as NodeJS.ErrnoException).code ?? String(error));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return fail(`not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    return fail("not a JSON object");
  return parsed as Readonly<Record<string, unknown>>;
}
