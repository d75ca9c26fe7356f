/**
 * Validation of AdmissionPolicies' arguments: the policy config must hold levels and parameters
 * the generated admission policies can express, or nothing is registered.
 */
import { ADMISSION_RULES } from "../../conventions/admission/index";
import { describeParam, isExpressible } from "../../conventions/admission/params";
import type { AdmissionRule } from "../../conventions/admission/rule";
import { ArgChecker } from "../lib/validation";
import type { AdmissionAction, AdmissionPoliciesSettings, RuleSettings } from "./args";

/** The arguments once resolved (the namespace known). */
export interface ResolvedAdmissionPoliciesArgs {
  readonly namespace: string;
  readonly policyConfig?: Readonly<Record<string, unknown>> | undefined;
}

/** The pack's enforcement levels and the binding actions each becomes. */
export const LEVEL_ACTIONS: Readonly<Record<string, readonly AdmissionAction[]>> = {
  mandatory: ["Deny"],
  // The pack fixes the resource during `pulumi up`; a client that sends it unfixed is refused.
  remediate: ["Deny"],
  advisory: ["Warn", "Audit"],
  disabled: [],
};

const LEVELS = Object.keys(LEVEL_ACTIONS);
/** The name starts the policies' and bindings' names and the params CRD's API group. */
const MAX_NAME_LENGTH = 40;
const LEVEL_TEXT = LEVELS.join(", ");
/** A property every pod policy of the pack has; the admission policies cover the built-in kinds only. */
const CUSTOM_RESOURCES = "customResources";

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

interface Entry {
  readonly level: unknown;
  readonly properties: Readonly<Record<string, unknown>>;
}

function entryOf(value: unknown): Entry | undefined {
  if (typeof value === "string") return { level: value, properties: {} };
  if (!isRecord(value)) return undefined;
  const { enforcementLevel, ...properties } = value;
  return { level: enforcementLevel, properties };
}

function checkEntry(checker: ArgChecker, key: string, value: unknown, rule: AdmissionRule | undefined): void {
  const where = `policyConfig[${JSON.stringify(key)}]`;
  const entry = entryOf(value);
  if (!entry) {
    checker.check(
      false,
      where,
      value,
      `a level (${LEVEL_TEXT}) or an object {enforcementLevel?, ...properties}`,
    );
    return;
  }
  if (entry.level !== undefined) {
    checker.check(
      typeof entry.level === "string" && LEVELS.includes(entry.level),
      `${where}.enforcementLevel`,
      entry.level,
      `one of ${LEVEL_TEXT}`,
    );
  }
  if (key === "all" || rule === undefined) return;
  for (const [property, propertyValue] of Object.entries(entry.properties)) {
    if (property === CUSTOM_RESOURCES) {
      checker.check(
        Array.isArray(propertyValue) && propertyValue.length === 0,
        `${where}.${property}`,
        propertyValue,
        "[] here: the admission policies check the built-in pod kinds only, so custom resource kinds would be held to the rule by the pack but not at the API server (disable the admission policies or drop the kinds)",
      );
      continue;
    }
    const param = (rule.params as Readonly<Record<string, (typeof rule.params)[string] | undefined>>)[
      property
    ];
    if (param === undefined) {
      checker.check(
        false,
        `${where}.${property}`,
        propertyValue,
        `a property of ${rule.policy}: one of ${Object.keys(rule.params).join(", ")}`,
      );
      continue;
    }
    checker.check(
      isExpressible(param, propertyValue),
      `${where}.${property}`,
      propertyValue,
      describeParam(param),
    );
  }
}

/**
 * Checks the arguments: namespace, and every entry of the policy config (levels the bindings can
 * express, parameters the params ConfigMap can hold, no property the rule does not have).
 */
export function validateAdmissionPoliciesArgs(name: string, args: ResolvedAdmissionPoliciesArgs): void {
  const checker = new ArgChecker(`AdmissionPolicies ${JSON.stringify(name)}`);
  checker.dnsLabel("name", name, MAX_NAME_LENGTH);
  checker.dnsLabel("namespace", args.namespace);
  checkPolicyConfig(checker, args.policyConfig);
  checker.throwIfInvalid();
}

/** Checks only the policy config (what decides the children, known before the namespace is). */
export function validateAdmissionPolicyConfig(name: string, policyConfig: unknown): void {
  const checker = new ArgChecker(`AdmissionPolicies ${JSON.stringify(name)}`);
  checker.dnsLabel("name", name, MAX_NAME_LENGTH);
  checkPolicyConfig(checker, policyConfig);
  checker.throwIfInvalid();
}

function checkPolicyConfig(checker: ArgChecker, policyConfig: unknown): void {
  const config = policyConfig ?? {};
  if (!isRecord(config)) {
    checker.check(false, "policyConfig", config, 'an object keyed by policy name (or "all")');
  } else {
    for (const [key, value] of Object.entries(config)) {
      checkEntry(
        checker,
        key,
        value,
        ADMISSION_RULES.find((rule) => rule.policy === key),
      );
    }
  }
}

/** The rule's level: its entry's, else "all", else the rule's default (as the Pulumi CLI resolves it). */
function levelOf(rule: AdmissionRule, config: Readonly<Record<string, unknown>>): string {
  const entry = entryOf(config[rule.policy]);
  const all = entryOf(config.all);
  return (entry?.level ?? all?.level ?? rule.defaultLevel) as string;
}

/** Validated arguments with the levels resolved and the parameters over their defaults. */
export function withAdmissionPoliciesDefaults(
  name: string,
  args: ResolvedAdmissionPoliciesArgs,
): AdmissionPoliciesSettings {
  return { name, namespace: args.namespace, rules: resolveRules(args.policyConfig) };
}

/** Each rule's actions and parameter values under a (valid) policy config. */
export function resolveRules(policyConfig: Readonly<Record<string, unknown>> = {}): RuleSettings[] {
  const config = policyConfig;
  return ADMISSION_RULES.map((rule): RuleSettings => {
    const properties = entryOf(config[rule.policy])?.properties ?? {};
    const params = Object.fromEntries(
      Object.entries(rule.params).map(([param, definition]) => [
        param,
        properties[param] ?? definition.default,
      ]),
    );
    return { rule, actions: LEVEL_ACTIONS[levelOf(rule, config)] ?? [], params };
  });
}
