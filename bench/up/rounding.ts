// Rounding of the `up` benchmark's figures.

/**
 * `x` rounded half up to `digits` decimals. Its own, not bench/lib/measure's (which rounds
 * through toFixed), so up-latest.json keeps rounding as it always has.
 */
export function round(x: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(x * factor) / factor;
}
