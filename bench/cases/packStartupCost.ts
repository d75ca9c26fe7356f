// Case 5, the policy pack's start-up: its analyzer process until it listens, against an empty
// pack's on the same packages (bench/packStartup.ts). Runs after the real previews, which
// install the pack's packages and measure the dev preview it is compared with.

import * as path from "node:path";
import { log } from "../lib/log";
import { round } from "../lib/measure";
import { REPOSITORY_ROOT, WORK_DIR } from "../lib/paths";
import type { PackStartupResult } from "../lib/reportTypes";
import { ratio, stat } from "../lib/stats";
import { benchPackStartup, type PackStartupSample, setUpPackStartup } from "../packStartup";

function summarize(samples: readonly PackStartupSample[]): PackStartupResult["pack"] {
  return {
    cpuMs: stat(samples.map((sample) => sample.cpuMs)),
    wallMs: stat(samples.map((sample) => sample.wallMs)),
  };
}

/**
 * Starts this pack and the empty one `runs` times each, alternating; `devWithoutPackCpuMs` (the
 * dev preview's median CPU without a pack, when measured) gives the start-up's share of it.
 */
export async function runPackStartupCost(
  runs: number,
  devWithoutPackCpuMs: number | undefined,
): Promise<PackStartupResult> {
  log("  policy pack start-up, this pack and an empty one");
  const setup = setUpPackStartup(REPOSITORY_ROOT, path.basename(WORK_DIR));
  const samples = await benchPackStartup(setup, runs);
  const pack = summarize(samples.pack);
  const emptyPack = summarize(samples.emptyPack);
  const result: PackStartupResult = {
    pack,
    emptyPack,
    ownCpuMs: round(pack.cpuMs.median - emptyPack.cpuMs.median),
    shareOfDevPreview:
      devWithoutPackCpuMs === undefined ? undefined : ratio(pack.cpuMs.median, devWithoutPackCpuMs),
  };
  log(
    `  pack start-up: ${result.pack.cpuMs.median} ms CPU, empty pack ${result.emptyPack.cpuMs.median} ms CPU`,
  );
  return result;
}
