/**
 * The --policy-pack-config format:
 * { "all": <level>, "<policy>": <level> | { enforcementLevel?, ...props } }.
 * Resolution follows the Pulumi CLI (ReconcilePolicyPackConfig): schema defaults, then the policy's
 * own level, then "all", then the policy's entry. Validation is stricter than the CLI: unknown
 * policy names and unknown properties are errors here (the CLI ignores them silently).
 */

import type { EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { validateJson } from "./jsonSchema";
import { isObj } from "./values";

/** One policy's entry: an enforcement level, or an object with an optional level and properties. */
export type PolicyConfigEntry =
  EnforcementLevel | ({ readonly enforcementLevel?: EnforcementLevel } & Readonly<Record<string, unknown>>);
/** A whole --policy-pack-config file, keyed by policy name (or "all"). */
export type PackConfig = Readonly<Record<string, PolicyConfigEntry>>;

/** A policy's effective level and properties once defaults, "all" and its entry are applied. */
export interface ResolvedPolicyConfig {
  readonly level: EnforcementLevel;
  readonly properties: Readonly<Record<string, unknown>>;
}

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** Every enforcement level, in the order messages list them. */
export const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

function isLevel(value: unknown): value is EnforcementLevel {
  return typeof value === "string" && (LEVELS as readonly string[]).includes(value);
}

/** An invalid pack config; `errors` lists every problem found. */
export class ConfigError extends Error {
  constructor(readonly errors: readonly string[]) {
    super(`invalid policy pack config:\n  ${errors.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/** All problems with a pack config ("" path segments are policy names). Empty when valid. */
export function validatePackConfig(config: unknown, policies: readonly AnyPolicy[]): string[] {
  if (!isObj(config)) return ["the config must be a JSON object keyed by policy name"];
  const byName = new Map(policies.map((policy) => [policy.name, policy]));
  const errors: string[] = [];
  for (const [key, entry] of Object.entries(config)) {
    if (key !== "all" && !byName.has(key)) {
      errors.push(`${key}: unknown policy (known: all, ${[...byName.keys()].join(", ")})`);
      continue;
    }
    if (typeof entry === "string") {
      if (!isLevel(entry))
        errors.push(`${key}: "${entry}" is not an enforcement level (${LEVELS.join(", ")})`);
      continue;
    }
    if (!isObj(entry)) {
      errors.push(`${key}: must be an enforcement level or an object`);
      continue;
    }
    const { enforcementLevel, ...properties } = entry;
    if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
      errors.push(
        `${key}.enforcementLevel: ${JSON.stringify(enforcementLevel)} is not one of ${LEVELS.join(", ")}`,
      );
    }
    if (key === "all") {
      if (Object.keys(properties).length > 0)
        errors.push(`all: only enforcementLevel may be set for all policies`);
      continue;
    }
    const schema = byName.get(key)?.configSchema;
    const propSchemas = schema?.properties ?? {};
    errors.push(
      ...validateJson(
        properties,
        {
          type: "object",
          properties: propSchemas,
          ...(schema?.required ? { required: schema.required } : {}),
          additionalProperties: false,
        },
        key,
      ),
    );
  }
  return errors;
}

/** Each policy's enforcement level and configuration properties; throws ConfigError when invalid. */
export function resolvePackConfig(
  config: PackConfig | undefined,
  policies: readonly AnyPolicy[],
): ReadonlyMap<string, ResolvedPolicyConfig> {
  const packConfig: PackConfig = config ?? {};
  const errors = validatePackConfig(packConfig, policies);
  if (errors.length > 0) throw new ConfigError(errors);
  const levelOf = (entry: PolicyConfigEntry | undefined): EnforcementLevel | undefined =>
    typeof entry === "string" ? entry : entry?.enforcementLevel;
  const allLevel = levelOf(packConfig.all);
  const resolved = new Map<string, ResolvedPolicyConfig>();
  for (const policy of policies) {
    const properties: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
      if (typeof schema === "object" && schema.default !== undefined) properties[key] = schema.default;
    }
    const entry = packConfig[policy.name];
    if (isObj(entry)) {
      for (const [key, value] of Object.entries(entry)) {
        if (key !== "enforcementLevel") properties[key] = value;
      }
    }
    const level = levelOf(entry) ?? allLevel ?? policy.enforcementLevel ?? "advisory";
    resolved.set(policy.name, { level, properties });
  }
  return resolved;
}
