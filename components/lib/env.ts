import type * as k8s from "@pulumi/kubernetes";
import { type ArgChecker, isEnvVarName } from "./validation";

/**
 * Checks user-supplied environment variables: every name must be a valid variable name, and none
 * may be one the component injects itself. Kubernetes keeps the last of two entries with the same
 * name, so a user value would silently override the wiring (say, `RANK`) instead of failing.
 */
export function checkUserEnv(
  checker: ArgChecker,
  property: string,
  env: Readonly<Record<string, string>> | undefined,
  reserved: readonly string[],
): ArgChecker {
  if (env === undefined) return checker;
  const names = Object.keys(env);
  const invalid = names.filter((name) => !isEnvVarName(name));
  checker.check(
    invalid.length === 0,
    property,
    invalid,
    "a map whose keys are environment variable names (letters, digits, '_', '-' and '.', not starting with a digit)",
  );
  const clashing = names.filter((name) => reserved.includes(name));
  checker.check(
    clashing.length === 0,
    property,
    clashing,
    `free of the names the component injects (${reserved.join(", ")})`,
  );
  const nonString = names.filter((name) => typeof env[name] !== "string");
  checker.check(nonString.length === 0, property, nonString, "a map of names to string values");
  return checker;
}

/** User environment variables as container `env` entries, in a stable (sorted) order. */
export function userEnvVars(env: Readonly<Record<string, string>>): k8s.types.input.core.v1.EnvVar[] {
  return Object.keys(env)
    .sort()
    .map((name) => ({ name, value: env[name] }));
}

/** An environment variable read from the pod's own metadata through the downward API. */
export function fieldRefEnvVar(name: string, fieldPath: string): k8s.types.input.core.v1.EnvVar {
  return { name, valueFrom: { fieldRef: { apiVersion: "v1", fieldPath } } };
}
