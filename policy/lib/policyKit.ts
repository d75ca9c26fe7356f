/**
 * Turning plain check functions into CrossGuard policy objects.
 *
 * Every check is a plain function over K8sResource / PodTemplate / StackIndex that returns findings;
 * the wrappers here adapt them to ResourceValidationPolicy / StackValidationPolicy, so the same code
 * serves `pulumi preview --policy-pack`, runPolicies() and the manifest checker.
 */

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
import { podTemplatesOf } from "./crdTemplates";
import { customResourcesSchema, type CustomResourceKind } from "./customResources";
import type { PodTemplate } from "./podTemplate";
import { fromPulumi, type K8sResource, type PackResource } from "./resource";
import { buildStackIndex, type StackIndex } from "./stackIndex";
import { clonePlain, type Obj } from "./values";

/** One violation a check reports: the message, and for stack policies the resource it is about. */
export interface Finding {
  readonly message: string;
  /** For stack policies: the resource the violation is attached to. */
  readonly urn?: string;
}

/** The parts of a violation message; see violation() for the format. */
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
  /** The values the field may hold, when the rule has a fixed set (e.g. Pod Security controls). */
  readonly allowed?: string;
  /** How to fix it. */
  readonly fix: string;
  readonly urn?: string;
}

/**
 * The one message format of the pack: resource, container, problem, field path, value found, the
 * allowed values (when the rule has a fixed set), fix.
 */
export function violation(parts: ViolationParts): Finding {
  const subject = parts.container === undefined ? parts.resource : `${parts.resource}, ${parts.container}`;
  const allowed = parts.allowed === undefined ? "" : `; allowed: ${parts.allowed}`;
  const message = `${subject}: ${parts.problem}. Field: ${parts.path}; found: ${parts.found}${allowed}. Fix: ${parts.fix}`;
  return parts.urn === undefined ? { message } : { message, urn: parts.urn };
}

/** A JSON schema for every property of a policy's configuration. */
export type ConfigProperties<Config> = { readonly [Key in keyof Config]-?: JsonSchema };

/** A configSchema whose property defaults are the policy's defaults. */
export function configSchema<Config extends object>(
  defaults: Config,
  properties: ConfigProperties<Config>,
): PolicyConfigSchema {
  const schemas: Record<string, JsonSchema> = {};
  for (const [key, schema] of Object.entries<JsonSchema>(properties)) {
    schemas[key] = {
      ...schema,
      default: (defaults as Record<string, unknown>)[key] as JsonSchema["default"],
    };
  }
  return { properties: schemas };
}

const configCache = new WeakMap<object, { readonly defaults: object; readonly merged: object }>();

/** The policy's configuration: the given properties over the defaults (the CLI merges the same way). */
export function readConfig<Config extends object>(
  args: Pick<StackValidationArgs, "getConfig">,
  defaults: Config,
): Config {
  const given = args.getConfig<Partial<Config>>();
  const cached = configCache.get(given);
  if (cached?.defaults === defaults) return cached.merged as Config;
  const merged = { ...defaults, ...given };
  configCache.set(given, { defaults, merged });
  return merged;
}

/** Everything about a policy but its check: name, description, levels and configuration. */
export interface PolicyMeta<Config extends object> {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly severity: Severity;
  readonly remediationSteps?: string;
  readonly defaults: Config;
  readonly properties: ConfigProperties<Config>;
}

/** The fields every CrossGuard policy of the pack shares, built from its meta. */
function base<Config extends object>(meta: PolicyMeta<Config>) {
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
  for (const finding of findings) reportViolation(finding.message, finding.urn);
}

function resourceOf(args: ResourceValidationArgs): K8sResource | undefined {
  return fromPulumi({ type: args.type, props: args.props, name: args.name, urn: args.urn });
}

/** A resource policy's check: the findings for one resource. */
export type ResourceCheck<Config> = (resource: K8sResource, config: Config) => readonly Finding[];
/** Mutates `object` (a private copy of the props) to fix what is unambiguous; returns true if it changed. */
export type ResourceRemedy<Config> = (object: Obj, resource: K8sResource, config: Config) => boolean;

/** A CrossGuard resource policy from a check over K8sResource (and an optional remediation). */
export function defineResourcePolicy<Config extends object>(
  meta: PolicyMeta<Config>,
  check: ResourceCheck<Config>,
  remedy?: ResourceRemedy<Config>,
): ResourceValidationPolicy {
  const policy: ResourceValidationPolicy = {
    ...base(meta),
    validateResource: (args, reportViolation) => {
      const resource = resourceOf(args);
      if (resource) report(check(resource, readConfig(args, meta.defaults)), reportViolation);
    },
  };
  if (remedy) {
    policy.remediateResource = (args) => {
      if (!resourceOf(args)) return undefined;
      const copy = clonePlain(args.props) as Obj;
      const resource = fromPulumi({ type: args.type, props: copy, name: args.name, urn: args.urn });
      if (!resource) return undefined;
      return remedy(copy, resource, readConfig(args, meta.defaults)) ? copy : undefined;
    };
  }
  return policy;
}

/** A pod policy's check: the findings for one pod template. */
export type PodCheck<Config> = (template: PodTemplate, config: Config) => readonly Finding[];
/** Mutates the template's spec and containers (in the remediation's private copy); true if it changed. */
export type PodRemedy<Config> = (template: PodTemplate, config: Config) => boolean;

/** The config every pod and stack policy shares: custom resource kinds beyond the built-in table. */
export interface CustomResourcesConfig {
  readonly customResources?: readonly CustomResourceKind[];
}

/** A meta with the shared `customResources` property (default []) added. */
export function withCustomResources<Config extends object>(
  meta: PolicyMeta<Config>,
): PolicyMeta<Config & { readonly customResources: readonly CustomResourceKind[] }> {
  return {
    ...meta,
    defaults: { ...meta.defaults, customResources: [] },
    properties: { ...meta.properties, customResources: customResourcesSchema } as ConfigProperties<
      Config & { readonly customResources: readonly CustomResourceKind[] }
    >,
  };
}

/**
 * A resource policy over every pod template of Pod, Deployment, ReplicaSet, StatefulSet,
 * DaemonSet, Job, CronJob and the custom resources of the table (customResources.ts, extended
 * by the `customResources` property it adds to the config); other kinds pass.
 */
export function definePodPolicy<Config extends object>(
  meta: PolicyMeta<Config>,
  check: PodCheck<Config>,
  remedy?: PodRemedy<Config>,
): ResourceValidationPolicy {
  const templates = (resource: K8sResource, config: Config & CustomResourcesConfig): readonly PodTemplate[] =>
    podTemplatesOf(resource, config.customResources).filter((template) => template.resourcesOnly !== true);
  return defineResourcePolicy(
    withCustomResources(meta),
    (resource, config) => templates(resource, config).flatMap((template) => check(template, config)),
    remedy === undefined
      ? undefined
      : (_object, resource, config) => {
          let changed = false;
          for (const template of templates(resource, config)) changed = remedy(template, config) || changed;
          return changed;
        },
  );
}

/** A stack policy's check: the findings for the whole stack. */
export type StackCheck<Config> = (index: StackIndex, config: Config) => readonly Finding[];

/** A CrossGuard stack policy from a check over the stack index. */
export function defineStackPolicy<Config extends object>(
  meta: PolicyMeta<Config>,
  check: StackCheck<Config>,
): StackValidationPolicy {
  return {
    ...base(meta),
    validateStack: (args: StackValidationArgs, reportViolation) => {
      const config = readConfig(args, meta.defaults);
      const extra = (config as CustomResourcesConfig).customResources ?? [];
      report(check(stackIndexOf(args.resources, extra), config), reportViolation);
    },
  };
}

const indexCache = new WeakMap<readonly PackResource[], Map<string, StackIndex>>();

/**
 * The stack index of a resource list (with the custom resource kinds given); cached per list and
 * kinds, so the stack policies of one run share it.
 */
export function stackIndexOf(
  resources: readonly PackResource[],
  extra: readonly CustomResourceKind[] = [],
): StackIndex {
  let byKinds = indexCache.get(resources);
  if (!byKinds) {
    byKinds = new Map();
    indexCache.set(resources, byKinds);
  }
  const key = extra.length === 0 ? "" : JSON.stringify(extra);
  const cached = byKinds.get(key);
  if (cached) return cached;
  const parsed: K8sResource[] = [];
  for (const packResource of resources) {
    const resource = fromPulumi(packResource);
    if (resource) parsed.push(resource);
  }
  const index = buildStackIndex(parsed, extra);
  byKinds.set(key, index);
  return index;
}
