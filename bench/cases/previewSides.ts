// The three sides of a real-preview case (this pack, no pack, an empty pack), the order they
// take turns in, and the summaries and ratios of their previews.

import type { PreviewRun } from "../realPreview";
import type { PreviewTimes, TimeRatio } from "../lib/reportTypes";
import { ratio, stat } from "../lib/stats";

/** The three sides of a real-preview case: this pack, no pack, and an empty pack (Pulumi's policy runtime alone). */
export type PreviewSide = "with" | "without" | "empty";

export const PREVIEW_SIDES: readonly PreviewSide[] = ["with", "without", "empty"];

/** Run i previews the sides in order i modulo 3, so no side always goes first. */
export const SIDE_ORDERS: readonly (readonly PreviewSide[])[] = [
  ["with", "without", "empty"],
  ["without", "empty", "with"],
  ["empty", "with", "without"],
];

export const SIDE_LABELS: Readonly<Record<PreviewSide, string>> = {
  with: "with pack",
  without: "without pack",
  empty: "with an empty pack",
};

/** Wall, CPU and load of a side's successful previews; undefined when none succeeded. */
export function summarize(runs: readonly PreviewRun[]): PreviewTimes | undefined {
  const ok = runs.filter((run) => run.ok);
  if (ok.length === 0) return undefined;
  return {
    wallMs: stat(
      ok.map((run) => run.wallMs),
      0,
    ),
    cpuMs: stat(
      ok.map((run) => run.cpuMs),
      0,
    ),
    load1m: stat(ok.map((run) => run.load1m)),
  };
}

/** A side's median CPU and wall time over the pack-less side's. */
export function overhead(
  side: PreviewTimes | undefined,
  without: PreviewTimes | undefined,
): TimeRatio | undefined {
  if (side === undefined || without === undefined) return undefined;
  return {
    cpu: ratio(side.cpuMs.median, without.cpuMs.median),
    wall: ratio(side.wallMs.median, without.wallMs.median),
  };
}
