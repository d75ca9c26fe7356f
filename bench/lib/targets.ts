// The targets the benchmark judges the project against (bench/lib/verdicts.ts), on CPU time.

/**
 * Program over baseline, time(1000 models) over time(100), and a preview with the policy pack
 * over one without it: each at most this.
 */
export const TARGETS = { programRatio: 1.1, growth1000over100: 11, packOverhead: 1.15 } as const;
