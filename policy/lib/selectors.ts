/**
 * Kubernetes label selectors: parsing, matching, implication, and an index for linear stack checks.
 *
 * Semantics follow k8s.io/apimachinery (metav1.LabelSelectorAsSelector):
 * - a null/absent selector matches nothing; an empty selector ({}) matches everything;
 * - matchLabels k: v is the requirement `k In (v)`; all requirements must hold;
 * - In: the label is present with one of the values; NotIn: the label is absent or has none of the
 *   values; Exists: the label is present; DoesNotExist: the label is absent.
 */

import { LABEL_SELECTOR_OPERATORS, type LabelSelectorOperator } from "../../conventions/labels";
import type { JsonSchema } from "./jsonSchema";
import { arr, hasUnknown, isObj, obj } from "./values";

/** The configSchema of one LabelSelector (matchLabels and matchExpressions), for policy config. */
export const labelSelectorSchema: JsonSchema = {
  type: "object",
  properties: {
    matchLabels: { type: "object", additionalProperties: { type: "string" } },
    matchExpressions: {
      type: "array",
      items: {
        type: "object",
        properties: {
          key: { type: "string", minLength: 1 },
          operator: { type: "string", enum: [...LABEL_SELECTOR_OPERATORS] },
          values: { type: "array", items: { type: "string" } },
        },
        required: ["key", "operator"],
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
};

/** The operators of a label selector's matchExpressions. */
export type Operator = LabelSelectorOperator;

/** One requirement of a selector: `key operator (values)`. */
export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

/** A parsed selector; `invalid` and `unknown` (during preview) select nothing. */
export type Selector =
  | { readonly type: "nothing" }
  | { readonly type: "everything" }
  | { readonly type: "requirements"; readonly requirements: readonly Requirement[] }
  | { readonly type: "invalid"; readonly reason: string }
  | { readonly type: "unknown" };

/** The selector that selects nothing (an absent label selector). */
export const NOTHING: Selector = { type: "nothing" };
/** The selector that selects everything (an empty label selector, {}). */
export const EVERYTHING: Selector = { type: "everything" };

const OPERATORS: ReadonlySet<string> = new Set(LABEL_SELECTOR_OPERATORS);

/** Parses a metav1.LabelSelector (matchLabels + matchExpressions). */
export function parseLabelSelector(value: unknown): Selector {
  if (value === undefined || value === null) return NOTHING;
  if (hasUnknown(value)) return { type: "unknown" };
  const selector = obj(value);
  if (!selector) return { type: "invalid", reason: "selector is not an object" };
  const requirements: Requirement[] = [];
  const matchLabels = selector.matchLabels;
  if (matchLabels !== undefined && matchLabels !== null) {
    if (!isObj(matchLabels)) return { type: "invalid", reason: "matchLabels is not a map" };
    for (const [key, label] of Object.entries(matchLabels)) {
      if (typeof label !== "string")
        return { type: "invalid", reason: `matchLabels["${key}"] is not a string` };
      requirements.push({ key, operator: "In", values: [label] });
    }
  }
  const matchExpressions = selector.matchExpressions;
  if (matchExpressions !== undefined && matchExpressions !== null) {
    const list = arr(matchExpressions);
    if (!list) return { type: "invalid", reason: "matchExpressions is not a list" };
    for (const [index, item] of list.entries()) {
      const parsed = parseExpression(item);
      if (typeof parsed === "string")
        return { type: "invalid", reason: `matchExpressions[${index}]: ${parsed}` };
      requirements.push(parsed);
    }
  }
  return requirements.length === 0 ? EVERYTHING : { type: "requirements", requirements };
}

/** Parses a node-selector-style expression ({key, operator, values}); a string is an error. */
export function parseExpression(item: unknown): Requirement | string {
  const expression = obj(item);
  if (!expression) return "not an object";
  const key = expression.key;
  const operator = expression.operator;
  if (typeof key !== "string" || key === "") return "key is missing";
  if (typeof operator !== "string" || !OPERATORS.has(operator))
    return `operator ${JSON.stringify(operator)} is not valid`;
  const rawValues =
    expression.values === undefined || expression.values === null ? [] : arr(expression.values);
  if (!rawValues?.every((entry): entry is string => typeof entry === "string"))
    return "values must be a list of strings";
  const values = rawValues;
  if ((operator === "In" || operator === "NotIn") && values.length === 0)
    return `operator ${operator} needs values`;
  if ((operator === "Exists" || operator === "DoesNotExist") && values.length > 0)
    return `operator ${operator} takes no values`;
  return { key, operator: operator as Operator, values };
}

/**
 * A Service-style selector: a plain map of labels. An empty or absent map selects no pods (a Service
 * without a selector gets no managed endpoints).
 */
export function parseMapSelector(value: unknown): Selector {
  if (value === undefined || value === null) return NOTHING;
  if (hasUnknown(value)) return { type: "unknown" };
  const map = obj(value);
  if (!map) return { type: "invalid", reason: "selector is not a map" };
  const requirements: Requirement[] = [];
  for (const [key, label] of Object.entries(map)) {
    if (typeof label !== "string") return { type: "invalid", reason: `selector["${key}"] is not a string` };
    requirements.push({ key, operator: "In", values: [label] });
  }
  return requirements.length === 0 ? NOTHING : { type: "requirements", requirements };
}

/** The selector `k1 In (v1), k2 In (v2), ...` for a label map. */
export function selectorForLabels(labels: Readonly<Record<string, string>>): Selector {
  const requirements = Object.entries(labels).map(([key, label]) => ({
    key,
    operator: "In" as const,
    values: [label],
  }));
  return requirements.length === 0 ? EVERYTHING : { type: "requirements", requirements };
}

/** Whether a label set satisfies the requirement. */
export function requirementMatches(
  requirement: Requirement,
  labels: Readonly<Record<string, string>>,
): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, requirement.key);
  switch (requirement.operator) {
    case "In":
      return has && requirement.values.includes(labels[requirement.key] ?? "");
    case "NotIn":
      return !has || !requirement.values.includes(labels[requirement.key] ?? "");
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
  }
}

/** Does the selector select an object with these labels? Unknown and invalid selectors select nothing. */
export function matchesLabels(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  switch (selector.type) {
    case "everything":
      return true;
    case "requirements":
      return selector.requirements.every((requirement) => requirementMatches(requirement, labels));
    default:
      return false;
  }
}

/** True when every label set that satisfies `narrow` also satisfies `broad` (same key only). */
function requirementImplies(narrow: Requirement, broad: Requirement): boolean {
  if (narrow.key !== broad.key) return false;
  switch (broad.operator) {
    case "In":
      return narrow.operator === "In" && narrow.values.every((value) => broad.values.includes(value));
    case "NotIn":
      return (
        (narrow.operator === "In" && narrow.values.every((value) => !broad.values.includes(value))) ||
        (narrow.operator === "NotIn" && broad.values.every((value) => narrow.values.includes(value))) ||
        narrow.operator === "DoesNotExist"
      );
    case "Exists":
      return narrow.operator === "In" || narrow.operator === "Exists";
    case "DoesNotExist":
      return narrow.operator === "DoesNotExist";
  }
}

/**
 * True when everything `narrow` selects is also selected by `broad` (narrow ⊆ broad), decided
 * requirement by requirement: each requirement of `broad` must follow from one requirement of
 * `narrow`. This is sound (it never claims a subset that is not one) and exact for the selectors
 * people write.
 */
export function implies(narrow: Selector, broad: Selector): boolean {
  if (narrow.type === "unknown" || broad.type === "unknown") return false;
  if (narrow.type === "nothing" || narrow.type === "invalid") return true;
  if (broad.type === "everything") return true;
  if (broad.type === "nothing" || broad.type === "invalid") return false;
  if (narrow.type === "everything") return false;
  const narrowRequirements = narrow.requirements;
  return broad.requirements.every((needed) =>
    narrowRequirements.some((given) => requirementImplies(given, needed)),
  );
}

/** kubectl-style rendering of one requirement: `app=a`, `tier in (a, b)`, `!debug`. */
export function describeRequirement(requirement: Requirement): string {
  const { key, values } = requirement;
  switch (requirement.operator) {
    case "In":
      return values.length === 1 ? `${key}=${values[0] ?? ""}` : `${key} in (${values.join(", ")})`;
    case "NotIn":
      return `${key} notin (${values.join(", ")})`;
    case "Exists":
      return key;
    case "DoesNotExist":
      return `!${key}`;
  }
}

/** kubectl-style rendering: "app=api-gateway, tier in (a, b)"; "{} (everything)"; "null (nothing)". */
export function describeSelector(selector: Selector): string {
  switch (selector.type) {
    case "nothing":
      return "null (selects nothing)";
    case "everything":
      return "{} (selects everything)";
    case "unknown":
      return "unknown during preview";
    case "invalid":
      return `invalid (${selector.reason})`;
    case "requirements":
      return selector.requirements.map(describeRequirement).join(", ");
  }
}

/** A label set for messages: `{app=a, tier=backend}`. */
export function describeLabels(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(([key, value]) => `${key}=${value}`);
  return parts.length === 0 ? "{}" : `{${parts.join(", ")}}`;
}

/** An item filed in a SelectorIndex under its selector. */
interface IndexEntry<T> {
  readonly selector: Selector;
  readonly item: T;
}

/**
 * An inverted index from selectors to items, so that finding the selectors that select a label set
 * costs time proportional to the candidates, not to all selectors. Each item is filed under one
 * anchor requirement: an `In` requirement (under each key=value), else an `Exists` requirement
 * (under the key), else in a short list that every lookup scans (empty selectors, and selectors with
 * only NotIn/DoesNotExist requirements). Candidates are then checked with matchesLabels.
 */
export class SelectorIndex<T> {
  private readonly byKeyValue = new Map<string, IndexEntry<T>[]>();
  private readonly byKey = new Map<string, IndexEntry<T>[]>();
  private readonly scan: IndexEntry<T>[] = [];

  add(selector: Selector, item: T): void {
    if (selector.type !== "everything" && selector.type !== "requirements") return; // selects nothing
    const entry = { selector, item };
    if (selector.type === "everything") {
      this.scan.push(entry);
      return;
    }
    const anchorIn = selector.requirements.find((requirement) => requirement.operator === "In");
    if (anchorIn) {
      for (const value of new Set(anchorIn.values)) {
        appendTo(this.byKeyValue, keyValueKey(anchorIn.key, value), entry);
      }
      return;
    }
    const anchorExists = selector.requirements.find((requirement) => requirement.operator === "Exists");
    if (anchorExists) appendTo(this.byKey, anchorExists.key, entry);
    else this.scan.push(entry);
  }

  /** The items whose selector selects these labels. */
  matching(labels: Readonly<Record<string, string>>): T[] {
    const matches: T[] = [];
    const check = (entry: IndexEntry<T>): void => {
      if (matchesLabels(entry.selector, labels)) matches.push(entry.item);
    };
    this.scan.forEach(check);
    for (const [key, value] of Object.entries(labels)) {
      this.byKeyValue.get(keyValueKey(key, value))?.forEach(check);
      this.byKey.get(key)?.forEach(check);
    }
    return matches;
  }
}

/** The byKeyValue map key of a label (NUL cannot occur in label keys or values). */
function keyValueKey(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

function appendTo<Key, Value>(map: Map<Key, Value[]>, key: Key, value: Value): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
