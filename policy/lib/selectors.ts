// Kubernetes label selectors: parsing, matching, implication, and an index for linear stack checks.
//
// Semantics follow k8s.io/apimachinery (metav1.LabelSelectorAsSelector):
// - a null/absent selector matches nothing; an empty selector ({}) matches everything;
// - matchLabels k: v is the requirement `k In (v)`; all requirements must hold;
// - In: the label is present with one of the values; NotIn: the label is absent or has none of the
//   values; Exists: the label is present; DoesNotExist: the label is absent.

import { arr, hasUnknown, isObj, obj } from "./values";

export type Operator = "In" | "NotIn" | "Exists" | "DoesNotExist";

export interface Requirement {
  readonly key: string;
  readonly op: Operator;
  readonly values: readonly string[];
}

export type Selector =
  | { readonly type: "nothing" }
  | { readonly type: "everything" }
  | { readonly type: "requirements"; readonly reqs: readonly Requirement[] }
  | { readonly type: "invalid"; readonly reason: string }
  | { readonly type: "unknown" };

export const NOTHING: Selector = { type: "nothing" };
export const EVERYTHING: Selector = { type: "everything" };

const OPERATORS: ReadonlySet<string> = new Set(["In", "NotIn", "Exists", "DoesNotExist"]);

/** Parses a metav1.LabelSelector (matchLabels + matchExpressions). */
export function parseLabelSelector(v: unknown): Selector {
  if (v === undefined || v === null) return NOTHING;
  if (hasUnknown(v)) return { type: "unknown" };
  const sel = obj(v);
  if (!sel) return { type: "invalid", reason: "selector is not an object" };
  const reqs: Requirement[] = [];
  const ml = sel.matchLabels;
  if (ml !== undefined && ml !== null) {
    if (!isObj(ml)) return { type: "invalid", reason: "matchLabels is not a map" };
    for (const [key, value] of Object.entries(ml)) {
      if (typeof value !== "string")
        return { type: "invalid", reason: `matchLabels["${key}"] is not a string` };
      reqs.push({ key, op: "In", values: [value] });
    }
  }
  const me = sel.matchExpressions;
  if (me !== undefined && me !== null) {
    const list = arr(me);
    if (!list) return { type: "invalid", reason: "matchExpressions is not a list" };
    for (const [i, item] of list.entries()) {
      const r = parseExpression(item);
      if (typeof r === "string") return { type: "invalid", reason: `matchExpressions[${i}]: ${r}` };
      reqs.push(r);
    }
  }
  return reqs.length === 0 ? EVERYTHING : { type: "requirements", reqs };
}

/** Parses a node-selector-style expression ({key, operator, values}); a string is an error. */
export function parseExpression(item: unknown): Requirement | string {
  const e = obj(item);
  if (!e) return "not an object";
  const key = e.key;
  const op = e.operator;
  if (typeof key !== "string" || key === "") return "key is missing";
  if (typeof op !== "string" || !OPERATORS.has(op)) return `operator ${JSON.stringify(op)} is not valid`;
  const rawValues = e.values === undefined || e.values === null ? [] : arr(e.values);
  if (!rawValues?.every((x): x is string => typeof x === "string")) return "values must be a list of strings";
  const values = rawValues;
  if ((op === "In" || op === "NotIn") && values.length === 0) return `operator ${op} needs values`;
  if ((op === "Exists" || op === "DoesNotExist") && values.length > 0)
    return `operator ${op} takes no values`;
  return { key, op: op as Operator, values };
}

/**
 * A Service-style selector: a plain map of labels. An empty or absent map selects no pods (a Service
 * without a selector gets no managed endpoints).
 */
export function parseMapSelector(v: unknown): Selector {
  if (v === undefined || v === null) return NOTHING;
  if (hasUnknown(v)) return { type: "unknown" };
  const m = obj(v);
  if (!m) return { type: "invalid", reason: "selector is not a map" };
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(m)) {
    if (typeof value !== "string") return { type: "invalid", reason: `selector["${key}"] is not a string` };
    reqs.push({ key, op: "In", values: [value] });
  }
  return reqs.length === 0 ? NOTHING : { type: "requirements", reqs };
}

/** The selector `k1 In (v1), k2 In (v2), ...` for a label map. */
export function selectorForLabels(labels: Readonly<Record<string, string>>): Selector {
  const reqs = Object.entries(labels).map(([key, v]) => ({ key, op: "In" as const, values: [v] }));
  return reqs.length === 0 ? EVERYTHING : { type: "requirements", reqs };
}

export function requirementMatches(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.op) {
    case "In":
      return has && r.values.includes(labels[r.key] ?? "");
    case "NotIn":
      return !has || !r.values.includes(labels[r.key] ?? "");
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
  }
}

/** Does the selector select an object with these labels? Unknown and invalid selectors select nothing. */
export function matchesLabels(sel: Selector, labels: Readonly<Record<string, string>>): boolean {
  switch (sel.type) {
    case "everything":
      return true;
    case "requirements":
      return sel.reqs.every((r) => requirementMatches(r, labels));
    default:
      return false;
  }
}

function requirementImplies(a: Requirement, b: Requirement): boolean {
  if (a.key !== b.key) return false;
  switch (b.op) {
    case "In":
      return a.op === "In" && a.values.every((v) => b.values.includes(v));
    case "NotIn":
      return (
        (a.op === "In" && a.values.every((v) => !b.values.includes(v))) ||
        (a.op === "NotIn" && b.values.every((v) => a.values.includes(v))) ||
        a.op === "DoesNotExist"
      );
    case "Exists":
      return a.op === "In" || a.op === "Exists";
    case "DoesNotExist":
      return a.op === "DoesNotExist";
  }
}

/**
 * True when everything `a` selects is also selected by `b` (a ⊆ b), decided requirement by
 * requirement: each requirement of `b` must follow from one requirement of `a`. This is sound (it
 * never claims a subset that is not one) and exact for the selectors people write.
 */
export function implies(a: Selector, b: Selector): boolean {
  if (a.type === "unknown" || b.type === "unknown") return false;
  if (a.type === "nothing" || a.type === "invalid") return true;
  if (b.type === "everything") return true;
  if (b.type === "nothing" || b.type === "invalid") return false;
  if (a.type === "everything") return false;
  const aReqs = a.reqs;
  return b.reqs.every((rb) => aReqs.some((ra) => requirementImplies(ra, rb)));
}

export function describeRequirement(r: Requirement): string {
  switch (r.op) {
    case "In":
      return r.values.length === 1 ? `${r.key}=${r.values[0] ?? ""}` : `${r.key} in (${r.values.join(", ")})`;
    case "NotIn":
      return `${r.key} notin (${r.values.join(", ")})`;
    case "Exists":
      return r.key;
    case "DoesNotExist":
      return `!${r.key}`;
  }
}

/** kubectl-style rendering: "app=api-gateway, tier in (a, b)"; "{} (everything)"; "null (nothing)". */
export function describeSelector(sel: Selector): string {
  switch (sel.type) {
    case "nothing":
      return "null (selects nothing)";
    case "everything":
      return "{} (selects everything)";
    case "unknown":
      return "unknown during preview";
    case "invalid":
      return `invalid (${sel.reason})`;
    case "requirements":
      return sel.reqs.map(describeRequirement).join(", ");
  }
}

export function describeLabels(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return parts.length === 0 ? "{}" : `{${parts.join(", ")}}`;
}

/**
 * An inverted index from selectors to items, so that finding the selectors that select a label set
 * costs time proportional to the candidates, not to all selectors. Each item is filed under one
 * anchor requirement: an `In` requirement (under each key=value), else an `Exists` requirement
 * (under the key), else in a short list that every lookup scans (empty selectors, and selectors with
 * only NotIn/DoesNotExist requirements). Candidates are then checked with matchesLabels.
 */
export class SelectorIndex<T> {
  private readonly byKeyValue = new Map<string, { sel: Selector; item: T }[]>();
  private readonly byKey = new Map<string, { sel: Selector; item: T }[]>();
  private readonly scan: { sel: Selector; item: T }[] = [];

  add(sel: Selector, item: T): void {
    if (sel.type !== "everything" && sel.type !== "requirements") return; // selects nothing
    const entry = { sel, item };
    if (sel.type === "everything") {
      this.scan.push(entry);
      return;
    }
    const anchorIn = sel.reqs.find((r) => r.op === "In");
    if (anchorIn) {
      for (const v of new Set(anchorIn.values)) push(this.byKeyValue, kv(anchorIn.key, v), entry);
      return;
    }
    const anchorExists = sel.reqs.find((r) => r.op === "Exists");
    if (anchorExists) push(this.byKey, anchorExists.key, entry);
    else this.scan.push(entry);
  }

  /** The items whose selector selects these labels. */
  matching(labels: Readonly<Record<string, string>>): T[] {
    const out: T[] = [];
    const check = (e: { sel: Selector; item: T }): void => {
      if (matchesLabels(e.sel, labels)) out.push(e.item);
    };
    this.scan.forEach(check);
    for (const [k, v] of Object.entries(labels)) {
      this.byKeyValue.get(kv(k, v))?.forEach(check);
      this.byKey.get(k)?.forEach(check);
    }
    return out;
  }
}

function kv(k: string, v: string): string {
  return `${k}\u0000${v}`;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
