/**
 * Kubernetes resource quantities ("500m", "4", "16Gi", "1.5", "2e3"), parsed the way the API
 * server reads them, so that arguments and stack config can be checked and compared before
 * anything is sent to the cluster.
 *
 * Grammar (k8s.io/apimachinery resource.Quantity): a signed decimal number followed by one
 * optional suffix: a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (n, u, m,
 * k, M, G, T, P, E) or a decimal exponent (e3, E-2).
 */

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

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

/** True when `value` is a string Kubernetes accepts as a resource quantity. */
export function isQuantity(value: unknown): value is string {
  return typeof value === "string" && QUANTITY.test(value);
}

/**
 * The numeric value of a quantity in base units: bytes for memory ("16Gi" → 17179869184),
 * cores for CPU ("500m" → 0.5), a count for extended resources. Throws on anything that is
 * not a quantity; check with {@link isQuantity} first where a message is wanted.
 */
export function parseQuantity(quantity: string): number {
  const match = QUANTITY.exec(quantity);
  if (match === null) throw new Error(`not a Kubernetes quantity: ${JSON.stringify(quantity)}`);
  const [, sign = "", digits = "", suffix = ""] = match;
  const magnitude = Number(digits);
  const multiplier = /^[eE][+-]?\d+$/.test(suffix) ? 10 ** Number(suffix.slice(1)) : MULTIPLIERS[suffix];
  if (multiplier === undefined) throw new Error(`not a Kubernetes quantity: ${JSON.stringify(quantity)}`);
  return (sign === "-" ? -1 : 1) * magnitude * multiplier;
}

/** True for a quantity that is zero or more. */
export function isNonNegativeQuantity(value: unknown): value is string {
  return isQuantity(value) && parseQuantity(value) >= 0;
}
