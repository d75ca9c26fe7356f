// Running the whole pack in-process over a list of {type, props, name, urn} resources, the way the
// Pulumi engine would: remediations of policies at level "remediate" first, then every resource
// policy on every resource, then every stack policy once. Used by the manifest checker, the
// benchmark and the tests.

import type {
  EnforcementLevel,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { allPolicies, resourcePolicies, stackPolicies } from "../policies/all";
import { resolvePackConfig, type PackConfig, type ResolvedPolicyConfig } from "./packConfig";
import type { PackResource } from "./resource";

export type { PackResource } from "./resource";
export type { PackConfig } from "./packConfig";

export interface PackViolation {
  readonly policy: string;
  /** "remediate" is reported as "mandatory", as the engine does for what remediation did not fix. */
  readonly level: Exclude<EnforcementLevel, "disabled" | "remediate">;
  readonly message: string;
  /** The resource the violation is about (for stack policies, when the policy names one). */
  readonly urn?: string;
}

export interface RunOptions {
  /** Apply the remediations of policies at level "remediate" before validating (default true). */
  readonly remediate?: boolean;
}

const NO_OPTS: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

const NO_TAGS: ReadonlyMap<string, string> = new Map<string, string>();

class NotApplicable extends Error {}

function notApplicable(reason?: string): never {
  throw new NotApplicable(reason ?? "not applicable");
}

function isTypeNever(): boolean {
  return false;
}

function asTypeNever(): undefined {
  return undefined;
}

export function resourceArgs(
  r: PackResource,
  properties: Readonly<Record<string, unknown>>,
): ResourceValidationArgs {
  return {
    type: r.type,
    props: r.props,
    urn: r.urn,
    name: r.name,
    opts: NO_OPTS,
    stackTags: NO_TAGS,
    isType: isTypeNever,
    asType: asTypeNever,
    getConfig: () => properties as never,
    notApplicable,
  };
}

export function stackResources(resources: readonly PackResource[]): PolicyResource[] {
  const out: PolicyResource[] = [];
  for (const r of resources) {
    out.push({
      type: r.type,
      props: r.props,
      urn: r.urn,
      name: r.name,
      opts: NO_OPTS,
      dependencies: [],
      propertyDependencies: {},
      isType: isTypeNever,
      asType: asTypeNever,
    });
  }
  return out;
}

function reportedLevel(level: EnforcementLevel): PackViolation["level"] {
  return level === "advisory" ? "advisory" : "mandatory";
}

function runSync(fn: () => unknown, policy: string): void {
  try {
    const r = fn();
    if (r instanceof Promise)
      throw new Error(`policy ${policy} is asynchronous; runPolicies runs synchronous policies only`);
  } catch (e) {
    if (!(e instanceof NotApplicable)) throw e;
  }
}

/** Applies the remediations of every policy at level "remediate"; returns new resources (inputs untouched). */
export function remediateResources(
  resources: readonly PackResource[],
  config?: PackConfig,
  resolved: ReadonlyMap<string, ResolvedPolicyConfig> = resolvePackConfig(config, allPolicies),
): PackResource[] {
  const active = resourcePolicies.filter(
    (p) => p.remediateResource && resolved.get(p.name)?.level === "remediate",
  );
  if (active.length === 0) return [...resources];
  return resources.map((r) => {
    let props = r.props;
    for (const p of active) {
      const cfg = resolved.get(p.name);
      const remediate = p.remediateResource;
      if (!cfg || !remediate) continue;
      const result: unknown = remediate(resourceArgs({ ...r, props }, cfg.properties));
      if (result instanceof Promise) throw new Error(`remediation of ${p.name} is asynchronous`);
      if (result !== undefined && result !== null) props = result as Record<string, unknown>;
    }
    return props === r.props ? r : { ...r, props };
  });
}

export function runResourcePolicy(
  policy: ResourceValidationPolicy,
  resource: PackResource,
  properties: Readonly<Record<string, unknown>>,
  report: (message: string) => void,
): void {
  const v = policy.validateResource;
  const validations = v === undefined ? [] : Array.isArray(v) ? v : [v];
  const args = resourceArgs(resource, properties);
  for (const validate of validations) {
    runSync(
      () =>
        validate(args, (m) => {
          report(m);
        }),
      policy.name,
    );
  }
}

/** The args a stack policy gets from the analyzer, over resources from `stackResources`. */
export function stackArgs(
  resources: PolicyResource[],
  properties: Readonly<Record<string, unknown>>,
): StackValidationArgs {
  return { resources, stackTags: NO_TAGS, getConfig: () => properties as never, notApplicable };
}

export function runStackPolicy(
  policy: StackValidationPolicy,
  resources: PolicyResource[],
  properties: Readonly<Record<string, unknown>>,
  report: (message: string, urn?: string) => void,
): void {
  runSync(() => policy.validateStack(stackArgs(resources, properties), report), policy.name);
}

/** Every violation of the pack over these resources, resource policies first, in policy order. */
export function runPolicies(
  resources: readonly PackResource[],
  config?: PackConfig,
  options: RunOptions = {},
): PackViolation[] {
  const resolved = resolvePackConfig(config, allPolicies);
  const input = options.remediate === false ? resources : remediateResources(resources, config, resolved);
  const out: PackViolation[] = [];
  for (const p of resourcePolicies) {
    const cfg = resolved.get(p.name);
    if (!cfg || cfg.level === "disabled") continue;
    const level = reportedLevel(cfg.level);
    // One args object per policy, refilled per resource (policies do not keep it).
    const args = resourceArgs({ type: "", props: {}, name: "", urn: "" }, cfg.properties);
    let urn = "";
    const report = (message: string): void => {
      out.push({ policy: p.name, level, message, urn });
    };
    const v = p.validateResource;
    const validations = v === undefined ? [] : Array.isArray(v) ? v : [v];
    for (const validate of validations) {
      for (const r of input) {
        args.type = r.type;
        args.props = r.props;
        args.name = r.name;
        args.urn = urn = r.urn;
        try {
          const result: unknown = validate(args, report);
          if (result instanceof Promise)
            throw new Error(`policy ${p.name} is asynchronous; runPolicies runs synchronous policies only`);
        } catch (e) {
          if (!(e instanceof NotApplicable)) throw e;
        }
      }
    }
  }
  const stack = stackResources(input);
  for (const p of stackPolicies) {
    const cfg = resolved.get(p.name);
    if (!cfg || cfg.level === "disabled") continue;
    const level = reportedLevel(cfg.level);
    runStackPolicy(p, stack, cfg.properties, (message, urn) => {
      out.push(
        urn === undefined ? { policy: p.name, level, message } : { policy: p.name, level, message, urn },
      );
    });
  }
  return out;
}

export function hasMandatory(violations: readonly PackViolation[]): boolean {
  return violations.some((v) => v.level === "mandatory");
}
