/**
 * Running the whole pack in-process over a list of {type, props, name, urn} resources, the way the
 * Pulumi engine would: remediations of policies at level "remediate" first, then every resource
 * policy on every resource, then every stack policy once. Used by the manifest checker, the
 * benchmark and the tests.
 */

import type {
  EnforcementLevel,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidation,
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

/** One violation of a pack run: which policy, at which level, the message and the resource. */
export interface PackViolation {
  readonly policy: string;
  /** "remediate" is reported as "mandatory", as the engine does for what remediation did not fix. */
  readonly level: Exclude<EnforcementLevel, "disabled" | "remediate">;
  readonly message: string;
  /** The resource the violation is about (for stack policies, when the policy names one). */
  readonly urn?: string;
}

/** Options of runPolicies. */
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

/** Thrown by args.notApplicable(): the policy skips the resource, which is not a violation. */
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

/** The args a resource policy gets from the analyzer, for one resource and a policy's properties. */
export function resourceArgs(
  resource: PackResource,
  properties: Readonly<Record<string, unknown>>,
): ResourceValidationArgs {
  return {
    type: resource.type,
    props: resource.props,
    urn: resource.urn,
    name: resource.name,
    opts: NO_OPTS,
    stackTags: NO_TAGS,
    isType: isTypeNever,
    asType: asTypeNever,
    getConfig: () => properties as never,
    notApplicable,
  };
}

/** The resources as a stack policy gets them from the analyzer. */
export function stackResources(resources: readonly PackResource[]): PolicyResource[] {
  const policyResources: PolicyResource[] = [];
  for (const resource of resources) {
    policyResources.push({
      type: resource.type,
      props: resource.props,
      urn: resource.urn,
      name: resource.name,
      opts: NO_OPTS,
      dependencies: [],
      propertyDependencies: {},
      isType: isTypeNever,
      asType: asTypeNever,
    });
  }
  return policyResources;
}

function reportedLevel(level: EnforcementLevel): PackViolation["level"] {
  return level === "advisory" ? "advisory" : "mandatory";
}

function runSync(run: () => unknown, policy: string): void {
  try {
    const result = run();
    if (result instanceof Promise)
      throw new Error(`policy ${policy} is asynchronous; runPolicies runs synchronous policies only`);
  } catch (error) {
    if (!(error instanceof NotApplicable)) throw error;
  }
}

/**
 * Applies the remediations of every policy at level "remediate"; returns new resources (the inputs
 * are left untouched).
 */
export function remediateResources(
  resources: readonly PackResource[],
  config?: PackConfig,
  resolved: ReadonlyMap<string, ResolvedPolicyConfig> = resolvePackConfig(config, allPolicies),
): PackResource[] {
  const active = resourcePolicies.filter(
    (policy) => policy.remediateResource && resolved.get(policy.name)?.level === "remediate",
  );
  if (active.length === 0) return [...resources];
  return resources.map((resource) => {
    let props = resource.props;
    for (const policy of active) {
      const policyConfig = resolved.get(policy.name);
      const remediate = policy.remediateResource;
      if (!policyConfig || !remediate) continue;
      const result: unknown = remediate(resourceArgs({ ...resource, props }, policyConfig.properties));
      if (result instanceof Promise) throw new Error(`remediation of ${policy.name} is asynchronous`);
      if (result !== undefined && result !== null) props = result as Record<string, unknown>;
    }
    return props === resource.props ? resource : { ...resource, props };
  });
}

/** Runs one resource policy on one resource, reporting each violation message. */
export function runResourcePolicy(
  policy: ResourceValidationPolicy,
  resource: PackResource,
  properties: Readonly<Record<string, unknown>>,
  report: (message: string) => void,
): void {
  const args = resourceArgs(resource, properties);
  for (const validate of validationsOf(policy)) {
    runSync(
      () =>
        validate(args, (message) => {
          report(message);
        }),
      policy.name,
    );
  }
}

/** A resource policy's validateResource, which the SDK allows to be one function or a list. */
function validationsOf(policy: ResourceValidationPolicy): readonly ResourceValidation[] {
  const validateResource = policy.validateResource;
  if (validateResource === undefined) return [];
  return Array.isArray(validateResource) ? validateResource : [validateResource];
}

/** The args a stack policy gets from the analyzer, over resources from `stackResources`. */
export function stackArgs(
  resources: PolicyResource[],
  properties: Readonly<Record<string, unknown>>,
): StackValidationArgs {
  return { resources, stackTags: NO_TAGS, getConfig: () => properties as never, notApplicable };
}

/** Runs one stack policy over the stack, reporting each violation and the URN it names. */
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
  const violations: PackViolation[] = [];
  for (const policy of resourcePolicies) {
    const policyConfig = resolved.get(policy.name);
    if (!policyConfig || policyConfig.level === "disabled") continue;
    const level = reportedLevel(policyConfig.level);
    // One args object per policy, refilled per resource (policies do not keep it).
    const args = resourceArgs({ type: "", props: {}, name: "", urn: "" }, policyConfig.properties);
    let urn = "";
    const report = (message: string): void => {
      violations.push({ policy: policy.name, level, message, urn });
    };
    for (const validate of validationsOf(policy)) {
      for (const resource of input) {
        args.type = resource.type;
        args.props = resource.props;
        args.name = resource.name;
        args.urn = urn = resource.urn;
        try {
          const result: unknown = validate(args, report);
          if (result instanceof Promise)
            throw new Error(
              `policy ${policy.name} is asynchronous; runPolicies runs synchronous policies only`,
            );
        } catch (error) {
          if (!(error instanceof NotApplicable)) throw error;
        }
      }
    }
  }
  const stack = stackResources(input);
  for (const policy of stackPolicies) {
    const policyConfig = resolved.get(policy.name);
    if (!policyConfig || policyConfig.level === "disabled") continue;
    const level = reportedLevel(policyConfig.level);
    runStackPolicy(policy, stack, policyConfig.properties, (message, urn) => {
      violations.push(
        urn === undefined
          ? { policy: policy.name, level, message }
          : { policy: policy.name, level, message, urn },
      );
    });
  }
  return violations;
}

/** Whether any violation is mandatory (the engine would fail the preview). */
export function hasMandatory(violations: readonly PackViolation[]): boolean {
  return violations.some((violation) => violation.level === "mandatory");
}
