/**
 * Plain-value helpers shared by every policy.
 *
 * Policies read Kubernetes objects as untyped JSON. During `pulumi preview` some property values are
 * not known yet; the policy SDK represents each of them by one of the sentinel strings below (and
 * wraps the props in a proxy that throws when such a value is read). The pack unwraps that proxy and
 * works on the raw object, so a check can notice an unknown value and skip just the decision that
 * depends on it instead of losing the whole policy.
 */

/** A plain JSON object as policies read it. */
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

/** True when value is one of the preview sentinels (a value not known yet). */
export function isUnknown(value: unknown): boolean {
  return typeof value === "string" && UNKNOWN_SENTINELS.has(value);
}

/** True when value, or anything inside it, is unknown. */
export function hasUnknown(value: unknown): boolean {
  if (isUnknown(value)) return true;
  if (Array.isArray(value)) return value.some(hasUnknown);
  if (isObj(value)) return Object.values(value).some(hasUnknown);
  return false;
}

/** True for an object that is neither null nor an array. */
export function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** value as a plain object, or undefined (also for unknown values). */
export function obj(value: unknown): Obj | undefined {
  return isObj(value) ? value : undefined;
}

/** value as an array, or undefined. */
export function arr(value: unknown): readonly unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** value as a string, or undefined (also for unknown values). */
export function str(value: unknown): string | undefined {
  return typeof value === "string" && !isUnknown(value) ? value : undefined;
}

/** value as a finite number, or undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** A string-to-string map (labels, selectors); non-string values are dropped. */
export function stringMap(value: unknown): Record<string, string> {
  const strings: Record<string, string> = {};
  const object = obj(value);
  if (!object) return strings;
  for (const [key, entry] of Object.entries(object)) {
    if (typeof entry === "string") strings[key] = entry;
  }
  return strings;
}

const PROXY_FLAG = "__isSpecialProxy";
const PROXY_TARGET = "__getSpecialProxyTarget";

/**
 * Returns the raw object behind the policy SDK's unknown-checking and secret-preserving proxies
 * (reading through the proxies would throw on unknown values). Plain values are returned as they are.
 */
export function unwrapProxy(value: unknown): unknown {
  let current = value;
  for (let depth = 0; depth < 4 && isObj(current); depth++) {
    if (current[PROXY_FLAG] !== true) break;
    current = current[PROXY_TARGET];
  }
  return current;
}

/**
 * Deep copy of plain objects and arrays, unwrapping proxies at every level. Other values (strings,
 * numbers, class instances such as policy `Secret`s) are kept by reference.
 */
export function clonePlain(value: unknown): unknown {
  const raw = unwrapProxy(value);
  if (Array.isArray(raw)) return raw.map(clonePlain);
  if (isObj(raw) && isPlainPrototype(raw)) {
    const copy: Obj = {};
    for (const [key, entry] of Object.entries(raw)) copy[key] = clonePlain(entry);
    return copy;
  }
  return raw;
}

function isPlainPrototype(object: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(object);
  return prototype === Object.prototype || prototype === null;
}

/** Short, readable rendering of a found value for messages. */
export function show(value: unknown): string {
  if (value === undefined) return "not set";
  if (isUnknown(value)) return "unknown during preview";
  if (typeof value === "string") return JSON.stringify(value);
  const json = JSON.stringify(value);
  return json.length > 120 ? `${json.slice(0, 117)}...` : json;
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
