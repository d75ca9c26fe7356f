// The --policy-pack-config format: { "all": <level>, "<policy>": <level> | { enforcementLevel?, ...props } }.
// Resolution follows the Pulumi CLI (ReconcilePolicyPackConfig): schema defaults, then the policy's
// own level, then "all", then the policy's entry. Validation is stricter than the CLI: unknown
// policy names and unknown properties are errors here (the CLI ignores them silently).

import type { EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { validateJson } from "./jsonSchema";
import { isObj } from "./values";

export type PolicyConfigEntry =
  EnforcementLevel | ({ readonly enforcementLevel?: EnforcementLevel } & Readonly<Record<string, unknown>>);
export type PackConfig = Readonly<Record<string, PolicyConfigEntry>>;

export interface ResolvedPolicyConfig {
  readonly level: EnforcementLevel;
  readonly properties: Readonly<Record<string, unknown>>;
}

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

export const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

function isLevel(v: unknown): v is EnforcementLevel {
  return typeof v === "string" && (LEVELS as readonly string[]).includes(v);
}

export class ConfigError extends Error {
  constructor(readonly errors: readonly string[]) {
    super(`invalid policy pack config:\n  ${errors.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/** All problems with a pack config ("" path segments are policy names). Empty when valid. */
export function validatePackConfig(config: unknown, policies: readonly AnyPolicy[]): string[] {
  if (!isObj(config)) return ["the config must be a JSON object keyed by policy name"];
  const byName = new Map(policies.map((p) => [p.name, p]));
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
    const { enforcementLevel, ...props } = entry;
    if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
      errors.push(
        `${key}.enforcementLevel: ${JSON.stringify(enforcementLevel)} is not one of ${LEVELS.join(", ")}`,
      );
    }
    if (key === "all") {
      if (Object.keys(props).length > 0)
        errors.push(`all: only enforcementLevel may be set for all policies`);
      continue;
    }
    const schema = byName.get(key)?.configSchema;
    const propSchemas = schema?.properties ?? {};
    errors.push(
      ...validateJson(
        props,
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
  const cfg: PackConfig = config ?? {};
  const errors = validatePackConfig(cfg, policies);
  if (errors.length > 0) throw new ConfigError(errors);
  const levelOf = (entry: PolicyConfigEntry | undefined): EnforcementLevel | undefined =>
    typeof entry === "string" ? entry : entry?.enforcementLevel;
  const allLevel = levelOf(cfg.all);
  const out = new Map<string, ResolvedPolicyConfig>();
  for (const p of policies) {
    const properties: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(p.configSchema?.properties ?? {})) {
      if (typeof s === "object" && s.default !== undefined) properties[k] = s.default;
    }
    const entry = cfg[p.name];
    if (isObj(entry)) {
      for (const [k, v] of Object.entries(entry)) if (k !== "enforcementLevel") properties[k] = v;
    }
    const level = levelOf(entry) ?? allLevel ?? p.enforcementLevel ?? "advisory";
    out.set(p.name, { level, properties });
  }
  return out;
}
