/**
 * One rule source for two enforcement points. A rule definition holds what the policy pack's
 * CrossGuard policy and the generated ValidatingAdmissionPolicy share: the policy name, the
 * parameters with their defaults, the messages, and the CEL form of the check. The pack's
 * policy takes its defaults and message texts from here (policy/policies/*); the
 * AdmissionPolicies component turns the same definition into an admission policy whose
 * parameters come from a params ConfigMap.
 */
import { celMessage, type MessageTemplate } from "./message";
import { celParam, type RuleParam } from "./params";

/** The API resources an admission policy matches (a resourceRules entry without operations). */
export interface ResourceMatch {
  readonly apiGroups: readonly string[];
  readonly apiVersions: readonly string[];
  readonly resources: readonly string[];
}

/** A named CEL expression (a ValidatingAdmissionPolicy variable). */
export interface CelVariable {
  readonly name: string;
  readonly expression: string;
}

/** The CEL form of a rule: variables, and expressions that each yield a list of problem strings. */
export interface AdmissionCel {
  readonly variables: readonly CelVariable[];
  /** Each is a CEL list(string); the rule is violated when any is non-empty. */
  readonly problems: readonly string[];
}

/** What a rule's CEL builder is given: the CEL reading each parameter, and its messages in CEL. */
export interface RuleCelContext<
  Params extends string,
  Messages extends Record<string, MessageTemplate<string>>,
> {
  /** The CEL expression holding the parameter's value (a variable of the policy). */
  readonly param: (name: Params) => string;
  /** The message as a CEL string expression, slots given as CEL string expressions. */
  readonly message: <Key extends keyof Messages>(
    key: Key,
    slots: Readonly<Record<Messages[Key]["slots"][number], string>>,
  ) => string;
}

/** One rule: the policy's name, parameters and messages, and the CEL that enforces it at admission. */
export interface AdmissionRule<
  Params extends string = string,
  Messages extends Record<string, MessageTemplate<string>> = Record<string, MessageTemplate<string>>,
> {
  /** The CrossGuard policy's name, e.g. "gpu-limits". */
  readonly policy: string;
  /** The policy's level when the config sets none (the pack's default enforcement level). */
  readonly defaultLevel: "advisory" | "mandatory";
  readonly params: Readonly<Record<Params, RuleParam>>;
  readonly messages: Messages;
  readonly match: readonly ResourceMatch[];
  readonly cel: (context: RuleCelContext<Params, Messages>) => AdmissionCel;
  /** What the pack checks that the admission policy does not (for policy/README.md). */
  readonly packOnly?: string;
}

/** Defines a rule (checks the slot types of `cel`'s messages). */
export function defineRule<Params extends string, Messages extends Record<string, MessageTemplate<string>>>(
  rule: AdmissionRule<Params, Messages>,
): AdmissionRule<Params, Messages> {
  return rule;
}

/** The defaults of a rule's parameters, keyed by name (the pack policy's config defaults). */
export function ruleDefaults<Params extends string>(rule: {
  readonly params: Readonly<Record<Params, RuleParam>>;
}): { -readonly [Key in Params]: RuleParam["default"] } {
  const defaults: Partial<Record<Params, RuleParam["default"]>> = {};
  for (const [name, param] of Object.entries(rule.params) as [Params, RuleParam][]) {
    defaults[name] = param.default;
  }
  return defaults as { -readonly [Key in Params]: RuleParam["default"] };
}

/** The name of the CEL variable holding a parameter. */
export function paramVariable(name: string): string {
  return `param_${name}`;
}

/** The rule's CEL with parameters read into variables first. */
export function ruleCel(rule: AdmissionRule): AdmissionCel {
  const context: RuleCelContext<string, Record<string, MessageTemplate<string>>> = {
    param: (name) => `variables.${paramVariable(name)}`,
    message: (key, slots) => {
      const template = (rule.messages as Readonly<Record<string, MessageTemplate<string> | undefined>>)[key];
      if (template === undefined) throw new Error(`rule ${rule.policy} has no message ${key}`);
      return celMessage(template, slots);
    },
  };
  const built = rule.cel(context);
  const params = Object.keys(rule.params).map((name) => ({
    name: paramVariable(name),
    expression: celParam(rule.policy, name),
  }));
  return { variables: [...params, ...built.variables], problems: built.problems };
}
