// npm run bench [-- --quick] [--no-preview] [--sizes 1,10,100,1000] [--runs 5] [--big-runs 3]
//                  [--startup-runs 5] [--policy-runs 3] [--preview-runs 3] [--fleet-preview-runs 3]
//                  [--pack-startup-runs 7] [--shells-at 100] [--keep] [--out bench/results]
//
// What the program and the policy pack cost per resource, against a plain program, and how it
// grows with the fleet. The plain program (bench/baseline/plainProgram.ts) replays the Kubernetes
// objects recorded from the program's first run with the same dependency edges and options, as
// `dependsOn` on the objects each depended on plus `deleteBeforeReplace` and `ignoreChanges`: a
// plain program without them could not deploy, and with them a ratio measures components,
// validation and Output wiring, not leaving out the dependency graph. Writes
// bench/results/latest.{json,md}. A benchmark, never a test: it reports figures and targets and
// exits 0 whatever they are (non-zero only when it could not measure).
//
// Every figure is the median of several runs, each in a fresh child process (bench/child.ts,
// transpiled once to plain JavaScript) that measures itself, so module caches and the mocks'
// state never carry over. Program and baseline children run at the same time, in pairs, so a ratio
// compares runs made side by side under the same load. The machine's load average is recorded with every figure;
// CPU time (user + system of the measuring process) is reported next to wall time because it is
// far less sensitive to other work on a busy machine. --quick (sizes up to 100, fewer runs, no
// real preview) takes about a minute; the full run about 7 minutes on an idle 2-core machine.
//
// Each case is a module of bench/cases/ that returns its part of the report; this one parses
// the options, runs the cases in order and writes the report.

import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { runPackStartupCost } from "./cases/packStartupCost";
import { runPolicyCost } from "./cases/policyCost";
import { runPreviewCost } from "./cases/previewCost";
import { runProgramCost } from "./cases/programCost";
import { runStartupCost } from "./cases/startupCost";
import { transpileForChildren } from "./lib/build";
import type { ChildOptions } from "./lib/children";
import { machineInfo, sourceState, toolVersions } from "./lib/environment";
import { log } from "./lib/log";
import { round } from "./lib/measure";
import { REPOSITORY_ROOT, WORK_DIR } from "./lib/paths";
import type { PreviewSection, Report } from "./lib/reportTypes";
import { TARGETS } from "./lib/targets";
import { verdicts } from "./lib/verdicts";
import { markdown } from "./report";

/** The real previews, then the pack's start-up (which needs what the previews set up). */
async function runPreviewCases(
  previewRuns: number,
  fleetRuns: number,
  packStartupRuns: number,
): Promise<PreviewSection> {
  const section = await runPreviewCost(previewRuns, fleetRuns);
  if (!section.measured) return section;
  const devWithout = section.cases.find((previewCase) => previewCase.name === "dev")?.withoutPack?.cpuMs
    .median;
  return { ...section, packStartup: await runPackStartupCost(packStartupRuns, devWithout) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      "no-preview": { type: "boolean", default: false },
      runs: { type: "string", default: "5" },
      "big-runs": { type: "string", default: "3" },
      "startup-runs": { type: "string", default: "5" },
      "policy-runs": { type: "string", default: "3" },
      "preview-runs": { type: "string", default: "3" },
      "fleet-preview-runs": { type: "string", default: "3" },
      "pack-startup-runs": { type: "string", default: "7" },
      sizes: { type: "string" },
      "shells-at": { type: "string", default: "100" },
      keep: { type: "boolean", default: false },
      out: { type: "string", default: "bench/results" },
    },
  });
  const quick = values.quick;
  const sizes = (values.sizes ?? (quick ? "1,10,100" : "1,10,100,1000")).split(",").map(Number);
  const runs = quick ? 3 : Number(values.runs);
  const bigRuns = Number(values["big-runs"]);
  const numbers = [runs, bigRuns, ...sizes].concat(
    [
      "startup-runs",
      "policy-runs",
      "preview-runs",
      "fleet-preview-runs",
      "pack-startup-runs",
      "shells-at",
    ].map((option) => Number(values[option as "runs"])),
  );
  if (numbers.some((value) => !Number.isInteger(value) || value < 1)) {
    process.stderr.write("bench: --sizes and the --*-runs options take positive whole numbers\n");
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  const date = new Date().toISOString();
  const machine = machineInfo();
  log(`bench: ${machine.cpuModel}, ${machine.cores} cores, load ${machine.loadAverageAtStart}`);

  fs.mkdirSync(WORK_DIR, { recursive: true });
  const build = path.join(WORK_DIR, "build");
  const files = transpileForChildren(REPOSITORY_ROOT, build);
  log(
    `bench: transpiled ${files} modules for the child processes into ${path.relative(REPOSITORY_ROOT, build)}`,
  );
  const child: ChildOptions = {
    script: path.join(build, "bench", "child.js"),
    cwd: REPOSITORY_ROOT,
    timeoutMs: 15 * 60 * 1000,
  };

  log("1/4 program cost under mocks");
  const runsFor = (models: number): number => (models >= 1000 ? bigRuns : runs);
  const shellsAt = Number(values["shells-at"]);
  const programCost = await runProgramCost(child, sizes, runsFor, shellsAt);

  log("2/4 start-up cost");
  const { startup, startupRatios } = await runStartupCost(child, quick ? 3 : Number(values["startup-runs"]));

  log("3/4 policy cost");
  const packConfig = path.join(REPOSITORY_ROOT, "policy-config", "prod.json");
  const policy = await runPolicyCost(
    child,
    programCost.fixtures,
    programCost.program,
    quick ? 2 : Number(values["policy-runs"]),
    packConfig,
  );

  log("4/4 real preview");
  const preview: PreviewSection =
    values["no-preview"] || quick
      ? { measured: false, reason: "skipped (--no-preview or --quick)", cases: [] }
      : await runPreviewCases(
          Number(values["preview-runs"]),
          Number(values["fleet-preview-runs"]),
          Number(values["pack-startup-runs"]),
        );
  if (!preview.measured) log(`  not measured: ${preview.reason ?? ""}`);

  const partial: Omit<Report, "verdicts"> = {
    date,
    durationS: round((performance.now() - started) / 1000, 0),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    machine,
    versions: toolVersions(preview.cliVersion),
    source: sourceState(),
    settings: {
      sizes,
      runs,
      bigRuns,
      shellsAt,
      quick,
      packConfig: path.relative(REPOSITORY_ROOT, packConfig),
    },
    targets: TARGETS,
    program: programCost.program,
    growth: programCost.growth,
    startup,
    startupRatios,
    policy,
    preview,
  };
  const report: Report = { ...partial, verdicts: verdicts(partial) };
  const outDir = path.resolve(REPOSITORY_ROOT, values.out);
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, "latest.md"), markdown(report));
  if (!values.keep) fs.rmSync(WORK_DIR, { recursive: true, force: true });
  for (const verdict of report.verdicts)
    log(
      `${verdict.met === null ? "n/a " : verdict.met ? "met " : "MISS"} ${verdict.target}: ${verdict.value}`,
    );
  log(`bench: wrote ${path.relative(REPOSITORY_ROOT, outDir)}/latest.{json,md} in ${report.durationS} s`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}
