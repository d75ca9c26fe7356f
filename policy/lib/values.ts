// Plain-value helpers shared by every policy.
//
// Policies read Kubernetes objects as untyped JSON. During `pulumi preview` some property values are
// not known yet; the policy SDK represents each of them by one of the sentinel strings below (and
// wraps the props in a proxy that throws when such a value is read). The pack unwraps that proxy and
// works on the raw object, so a check can notice an unknown value and skip just the decision that
// depends on it instead of losing the whole policy.

export type Obj = Record<string, unknown>;

/** The sentinel strings @pulumi/policy uses for values that are unknown during preview. */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string (also what the engine sends for any unknown)
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
  "030794c1-ac77-496b-92df-f27374a8bd58", // asset
  "e48ece36-62e2-4504-bad9-02848725956a", // archive
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** The value the Pulumi engine sends for an unknown (computed) property; handy in tests. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(v: unknown): boolean {
  return typeof v === "string" && UNKNOWN_SENTINELS.has(v);
}

/** True when v, or anything inside it, is unknown. */
export function hasUnknown(v: unknown): boolean {
  if (isUnknown(v)) return true;
  if (Array.isArray(v)) return v.some(hasUnknown);
  if (isObj(v)) return Object.values(v).some(hasUnknown);
  return false;
}

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** v as a plain object, or undefined (also for unknown values). */
export function obj(v: unknown): Obj | undefined {
  return isObj(v) ? v : undefined;
}

export function arr(v: unknown): readonly unknown[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

/** v as a string, or undefined (also for unknown values). */
export function str(v: unknown): string | undefined {
  return typeof v === "string" && !isUnknown(v) ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** A string-to-string map (labels, selectors); non-string values are dropped. */
export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const o = obj(v);
  if (!o) return out;
  for (const [k, val] of Object.entries(o)) {
    if (typeof val === "string") out[k] = val;
  }
  return out;
}

const PROXY_FLAG = "__isSpecialProxy";
const PROXY_TARGET = "__getSpecialProxyTarget";

/**
 * Returns the raw object behind the policy SDK's unknown-checking and secret-preserving proxies
 * (reading through the proxies would throw on unknown values). Plain values are returned as they are.
 */
export function unwrapProxy(v: unknown): unknown {
  let cur = v;
  for (let i = 0; i < 4 && isObj(cur); i++) {
    if (cur[PROXY_FLAG] !== true) break;
    cur = cur[PROXY_TARGET];
  }
  return cur;
}

/**
 * Deep copy of plain objects and arrays, unwrapping proxies at every level. Other values (strings,
 * numbers, class instances such as policy `Secret`s) are kept by reference.
 */
export function clonePlain(v: unknown): unknown {
  const raw = unwrapProxy(v);
  if (Array.isArray(raw)) return raw.map(clonePlain);
  if (isObj(raw) && isPlainPrototype(raw)) {
    const out: Obj = {};
    for (const [k, val] of Object.entries(raw)) out[k] = clonePlain(val);
    return out;
  }
  return raw;
}

function isPlainPrototype(o: object): boolean {
  const proto: unknown = Object.getPrototypeOf(o);
  return proto === Object.prototype || proto === null;
}

/** Short, readable rendering of a found value for messages. */
export function show(v: unknown): string {
  if (v === undefined) return "not set";
  if (isUnknown(v)) return "unknown during preview";
  if (typeof v === "string") return JSON.stringify(v);
  const s = JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/**
 * Memoizes compute() on `target` under a symbol key (a non-enumerable property, so JSON, clones and
 * Object.keys never see it). Cheaper for the garbage collector than a WeakMap per cache.
 */
export function memo<T>(target: object, key: symbol, compute: () => T): T {
  const holder = target as Record<symbol, T | undefined>;
  if (Object.prototype.hasOwnProperty.call(target, key)) return holder[key] as T;
  const value = compute();
  if (Object.isExtensible(target))
    Object.defineProperty(target, key, { value, enumerable: false, writable: true });
  return value;
}
