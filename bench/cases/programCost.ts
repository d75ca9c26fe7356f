// Case 1, program cost under mocks: the real program on generated fleets against the plain
// program (bench/baseline/plainProgram.ts) replaying the same Kubernetes objects, and at one
// size the baseline with an empty component per component of the program.

import * as path from "node:path";
import { type ChildOptions, runChild } from "../lib/children";
import { log } from "../lib/log";
import { median, round, type Sample } from "../lib/measure";
import { WORK_DIR } from "../lib/paths";
import type { ProgramGrowth, ProgramSize } from "../lib/reportTypes";
import { ratio, stats } from "../lib/stats";

/** What a `program` or `baseline` child reports. */
interface ProgramSample extends Sample {
  readonly registrations: number;
  readonly kubernetesResources: number;
}

/** The program case's part of the report, and the recorded fixtures the policy case reuses. */
export interface ProgramCost {
  readonly program: ProgramSize[];
  readonly growth: ProgramGrowth | undefined;
  /** Per fleet size, the file with the program's recorded registrations. */
  readonly fixtures: Map<number, string>;
}

/** The runs of one fleet size: program and baseline side by side, and the shells where asked. */
interface SizeRuns {
  readonly program: ProgramSample[];
  readonly baseline: ProgramSample[];
  readonly shells: ProgramSample[];
  readonly shellsBaseline: ProgramSample[];
}

async function runSize(
  child: ChildOptions,
  models: number,
  fixture: string,
  runs: number,
  withShells: boolean,
): Promise<SizeRuns> {
  const out: SizeRuns = { program: [], baseline: [], shells: [], shellsBaseline: [] };
  for (let run = 0; run < runs; run++) {
    // Program and baseline at the same time, so both run under the same load.
    const [programRun, baselineRun] = (await Promise.all([
      runChild(child, ["program", "--models", String(models)]),
      runChild(child, ["baseline", "--fixture", fixture]),
    ])) as [ProgramSample, ProgramSample];
    out.program.push(programRun);
    out.baseline.push(baselineRun);
    log(
      `  program ${models} models, run ${run + 1}/${runs}: program ${round(programRun.cpuMs)} ms CPU (${round(programRun.wallMs)} wall), baseline ${round(baselineRun.cpuMs)} ms CPU (${round(baselineRun.wallMs)} wall), load ${round(programRun.load1m)}`,
    );
    if (withShells) {
      const [shellsRun, shellsBaselineRun] = (await Promise.all([
        runChild(child, ["baseline", "--fixture", fixture, "--shells"]),
        runChild(child, ["baseline", "--fixture", fixture]),
      ])) as [ProgramSample, ProgramSample];
      out.shells.push(shellsRun);
      out.shellsBaseline.push(shellsBaselineRun);
    }
  }
  return out;
}

function summarizeSize(models: number, runs: SizeRuns): ProgramSize {
  const first = runs.program.at(0);
  const base = runs.baseline.at(0);
  if (first === undefined || base === undefined) throw new Error("no program runs");
  if (first.kubernetesResources !== base.kubernetesResources) {
    throw new Error(
      `baseline registered ${base.kubernetesResources} Kubernetes resources, the program ${first.kubernetesResources}`,
    );
  }
  const programStats = stats(runs.program);
  const baselineStats = stats(runs.baseline);
  const resources = first.kubernetesResources;
  return {
    models,
    registrations: first.registrations,
    kubernetesResources: resources,
    program: programStats,
    baseline: baselineStats,
    ...(runs.shells.length > 0
      ? {
          shells: {
            withShells: stats(runs.shells),
            baseline: stats(runs.shellsBaseline),
            ratio: ratio(
              median(runs.shells.map((sample) => sample.cpuMs)),
              median(runs.shellsBaseline.map((sample) => sample.cpuMs)),
            ),
          },
        }
      : {}),
    ratio: {
      cpu: ratio(programStats.cpuMs.median, baselineStats.cpuMs.median),
      wall: ratio(programStats.wallMs.median, baselineStats.wallMs.median),
      peakRss: ratio(programStats.peakRssMiB.median, baselineStats.peakRssMiB.median),
    },
    perResource: {
      programCpuUs: round((programStats.cpuMs.median * 1000) / resources, 1),
      programWallUs: round((programStats.wallMs.median * 1000) / resources, 1),
      baselineCpuUs: round((baselineStats.cpuMs.median * 1000) / resources, 1),
      baselineWallUs: round((baselineStats.wallMs.median * 1000) / resources, 1),
      programPeakRssKiB: round((programStats.peakRssMiB.median * 1024) / resources, 1),
      baselinePeakRssKiB: round((baselineStats.peakRssMiB.median * 1024) / resources, 1),
    },
  };
}

/** time(1000 models) / time(100 models), when both sizes ran. */
function growth(sizes: readonly ProgramSize[]): ProgramGrowth | undefined {
  const at100 = sizes.find((size) => size.models === 100);
  const at1000 = sizes.find((size) => size.models === 1000);
  if (at100 === undefined || at1000 === undefined) return undefined;
  return {
    program: {
      cpu: ratio(at1000.program.cpuMs.median, at100.program.cpuMs.median),
      wall: ratio(at1000.program.wallMs.median, at100.program.wallMs.median),
    },
    baseline: {
      cpu: ratio(at1000.baseline.cpuMs.median, at100.baseline.cpuMs.median),
      wall: ratio(at1000.baseline.wallMs.median, at100.baseline.wallMs.median),
    },
  };
}

/**
 * Measures the program against the baseline at each fleet size (`runsFor(models)` runs each,
 * the shells too at `shellsAt` models), and the growth from 100 to 1,000 models.
 */
export async function runProgramCost(
  child: ChildOptions,
  sizes: readonly number[],
  runsFor: (models: number) => number,
  shellsAt: number | undefined,
): Promise<ProgramCost> {
  const program: ProgramSize[] = [];
  const fixtures = new Map<number, string>();
  for (const models of sizes) {
    const fixture = path.join(WORK_DIR, `fixture-${models}.json`);
    fixtures.set(models, fixture);
    // A run of the program that records the registrations the baseline replays (not counted).
    await runChild(child, ["program", "--models", String(models), "--record", fixture]);
    const runs = await runSize(child, models, fixture, runsFor(models), models === shellsAt);
    program.push(summarizeSize(models, runs));
  }
  return { program, growth: growth(program), fixtures };
}
