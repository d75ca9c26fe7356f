/**
 * The parameters of a rule: their defaults (the policy pack's defaults), how a value is checked,
 * the schema the params object's CRD gives it, and the CEL that reads it in the generated
 * admission policies.
 */

/** One parameter of a rule. */
export type RuleParam =
  | { readonly kind: "integer"; readonly default: number; readonly minimum: number }
  | { readonly kind: "boolean"; readonly default: boolean }
  | { readonly kind: "stringList"; readonly default: readonly string[] }
  | { readonly kind: "string"; readonly default: string };

/** The value type of a parameter. */
export type ParamValue<P extends RuleParam> = P["default"];

export const integerParam = (defaultValue: number, minimum: number): RuleParam => ({
  kind: "integer",
  default: defaultValue,
  minimum,
});
export const booleanParam = (defaultValue: boolean): RuleParam => ({
  kind: "boolean",
  default: defaultValue,
});
export const stringListParam = (defaultValue: readonly string[]): RuleParam => ({
  kind: "stringList",
  default: defaultValue,
});
export const stringParam = (defaultValue: string): RuleParam => ({ kind: "string", default: defaultValue });

/** The field of the params object's spec holding a rule's parameters: the policy name in camelCase. */
export function paramsField(policy: string): string {
  return policy.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

/** What a parameter of the kind may hold, for messages. */
export function describeParam(param: RuleParam): string {
  switch (param.kind) {
    case "integer":
      return `an integer >= ${param.minimum}`;
    case "boolean":
      return "true or false";
    case "stringList":
      return "a list of distinct non-empty strings";
    case "string":
      return "a non-empty string";
  }
}

/** Whether `value` is one the generated admission policies can take for the parameter. */
export function isExpressible(param: RuleParam, value: unknown): boolean {
  switch (param.kind) {
    case "integer":
      return typeof value === "number" && Number.isSafeInteger(value) && value >= param.minimum;
    case "boolean":
      return typeof value === "boolean";
    case "stringList":
      return (
        Array.isArray(value) &&
        value.every((item) => typeof item === "string" && item !== "") &&
        new Set(value).size === value.length
      );
    case "string":
      return typeof value === "string" && value !== "";
  }
}

/** The OpenAPI schema of the parameter in the params CRD (the API server checks values against it). */
export function paramSchema(param: RuleParam): Record<string, unknown> {
  switch (param.kind) {
    case "integer":
      return { type: "integer", minimum: param.minimum };
    case "boolean":
      return { type: "boolean" };
    case "stringList":
      return { type: "array", items: { type: "string", minLength: 1 }, "x-kubernetes-list-type": "set" };
    case "string":
      return { type: "string", minLength: 1 };
  }
}

/** The CEL expression reading the parameter from the params object. */
export function celParam(policy: string, name: string): string {
  return `params.spec.${paramsField(policy)}.${name}`;
}
