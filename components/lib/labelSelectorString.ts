/**
 * Label selectors written as text, as `kubectl -l` and KEDA's kubernetes-workload trigger take
 * them (`app=a,tier in (x,y),!legacy`): parsing with Kubernetes' grammar, and matching labels.
 */
import { isLabelKey, isLabelValue } from "./validation";

/** One requirement of a selector: the operators of Kubernetes' selection package. */
export interface SelectorRequirement {
  readonly key: string;
  readonly operator: "=" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";
  readonly values: string[];
}

/** Splits at the commas outside parentheses. */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

const KEY = String.raw`([^\s=!<>(),]+)`;
const PATTERNS: readonly [RegExp, (m: RegExpMatchArray) => SelectorRequirement][] = [
  [new RegExp(String.raw`^!\s*${KEY}$`), (m) => ({ key: m[1], operator: "!", values: [] })],
  [
    new RegExp(String.raw`^${KEY}\s+(in|notin)\s*\(([^()]*)\)$`),
    (m) => ({
      key: m[1],
      operator: m[2] as "in" | "notin",
      values: m[3].trim() === "" ? [] : m[3].split(",").map((v) => v.trim()),
    }),
  ],
  [
    new RegExp(String.raw`^${KEY}\s*(==|=|!=)\s*([^\s=!<>(),]*)$`),
    (m) => ({ key: m[1], operator: m[2] === "!=" ? "!=" : "=", values: [m[3]] }),
  ],
  [
    new RegExp(String.raw`^${KEY}\s*(<|>)\s*(-?\d+)$`),
    (m) => ({ key: m[1], operator: m[2] === ">" ? "gt" : "lt", values: [m[3]] }),
  ],
  [new RegExp(String.raw`^${KEY}$`), (m) => ({ key: m[1], operator: "exists", values: [] })],
];

/**
 * The requirements of a selector, or undefined when the text is not a selector Kubernetes
 * parses, or is empty (which selects everything).
 */
export function parseLabelSelector(text: string): SelectorRequirement[] | undefined {
  if (text.trim() === "") return undefined;
  const requirements: SelectorRequirement[] = [];
  for (const part of topLevelParts(text)) {
    const trimmed = part.trim();
    const match = PATTERNS.map(([pattern, build]) => {
      const m = trimmed.match(pattern);
      return m === null ? undefined : build(m);
    }).find((r) => r !== undefined);
    if (match === undefined || !isLabelKey(match.key)) return undefined;
    const valuesOk =
      match.operator === "gt" || match.operator === "lt"
        ? true
        : match.values.every((v) => v === "" || isLabelValue(v));
    if (!valuesOk || ((match.operator === "in" || match.operator === "notin") && match.values.length === 0)) {
      return undefined;
    }
    requirements.push(match);
  }
  return requirements;
}

function matchesOne(r: SelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case "exists":
      return has;
    case "!":
      return !has;
    case "=":
    case "in":
      return value !== undefined && r.values.includes(value);
    case "!=":
    case "notin":
      return value === undefined || !r.values.includes(value);
    case "gt":
    case "lt": {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const n = Number(value);
      const bound = Number(r.values[0]);
      return r.operator === "gt" ? n > bound : n < bound;
    }
  }
}

/** True when labels satisfy every requirement. */
export function selectorMatches(
  requirements: readonly SelectorRequirement[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return requirements.every((r) => matchesOne(r, labels));
}
