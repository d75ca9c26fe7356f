// Summaries of the samples the children report: median, min and max over the runs.

import { median, round, type Sample } from "./measure";
import type { Stat, Stats } from "./reportTypes";

/** Median, min and max of one measure over the runs, rounded to `digits`. */
export function stat(values: readonly number[], digits = 2): Stat {
  return {
    runs: values.length,
    median: round(median(values), digits),
    min: round(Math.min(...values), digits),
    max: round(Math.max(...values), digits),
  };
}

/**
 * Every measure of a child's samples; the synchronous part only when every run marked it, so a
 * median never mixes runs with and without it.
 */
export function stats(samples: readonly Sample[]): Stats {
  const sync = samples.flatMap((s) => (s.markCpuMs === undefined ? [] : [s.markCpuMs]));
  return {
    wallMs: stat(samples.map((s) => s.wallMs)),
    cpuMs: stat(samples.map((s) => s.cpuMs)),
    ...(sync.length === samples.length ? { syncCpuMs: stat(sync) } : {}),
    peakRssMiB: stat(
      samples.map((s) => s.peakRssBytes / 2 ** 20),
      1,
    ),
    heapRetainedMiB: stat(
      samples.map((s) => s.heapRetainedBytes / 2 ** 20),
      1,
    ),
    load1m: stat(samples.map((s) => s.load1m)),
  };
}

/** `numerator / denominator` to three digits, the precision of every ratio in the report. */
export const ratio = (numerator: number, denominator: number): number => round(numerator / denominator, 3);
