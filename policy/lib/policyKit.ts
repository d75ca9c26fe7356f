// Turning plain check functions into CrossGuard policy objects.
//
// Every check is a plain function over K8sResource / PodTemplate / StackIndex that returns findings;
// the wrappers here adapt them to ResourceValidationPolicy / StackValidationPolicy, so the same code
// serves `pulumi preview --policy-pack`, runPolicies() and the manifest checker.

import type {
  EnforcementLevel,
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { JsonSchema } from "./jsonSchema";
import { podTemplateOf, type PodTemplate } from "./podTemplate";
import { fromPulumi, type K8sResource, type PackResource } from "./resource";
import { buildStackIndex, type StackIndex } from "./stackIndex";
import { clonePlain, type Obj } from "./values";

export interface Finding {
  readonly message: string;
  /** For stack policies: the resource the violation is attached to. */
  readonly urn?: string;
}

export interface ViolationParts {
  /** "Deployment ml/llm" */
  readonly resource: string;
  /** `container "server"`, `init container "loader"`, ... */
  readonly container?: string;
  /** What is wrong, without a trailing period. */
  readonly problem: string;
  /** The field, e.g. spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]. */
  readonly path: string;
  /** The value found. */
  readonly found: string;
  /** How to fix it. */
  readonly fix: string;
  readonly urn?: string;
}

/** The one message format of the pack: resource, container, problem, field path, value found, fix. */
export function violation(p: ViolationParts): Finding {
  const who = p.container === undefined ? p.resource : `${p.resource}, ${p.container}`;
  const message = `${who}: ${p.problem}. Field: ${p.path}; found: ${p.found}. Fix: ${p.fix}`;
  return p.urn === undefined ? { message } : { message, urn: p.urn };
}

export type ConfigProperties<C> = { readonly [K in keyof C]-?: JsonSchema };

/** A configSchema whose property defaults are the policy's defaults. */
export function configSchema<C extends object>(
  defaults: C,
  properties: ConfigProperties<C>,
): PolicyConfigSchema {
  const out: Record<string, JsonSchema> = {};
  for (const [k, schema] of Object.entries<JsonSchema>(properties)) {
    out[k] = { ...schema, default: (defaults as Record<string, unknown>)[k] as JsonSchema["default"] };
  }
  return { properties: out };
}

const configCache = new WeakMap<object, { defaults: object; merged: object }>();

/** The policy's configuration: the given properties over the defaults (the CLI merges the same way). */
export function readConfig<C extends object>(args: Pick<StackValidationArgs, "getConfig">, defaults: C): C {
  const given = args.getConfig<Partial<C>>();
  const hit = configCache.get(given);
  if (hit?.defaults === defaults) return hit.merged as C;
  const merged = { ...defaults, ...given };
  configCache.set(given, { defaults, merged });
  return merged;
}

export interface PolicyMeta<C extends object> {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly severity: Severity;
  readonly remediationSteps?: string;
  readonly defaults: C;
  readonly properties: ConfigProperties<C>;
}

function base<C extends object>(meta: PolicyMeta<C>) {
  return {
    name: meta.name,
    description: meta.description,
    enforcementLevel: meta.enforcementLevel,
    severity: meta.severity,
    configSchema: configSchema(meta.defaults, meta.properties),
    ...(meta.remediationSteps === undefined ? {} : { remediationSteps: meta.remediationSteps }),
  };
}

function report(findings: readonly Finding[], reportViolation: ReportViolation): void {
  for (const f of findings) reportViolation(f.message, f.urn);
}

function resourceOf(args: ResourceValidationArgs): K8sResource | undefined {
  return fromPulumi({ type: args.type, props: args.props, name: args.name, urn: args.urn });
}

export type ResourceCheck<C> = (res: K8sResource, cfg: C) => readonly Finding[];
/** Mutates `object` (a private copy of the props) to fix what is unambiguous; returns true if it changed. */
export type ResourceRemedy<C> = (object: Obj, res: K8sResource, cfg: C) => boolean;

export function defineResourcePolicy<C extends object>(
  meta: PolicyMeta<C>,
  check: ResourceCheck<C>,
  remedy?: ResourceRemedy<C>,
): ResourceValidationPolicy {
  const policy: ResourceValidationPolicy = {
    ...base(meta),
    validateResource: (args, reportViolation) => {
      const res = resourceOf(args);
      if (res) report(check(res, readConfig(args, meta.defaults)), reportViolation);
    },
  };
  if (remedy) {
    policy.remediateResource = (args) => {
      if (!resourceOf(args)) return undefined;
      const copy = clonePlain(args.props) as Obj;
      const res = fromPulumi({ type: args.type, props: copy, name: args.name, urn: args.urn });
      if (!res) return undefined;
      return remedy(copy, res, readConfig(args, meta.defaults)) ? copy : undefined;
    };
  }
  return policy;
}

export type PodCheck<C> = (t: PodTemplate, cfg: C) => readonly Finding[];
export type PodRemedy<C> = (t: PodTemplate, cfg: C) => boolean;

/** A resource policy over the pod template of Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob. */
export function definePodPolicy<C extends object>(
  meta: PolicyMeta<C>,
  check: PodCheck<C>,
  remedy?: PodRemedy<C>,
): ResourceValidationPolicy {
  return defineResourcePolicy(
    meta,
    (res, cfg) => {
      const t = podTemplateOf(res);
      return t ? check(t, cfg) : [];
    },
    remedy === undefined
      ? undefined
      : (_object, res, cfg) => {
          const t = podTemplateOf(res);
          return t ? remedy(t, cfg) : false;
        },
  );
}

export type StackCheck<C> = (index: StackIndex, cfg: C) => readonly Finding[];

export function defineStackPolicy<C extends object>(
  meta: PolicyMeta<C>,
  check: StackCheck<C>,
): StackValidationPolicy {
  return {
    ...base(meta),
    validateStack: (args: StackValidationArgs, reportViolation) => {
      report(check(stackIndexOf(args.resources), readConfig(args, meta.defaults)), reportViolation);
    },
  };
}

const indexCache = new WeakMap<readonly PackResource[], StackIndex>();

/** The stack index of a resource list; cached per list, so the stack policies of one run share it. */
export function stackIndexOf(resources: readonly PackResource[]): StackIndex {
  const hit = indexCache.get(resources);
  if (hit) return hit;
  const parsed: K8sResource[] = [];
  for (const r of resources) {
    const res = fromPulumi(r);
    if (res) parsed.push(res);
  }
  const index = buildStackIndex(parsed);
  indexCache.set(resources, index);
  return index;
}
