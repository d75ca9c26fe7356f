/**
 * Kubernetes resource quantities ("500m", "4", "16Gi", "1.5", "2e3") read the way the API server
 * reads them (k8s.io/apimachinery resource.Quantity): a signed decimal number and one optional
 * suffix, binary SI (Ki to Ei), decimal SI (n, u, m, k, M, G, T, P, E) or a decimal exponent.
 * Surrounding white space is ignored, as the API server's JSON decoding trims it; a number (as
 * YAML writes `cpu: 4`) is its own value.
 *
 * Written here rather than taken from a library: no small npm package reads this grammar whole
 * (@kubernetes/client-node's quantityToScalar drops exponents and fractions, and brings a full
 * API client with it).
 */

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

const MULTIPLIERS: Readonly<Partial<Record<string, number>>> = {
  "": 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/**
 * The value of a quantity in base units (bytes for memory, cores for CPU, a count for extended
 * resources), or undefined when `value` is not a quantity.
 */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const match = QUANTITY.exec(value.trim());
  if (match === null) return undefined;
  const [, sign = "", digits = "", exponent = "", suffix = ""] = match;
  const magnitude =
    exponent === "" ? Number(digits) * (MULTIPLIERS[suffix] ?? NaN) : Number(`${digits}${exponent}`);
  if (!Number.isFinite(magnitude)) return undefined;
  // Round away float noise such as 0.1 × 3, so that whole-number checks stay exact.
  const rounded = Math.round(magnitude * 1e9) / 1e9;
  return sign === "-" ? -rounded : rounded;
}

/** True when `value` is a string Kubernetes accepts as a resource quantity. */
export function isQuantity(value: unknown): value is string {
  return typeof value === "string" && parseQuantity(value) !== undefined;
}

/** True for a quantity string that is zero or more. */
export function isNonNegativeQuantity(value: unknown): value is string {
  return isQuantity(value) && (parseQuantity(value) ?? -1) >= 0;
}

const BINARY_UNITS: readonly (readonly [string, number])[] = [
  ["Ti", 2 ** 40],
  ["Gi", 2 ** 30],
  ["Mi", 2 ** 20],
  ["Ki", 2 ** 10],
];

/** Bytes as the largest binary unit that divides them, e.g. 17Gi. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of BINARY_UNITS)
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  return String(bytes);
}

/** Cores as Kubernetes writes them: whole cores, else millicores. */
export function formatCores(cores: number): string {
  return Number.isInteger(cores) ? String(cores) : `${String(Math.round(cores * 1000))}m`;
}
