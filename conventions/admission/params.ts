/**
 * The parameters of a rule: their defaults (the policy pack's defaults), how a value is checked,
 * the schema the params object's CRD gives it, and the CEL that reads it in the generated
 * admission policies.
 */

import { LABEL_SELECTOR_OPERATORS, type LabelRef, type LabelSelectorData } from "../labels";

/** One parameter of a rule. */
export type RuleParam =
  | { readonly kind: "integer"; readonly default: number; readonly minimum: number }
  | { readonly kind: "boolean"; readonly default: boolean }
  | { readonly kind: "stringList"; readonly default: readonly string[] }
  | { readonly kind: "string"; readonly default: string }
  | { readonly kind: "label"; readonly default: LabelRef }
  | { readonly kind: "selectorList"; readonly default: readonly LabelSelectorData[] };

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
/** A label `{key, value}`, e.g. the one that marks model servers. */
export const labelParam = (defaultValue: LabelRef): RuleParam => ({ kind: "label", default: defaultValue });
/** Label selectors ({matchLabels, matchExpressions}), as Kubernetes matches them. */
export const selectorListParam = (defaultValue: readonly LabelSelectorData[]): RuleParam => ({
  kind: "selectorList",
  default: defaultValue,
});

const OPERATORS: readonly string[] = LABEL_SELECTOR_OPERATORS;

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/** A label selector as the params CRD holds it: only these fields, valid operators, string values. */
function isSelector(value: unknown): boolean {
  if (!isRecord(value)) return false;
  if (Object.keys(value).some((key) => key !== "matchLabels" && key !== "matchExpressions")) return false;
  const { matchLabels, matchExpressions } = value;
  if (
    matchLabels !== undefined &&
    !(isRecord(matchLabels) && Object.values(matchLabels).every((v) => typeof v === "string"))
  )
    return false;
  if (matchExpressions === undefined) return true;
  return (
    Array.isArray(matchExpressions) &&
    matchExpressions.every(
      (expression) =>
        isRecord(expression) &&
        Object.keys(expression).every((key) => ["key", "operator", "values"].includes(key)) &&
        typeof expression.key === "string" &&
        expression.key !== "" &&
        typeof expression.operator === "string" &&
        OPERATORS.includes(expression.operator) &&
        (expression.values === undefined || isStringList(expression.values)),
    )
  );
}

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
    case "label":
      return 'a label {"key": non-empty string, "value": string}';
    case "selectorList":
      return `a list of label selectors {matchLabels?: {key: value}, matchExpressions?: [{key, operator (${OPERATORS.join(", ")}), values?}]}`;
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
    case "label":
      return (
        isRecord(value) &&
        Object.keys(value).length === 2 &&
        typeof value.key === "string" &&
        value.key !== "" &&
        typeof value.value === "string"
      );
    case "selectorList":
      return Array.isArray(value) && value.every(isSelector);
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
    case "label":
      return {
        type: "object",
        properties: { key: { type: "string", minLength: 1 }, value: { type: "string" } },
        required: ["key", "value"],
      };
    case "selectorList":
      return {
        type: "array",
        items: {
          type: "object",
          properties: {
            matchLabels: { type: "object", additionalProperties: { type: "string" } },
            matchExpressions: {
              type: "array",
              items: {
                type: "object",
                properties: {
                  key: { type: "string", minLength: 1 },
                  operator: { type: "string", enum: [...OPERATORS] },
                  values: { type: "array", items: { type: "string" } },
                },
                required: ["key", "operator"],
              },
            },
          },
        },
      };
  }
}

/** The CEL expression reading the parameter from the params object. */
export function celParam(policy: string, name: string): string {
  return `params.spec.${paramsField(policy)}.${name}`;
}
