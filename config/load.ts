/** Reads the stack's config and validates all of it before the program registers anything. */
import * as pulumi from "@pulumi/pulumi";
import { crossCheck, type ReservedEnvNames } from "./crossChecks";
import { ConfigError, problemsFromIssues } from "./problems";
import { RESERVED_ENV_NAMES } from "./reservedEnv";
import { CONFIG_NAMESPACE, stackConfigSchema, type StackConfig } from "./schema";

/**
 * The project's config as one object keyed without the namespace. Pulumi hands structured
 * values over as JSON text and plain ones as text; a plain value that is not JSON stays text.
 */
export function readRawConfig(
  all: Record<string, string> = pulumi.runtime.allConfig(),
): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(all)) {
    if (!fullKey.startsWith(`${CONFIG_NAMESPACE}:`)) continue;
    const key = fullKey.slice(CONFIG_NAMESPACE.length + 1);
    try {
      const parsed: unknown = JSON.parse(text);
      // Keep numbers-as-text for keys that hold strings (e.g. a namespace named "1234").
      raw[key] = typeof parsed === "object" || typeof parsed === "boolean" ? parsed : text;
    } catch {
      raw[key] = text;
    }
  }
  return raw;
}

/**
 * Validates the raw config against the schema, then the cross-key rules, and throws one
 * ConfigError listing every problem. Nothing is registered when this throws.
 */
export function parseStackConfig(
  stack: string,
  raw: Record<string, unknown>,
  reserved: ReservedEnvNames = RESERVED_ENV_NAMES,
): StackConfig {
  const result = stackConfigSchema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new ConfigError(stack, problemsFromIssues(raw, result.error.issues));
  const problems = crossCheck(result.data, reserved);
  if (problems.length > 0) throw new ConfigError(stack, problems);
  return result.data;
}

/** The current stack's validated config. */
export function loadStackConfig(): StackConfig {
  return parseStackConfig(pulumi.getStack(), readRawConfig());
}
