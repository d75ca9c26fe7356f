// Kubernetes resource quantities ("500m", "8Gi", "1e3", 2) as numbers.

const SUFFIX: Partial<Record<string, number>> = {
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

const QUANTITY_RE = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

/** The value of a quantity, or undefined when v is not a valid quantity. */
export function parseQuantity(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v !== "string") return undefined;
  const m = QUANTITY_RE.exec(v.trim());
  if (!m) return undefined;
  const [, mantissa = "", exponent, suffix = ""] = m as (string | undefined)[];
  const base = Number(mantissa);
  if (exponent !== undefined) return Number(`${mantissa}${exponent}`);
  const factor = SUFFIX[suffix];
  if (factor === undefined) return undefined;
  // Round away float noise such as 0.1 * 3 so whole-number checks stay exact.
  const value = base * factor;
  const rounded = Math.round(value * 1e9) / 1e9;
  return rounded;
}

export function isWholeNumber(n: number): boolean {
  return Number.isInteger(n);
}
