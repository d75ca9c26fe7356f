/**
 * Turns schema issues and cross-key findings into one readable error that names the stack,
 * each key path, the value found and what is allowed.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { show } from "../components/lib/validation";
import { CONFIG_NAMESPACE } from "./schema";

/** One invalid config value. */
export interface ConfigProblem {
  /** Path below the key, e.g. ["models", 0, "gpusPerPod"]. */
  readonly path: readonly PropertyKey[];
  /** The value found (undefined when missing). */
  readonly value: unknown;
  /** What is allowed, phrased to follow "must be". */
  readonly allowed: string;
}

/** Config that passed the schema but that a component rejected; its message names property and value. */
export interface ComponentRejection {
  /** Path of the config entry the component was built from, e.g. ["trainingJobs", 0]. */
  readonly path: readonly PropertyKey[];
  /** The component's own ValidationError message. */
  readonly rejection: string;
}

/** Thrown for invalid stack config. A RunError, so Pulumi prints the message without a stack trace. */
export class ConfigError extends pulumi.RunError {
  constructor(
    readonly stack: string,
    readonly problems: readonly (ConfigProblem | ComponentRejection)[],
  ) {
    super(formatProblems(stack, problems));
    this.name = "ConfigError";
  }
}

/** `k8s-ml-patterns:models[0].gpusPerPod` */
export function keyPath(path: readonly PropertyKey[]): string {
  let text = CONFIG_NAMESPACE;
  path.forEach((segment, index) => {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += index === 0 ? `:${String(segment)}` : `.${String(segment)}`;
  });
  return text;
}

export function formatProblems(
  stack: string,
  problems: readonly (ConfigProblem | ComponentRejection)[],
): string {
  const lines = problems.map((p) =>
    "rejection" in p
      ? `${keyPath(p.path)} is rejected by its component: ${p.rejection}`
      : `${keyPath(p.path)} must be ${p.allowed}; got ${show(p.value)}`,
  );
  const body = lines.length === 1 ? ` ${lines[0] ?? ""}` : `\n  - ${lines.join("\n  - ")}`;
  return `Invalid config for stack "${stack}":${body}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/** What an issue says is allowed, phrased to follow "must be". */
function allowedText(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      if (issue.expected === "int") return "a whole number";
      return issue.expected === "object" ? "an object (a YAML map)" : `a ${issue.expected}`;
    case "too_small": {
      const bound = String(issue.minimum);
      if (issue.origin === "array") return `a list with at least ${bound} item(s)`;
      if (issue.origin === "string") return `a string of at least ${bound} character(s)`;
      return issue.inclusive ? `at least ${bound}` : `greater than ${bound}`;
    }
    case "too_big": {
      const bound = String(issue.maximum);
      return issue.inclusive ? `at most ${bound}` : `less than ${bound}`;
    }
    case "invalid_value":
      return `one of ${issue.values.map((v) => show(v)).join(", ")}`;
    case "custom":
      return issue.message;
    case "invalid_key":
      // A record key failed its own schema; say what the key must be.
      return issue.issues.map((inner) => allowedText(inner)).join("; ");
    case "invalid_format":
      return `a valid ${issue.format}`;
    default:
      return issue.message;
  }
}

/** Converts schema issues to problems; unknown keys become one problem per key. */
export function problemsFromIssues(raw: unknown, issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        path: [...issue.path, key],
        value: valueAt(raw, [...issue.path, key]),
        allowed: "a known key (it is not one; check its spelling against Pulumi.yaml)",
      }));
    }
    const value = "input" in issue ? issue.input : valueAt(raw, issue.path);
    return [{ path: issue.path, value, allowed: allowedText(issue) }];
  });
}
