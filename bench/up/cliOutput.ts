// Reading the Pulumi CLI's progress output: each created step with its duration, and the
// step times summarised per resource type.

import { round } from "./rounding";

/** Seconds of a Go duration as the CLI prints it: "0.07s", "12s", "1m5s", "1m5.2s". */
export function goDurationSeconds(text: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:([\d.]+)s)?$/.exec(text);
  if (match === null) return Number.NaN;
  // Groups that did not take part are undefined at run time, whatever the typings say.
  const part = (group: number): number => {
    const value = match.at(group);
    return value === undefined ? 0 : Number(value);
  };
  return part(1) * 3600 + part(2) * 60 + part(3);
}

/** One resource the up created, and how long its step took. */
export interface Step {
  readonly type: string;
  readonly name: string;
  readonly seconds: number;
}

/** Each `<type> <name> created (<duration>)` line of the CLI's progress output. */
export function createdSteps(output: string): Step[] {
  const steps: Step[] = [];
  for (const line of output.matchAll(/^\s*\+\s+(\S+)\s+(\S+)\s+created \(([\dhms.]+)\)/gm)) {
    const [, type, name, duration] = line;
    steps.push({ type, name, seconds: goDurationSeconds(duration) });
  }
  return steps;
}

function quantile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** The step times of one resource type. */
export interface TypeSummary {
  readonly type: string;
  readonly count: number;
  readonly meanSeconds: number;
  readonly p50Seconds: number;
  readonly p95Seconds: number;
  readonly maxSeconds: number;
}

/** The steps' times per resource type, the types that took longest in total first. */
export function perType(steps: readonly Step[]): TypeSummary[] {
  const groups = new Map<string, number[]>();
  for (const step of steps) groups.set(step.type, [...(groups.get(step.type) ?? []), step.seconds]);
  return [...groups]
    .map(([type, times]) => {
      const sorted = [...times].sort((a, b) => a - b);
      return {
        type,
        count: times.length,
        meanSeconds: round(times.reduce((a, b) => a + b, 0) / times.length),
        p50Seconds: round(quantile(sorted, 0.5)),
        p95Seconds: round(quantile(sorted, 0.95)),
        maxSeconds: round(sorted.at(-1) ?? Number.NaN),
      };
    })
    .sort((a, b) => b.meanSeconds * b.count - a.meanSeconds * a.count);
}
