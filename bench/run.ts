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

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { fleetStackFile } from "./fleet";
import { transpileForChildren } from "./lib/build";
import { type ChildOptions, run, runChild } from "./lib/children";
import { median, round, type Sample } from "./lib/measure";
import {
  initStack,
  type PackUse,
  type PreviewRun,
  previewOnce,
  setUpPreviews,
  stackFileCopy,
} from "./realPreview";
import {
  benchPackStartup,
  type PackStartupSample,
  type PackStartupSetup,
  setUpPackStartup,
} from "./packStartup";
import type {
  PackStartupResult,
  PolicySize,
  PreviewCaseResult,
  PreviewSection,
  ProgramSize,
  Report,
  Stat,
  Stats,
  StartupVariant,
  Verdict,
} from "./lib/reportTypes";
import { TARGETS } from "./lib/targets";
import { markdown } from "./report";

const ROOT = path.resolve(__dirname, "..");
const WORK = path.join(ROOT, "node_modules", ".cache", "k8s-ml-patterns-bench");

interface ProgramSample extends Sample {
  registrations: number;
  kubernetesResources: number;
}

interface PolicySample extends Sample {
  warmWallMs: number;
  warmCpuMs: number;
  resources: number;
  violations: string[];
}

function stat(xs: readonly number[], digits = 2): Stat {
  return {
    runs: xs.length,
    median: round(median(xs), digits),
    min: round(Math.min(...xs), digits),
    max: round(Math.max(...xs), digits),
  };
}

function stats(samples: readonly Sample[]): Stats {
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

const ratio = (a: number, b: number): number => round(a / b, 3);

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

function packageVersion(name: string, from = ROOT): string {
  try {
    const file = path.join(from, "node_modules", name, "package.json");
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version.replace(/^v/, "");
  } catch {
    return "unknown";
  }
}

function commandOutput(command: string, args: readonly string[]): string {
  const r = spawnSync(command, args, { cwd: ROOT, encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : "unknown";
}

function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  const [l1, l5, l15] = os.loadavg();
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverageAtStart: `${round(l1)} ${round(l5)} ${round(l15)}`,
  };
}

// ---------------------------------------------------------------------------------------------
// 1. Program cost under mocks

async function benchProgram(
  child: ChildOptions,
  sizes: readonly number[],
  runsFor: (models: number) => number,
  shellsAt: number | undefined,
): Promise<{ sizes: ProgramSize[]; fixtures: Map<number, string> }> {
  const out: ProgramSize[] = [];
  const fixtures = new Map<number, string>();
  for (const models of sizes) {
    const fixture = path.join(WORK, `fixture-${models}.json`);
    fixtures.set(models, fixture);
    // A run of the program that records the registrations the baseline replays (not counted).
    await runChild(child, ["program", "--models", String(models), "--record", fixture]);
    const program: ProgramSample[] = [];
    const baseline: ProgramSample[] = [];
    const shells: ProgramSample[] = [];
    const shellsBaseline: ProgramSample[] = [];
    const runs = runsFor(models);
    for (let run = 0; run < runs; run++) {
      // Program and baseline at the same time, so both run under the same load.
      const [p, b] = (await Promise.all([
        runChild(child, ["program", "--models", String(models)]),
        runChild(child, ["baseline", "--fixture", fixture]),
      ])) as [ProgramSample, ProgramSample];
      program.push(p);
      baseline.push(b);
      log(
        `  program ${models} models, run ${run + 1}/${runs}: program ${round(p.cpuMs)} ms CPU (${round(p.wallMs)} wall), baseline ${round(b.cpuMs)} ms CPU (${round(b.wallMs)} wall), load ${round(p.load1m)}`,
      );
      if (models === shellsAt) {
        const [sh, sb] = (await Promise.all([
          runChild(child, ["baseline", "--fixture", fixture, "--shells"]),
          runChild(child, ["baseline", "--fixture", fixture]),
        ])) as [ProgramSample, ProgramSample];
        shells.push(sh);
        shellsBaseline.push(sb);
      }
    }
    const first = program.at(0);
    const base = baseline.at(0);
    if (first === undefined || base === undefined) throw new Error("no program runs");
    if (first.kubernetesResources !== base.kubernetesResources) {
      throw new Error(
        `baseline registered ${base.kubernetesResources} Kubernetes resources, the program ${first.kubernetesResources}`,
      );
    }
    const ps = stats(program);
    const bs = stats(baseline);
    const k = first.kubernetesResources;
    out.push({
      models,
      registrations: first.registrations,
      kubernetesResources: k,
      program: ps,
      baseline: bs,
      ...(shells.length > 0
        ? {
            shells: {
              withShells: stats(shells),
              baseline: stats(shellsBaseline),
              ratio: ratio(median(shells.map((x) => x.cpuMs)), median(shellsBaseline.map((x) => x.cpuMs))),
            },
          }
        : {}),
      ratio: {
        cpu: ratio(ps.cpuMs.median, bs.cpuMs.median),
        wall: ratio(ps.wallMs.median, bs.wallMs.median),
        peakRss: ratio(ps.peakRssMiB.median, bs.peakRssMiB.median),
      },
      perResource: {
        programCpuUs: round((ps.cpuMs.median * 1000) / k, 1),
        programWallUs: round((ps.wallMs.median * 1000) / k, 1),
        baselineCpuUs: round((bs.cpuMs.median * 1000) / k, 1),
        baselineWallUs: round((bs.wallMs.median * 1000) / k, 1),
        programPeakRssKiB: round((ps.peakRssMiB.median * 1024) / k, 1),
        baselinePeakRssKiB: round((bs.peakRssMiB.median * 1024) / k, 1),
      },
    });
  }
  return { sizes: out, fixtures };
}

// ---------------------------------------------------------------------------------------------
// 2. Start-up cost

const STARTUP_VARIANTS: readonly { name: string; args: string[]; description: string }[] = [
  {
    name: "program",
    args: ["--module", "program"],
    description: "require program/main in a fresh process (the Pulumi SDK included)",
  },
  {
    name: "baseline",
    args: ["--module", "baseline"],
    description: "require the baseline in a fresh process (the Pulumi SDK included)",
  },
  {
    name: "program after SDK",
    args: ["--module", "program", "--after-pulumi"],
    description: "program/main, with @pulumi/pulumi already loaded",
  },
  {
    name: "baseline after SDK",
    args: ["--module", "baseline", "--after-pulumi"],
    description: "the baseline, with @pulumi/pulumi already loaded",
  },
  {
    name: "@pulumi/kubernetes (whole)",
    args: ["--module", "k8s", "--after-pulumi"],
    description: "import * from @pulumi/kubernetes, with @pulumi/pulumi already loaded",
  },
  {
    name: "@pulumi/kubernetes (per API group)",
    args: ["--module", "k8s-groups", "--after-pulumi"],
    description: "the API-group modules the components use, with @pulumi/pulumi already loaded",
  },
];

async function benchStartup(child: ChildOptions, runs: number): Promise<StartupVariant[]> {
  const samples = new Map<string, Sample[]>(STARTUP_VARIANTS.map((v) => [v.name, []]));
  for (let run = 0; run < runs; run++) {
    // One at a time: short runs, where a neighbour would weigh more than the load does.
    for (const v of STARTUP_VARIANTS)
      samples.get(v.name)?.push((await runChild(child, ["load", ...v.args])) as Sample);
  }
  return STARTUP_VARIANTS.map((v) => ({
    name: v.name,
    description: v.description,
    stats: stats(samples.get(v.name) ?? []),
  }));
}

// ---------------------------------------------------------------------------------------------
// 3. Policy cost

async function benchPolicy(
  child: ChildOptions,
  fixtures: ReadonlyMap<number, string>,
  program: readonly ProgramSize[],
  runs: number,
  packConfig: string,
): Promise<PolicySize[]> {
  const out: PolicySize[] = [];
  for (const [models, fixture] of fixtures) {
    const samples: PolicySample[] = [];
    for (let run = 0; run < runs; run++) {
      samples.push(
        (await runChild(child, [
          "policy",
          "--fixture",
          fixture,
          "--pack-config",
          packConfig,
        ])) as PolicySample,
      );
    }
    const first = samples.at(0);
    if (first === undefined) continue;
    const cold = stats(samples);
    const warmCpu = stat(samples.map((s) => s.warmCpuMs));
    out.push({
      models,
      resources: first.resources,
      kubernetesResources: program.find((p) => p.models === models)?.kubernetesResources ?? 0,
      violations: first.violations.length,
      firstViolations: first.violations.slice(0, 5),
      cold,
      warm: { wallMs: stat(samples.map((s) => s.warmWallMs)), cpuMs: warmCpu },
      perResourceColdCpuUs: round((cold.cpuMs.median * 1000) / first.resources, 1),
      perResourceWarmCpuUs: round((warmCpu.median * 1000) / first.resources, 1),
    });
    log(
      `  policy ${models} models (${first.resources} resources): cold ${cold.cpuMs.median} ms CPU, warm ${warmCpu.median} ms CPU, ${first.violations.length} violations`,
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 4. Real preview

interface PreviewPlan {
  name: string;
  stack: string;
  stackFile: string;
  packConfig: string;
  runs: number;
  /**
   * Each preview with an empty temporary directory, so ts-node has no cache: what the first
   * preview on a fresh machine (every CI job) costs.
   */
  cold?: boolean;
}

/** An empty temporary directory for one cold preview (ts-node keeps its cache in TMPDIR). */
function freshTmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "bench-cold-"));
}

function summarize(runs: readonly PreviewRun[]): { wallMs: Stat; cpuMs: Stat; load1m: Stat } | undefined {
  const ok = runs.filter((r) => r.ok);
  if (ok.length === 0) return undefined;
  return {
    wallMs: stat(
      ok.map((r) => r.wallMs),
      0,
    ),
    cpuMs: stat(
      ok.map((r) => r.cpuMs),
      0,
    ),
    load1m: stat(ok.map((r) => r.load1m)),
  };
}

/** The three sides of a real-preview case: this pack, no pack, and an empty pack (Pulumi's policy runtime alone). */
type PreviewSide = "with" | "without" | "empty";
const PREVIEW_SIDES: readonly PreviewSide[] = ["with", "without", "empty"];
const SIDE_ORDERS: readonly (readonly PreviewSide[])[] = [
  ["with", "without", "empty"],
  ["without", "empty", "with"],
  ["empty", "with", "without"],
];
const SIDE_LABELS: Record<PreviewSide, string> = {
  with: "with pack",
  without: "without pack",
  empty: "with an empty pack",
};

type PreviewSummary = ReturnType<typeof summarize>;

/** A side's median CPU and wall time over the pack-less side's. */
function overhead(side: PreviewSummary, without: PreviewSummary): { cpu: number; wall: number } | undefined {
  if (side === undefined || without === undefined) return undefined;
  return {
    cpu: ratio(side.cpuMs.median, without.cpuMs.median),
    wall: ratio(side.wallMs.median, without.wallMs.median),
  };
}

async function measurePackStartup(
  setup: PackStartupSetup,
  runs: number,
  devWithoutPackCpuMs: number | undefined,
): Promise<PackStartupResult> {
  const { pack, emptyPack } = await benchPackStartup(setup, runs);
  const side = (xs: readonly PackStartupSample[]) => ({
    cpuMs: stat(xs.map((x) => x.cpuMs)),
    wallMs: stat(xs.map((x) => x.wallMs)),
  });
  const result = { pack: side(pack), emptyPack: side(emptyPack) };
  return {
    ...result,
    ownCpuMs: round(result.pack.cpuMs.median - result.emptyPack.cpuMs.median),
    shareOfDevPreview:
      devWithoutPackCpuMs === undefined ? undefined : ratio(result.pack.cpuMs.median, devWithoutPackCpuMs),
  };
}

async function benchPreview(
  previewRuns: number,
  fleetRuns: number,
  packStartupRuns: number,
): Promise<PreviewSection> {
  const state = path.join(WORK, "preview-state");
  const p = setUpPreviews(ROOT, state);
  if (typeof p === "string") return { measured: false, reason: p, cases: [] };
  const startupSetup = setUpPackStartup(ROOT, path.basename(WORK));

  // scripts/preview.sh itself, once (it also installs the policy pack's packages when needed);
  // in a state directory of its own, since it uses its own passphrase.
  const t0 = performance.now();
  const script = await run("scripts/preview.sh", ["dev"], {
    cwd: ROOT,
    env: { ...process.env, K8S_ML_PREVIEW_STATE: path.join(WORK, "preview-script-state") },
    timeoutMs: 20 * 60 * 1000,
  });
  const scriptCheck = {
    ok: script.status === 0,
    wallMs: round(performance.now() - t0, 0),
    ...(script.status === 0
      ? {}
      : { detail: `${script.stdout}${script.stderr}`.trim().split("\n").slice(-5).join("\n") }),
  };
  log(`  scripts/preview.sh dev: ${scriptCheck.ok ? "ok" : "FAILED"} in ${scriptCheck.wallMs} ms`);

  const fleet = 100;
  const plans: PreviewPlan[] = [
    {
      name: "dev",
      stack: "dev",
      stackFile: "Pulumi.dev.yaml",
      packConfig: "policy-config/dev.json",
      runs: previewRuns,
    },
    {
      name: "prod",
      stack: "prod",
      stackFile: "Pulumi.prod.yaml",
      packConfig: "policy-config/prod.json",
      runs: previewRuns,
    },
    {
      name: "dev, fresh machine (no ts-node cache)",
      stack: "dev",
      stackFile: "Pulumi.dev.yaml",
      packConfig: "policy-config/dev.json",
      runs: previewRuns,
      cold: true,
    },
    {
      name: `fleet of ${fleet} models`,
      stack: `bench-fleet-${fleet}`,
      stackFile: "",
      packConfig: "policy-config/prod.json",
      runs: fleetRuns,
    },
  ];
  const cases: PreviewCaseResult[] = [];
  for (const plan of plans) {
    const failures: string[] = [];
    // One stack per side, each with its own state.
    const prefix = `bench-${plan.stack}${plan.cold === true ? "-cold" : ""}`;
    const stacks: Record<PreviewSide, string> = {
      with: `${prefix}-pack`,
      without: `${prefix}-plain`,
      empty: `${prefix}-empty-pack`,
    };
    const init = initStack(p, stacks.with) ?? initStack(p, stacks.without) ?? initStack(p, stacks.empty);
    if (init !== undefined) {
      cases.push(emptyCase(plan, [init]));
      continue;
    }
    const text =
      plan.stackFile === ""
        ? fleetStackFile(fleet)
        : fs.readFileSync(path.join(ROOT, plan.stackFile), "utf8");
    const configFile = stackFileCopy(p, plan.stack, text);
    const packs: Record<PreviewSide, PackUse | undefined> = {
      with: { dir: "policy", config: plan.packConfig },
      without: undefined,
      empty: { dir: startupSetup.emptyPackDir },
    };
    const runs: Record<PreviewSide, PreviewRun[]> = { with: [], without: [], empty: [] };
    for (let i = 0; i < plan.runs; i++) {
      // One after the other, rotating which goes first: each preview's engine, program,
      // provider and pack keep both cores busy, so two at a time would measure their contention.
      for (const side of SIDE_ORDERS[i % SIDE_ORDERS.length] ?? PREVIEW_SIDES) {
        const tmp = plan.cold === true ? freshTmp() : undefined;
        const r = await previewOnce(
          p,
          stacks[side],
          configFile,
          packs[side],
          tmp === undefined ? {} : { TMPDIR: tmp },
        );
        if (tmp !== undefined) fs.rmSync(tmp, { recursive: true, force: true });
        runs[side].push(r);
        if (!r.ok) failures.push(`${SIDE_LABELS[side]}: ${r.error ?? "failed"}`);
        log(
          `  preview ${plan.name} ${SIDE_LABELS[side]}, run ${i + 1}/${plan.runs}: ${r.ok ? "ok" : "FAILED"}, ${round(r.cpuMs, 0)} ms CPU, ${round(r.wallMs, 0)} ms wall, ${r.resources} resources, load ${round(r.load1m)}`,
        );
      }
    }
    const w = summarize(runs.with);
    const wo = summarize(runs.without);
    const e = summarize(runs.empty);
    const resources =
      runs.with.find((r) => r.ok)?.resources ?? runs.without.find((r) => r.ok)?.resources ?? 0;
    cases.push({
      name: plan.name,
      stack: plan.stack,
      packConfig: plan.packConfig,
      resources,
      withPack: w,
      withoutPack: wo,
      withEmptyPack: e,
      packOverhead: overhead(w, wo),
      emptyPackOverhead: overhead(e, wo),
      perResource:
        w === undefined || resources === 0
          ? undefined
          : {
              cpuMsWithPack: round(w.cpuMs.median / resources),
              wallMsWithPack: round(w.wallMs.median / resources),
            },
      failures,
    });
  }
  log("  policy pack start-up, this pack and an empty one");
  const devWithout = cases.find((c) => c.name === "dev")?.withoutPack?.cpuMs.median;
  const packStartup = await measurePackStartup(startupSetup, packStartupRuns, devWithout);
  log(
    `  pack start-up: ${packStartup.pack.cpuMs.median} ms CPU, empty pack ${packStartup.emptyPack.cpuMs.median} ms CPU`,
  );
  return { measured: true, cliVersion: p.cliVersion, scriptCheck, cases, packStartup };
}

function emptyCase(plan: PreviewPlan, failures: string[]): PreviewCaseResult {
  return {
    name: plan.name,
    stack: plan.stack,
    packConfig: plan.packConfig,
    resources: 0,
    withPack: undefined,
    withoutPack: undefined,
    withEmptyPack: undefined,
    packOverhead: undefined,
    emptyPackOverhead: undefined,
    perResource: undefined,
    failures,
  };
}

// ---------------------------------------------------------------------------------------------

function verdicts(report: Omit<Report, "verdicts">): Verdict[] {
  const out: Verdict[] = [];
  for (const s of report.program) {
    out.push({
      target: `program/baseline, ${s.models} model${s.models === 1 ? "" : "s"}: <= ${TARGETS.programRatio} (CPU)`,
      value: `${s.ratio.cpu} (wall ${s.ratio.wall})`,
      met: s.ratio.cpu <= TARGETS.programRatio,
    });
  }
  out.push({
    target: `program time(1000)/time(100): <= ${TARGETS.growth1000over100} (CPU)`,
    value:
      report.growth === undefined
        ? "not measured"
        : `${report.growth.program.cpu} (wall ${report.growth.program.wall})`,
    met: report.growth === undefined ? null : report.growth.program.cpu <= TARGETS.growth1000over100,
  });
  for (const c of report.preview.cases) {
    out.push({
      target: `policy pack overhead, pulumi preview of ${c.name}: <= ${TARGETS.packOverhead} (CPU)`,
      value:
        c.packOverhead === undefined ? "not measured" : `${c.packOverhead.cpu} (wall ${c.packOverhead.wall})`,
      met: c.packOverhead === undefined ? null : c.packOverhead.cpu <= TARGETS.packOverhead,
    });
  }
  return out;
}

function gitSource(): { commit: string; dirtyPaths: string[] } {
  const commit = commandOutput("git", ["rev-parse", "--short", "HEAD"]);
  const status = commandOutput("git", [
    "status",
    "--porcelain",
    "--",
    "config",
    "components",
    "conventions",
    "program",
    "policy/lib",
    "policy/policies",
  ]);
  return {
    commit,
    dirtyPaths: status === "unknown" || status === "" ? [] : status.split("\n").map((l) => l.slice(3)),
  };
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
    ].map((k) => Number(values[k as "runs"])),
  );
  if (numbers.some((n) => !Number.isInteger(n) || n < 1)) {
    process.stderr.write("bench: --sizes and the --*-runs options take positive whole numbers\n");
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  const date = new Date().toISOString();
  const machineInfo = machine();
  log(`bench: ${machineInfo.cpuModel}, ${machineInfo.cores} cores, load ${machineInfo.loadAverageAtStart}`);

  fs.mkdirSync(WORK, { recursive: true });
  const build = path.join(WORK, "build");
  const files = transpileForChildren(ROOT, build);
  log(`bench: transpiled ${files} modules for the child processes into ${path.relative(ROOT, build)}`);
  const child: ChildOptions = {
    script: path.join(build, "bench", "child.js"),
    cwd: ROOT,
    timeoutMs: 15 * 60 * 1000,
  };

  log("1/4 program cost under mocks");
  const runsFor = (models: number): number => (models >= 1000 ? bigRuns : runs);
  const shellsAt = Number(values["shells-at"]);
  const program = await benchProgram(child, sizes, runsFor, shellsAt);
  const p100 = program.sizes.find((s) => s.models === 100);
  const p1000 = program.sizes.find((s) => s.models === 1000);
  const growth =
    p100 === undefined || p1000 === undefined
      ? undefined
      : {
          program: {
            cpu: ratio(p1000.program.cpuMs.median, p100.program.cpuMs.median),
            wall: ratio(p1000.program.wallMs.median, p100.program.wallMs.median),
          },
          baseline: {
            cpu: ratio(p1000.baseline.cpuMs.median, p100.baseline.cpuMs.median),
            wall: ratio(p1000.baseline.wallMs.median, p100.baseline.wallMs.median),
          },
        };

  log("2/4 start-up cost");
  const startup = await benchStartup(child, quick ? 3 : Number(values["startup-runs"]));
  const med = (name: string): number =>
    startup.find((v) => v.name === name)?.stats.cpuMs.median ?? Number.NaN;
  const startupRatios = {
    "program / baseline (fresh process, CPU)": ratio(med("program"), med("baseline")),
    "program / baseline (after the SDK, CPU)": ratio(med("program after SDK"), med("baseline after SDK")),
    "per API group / whole @pulumi/kubernetes (CPU)": ratio(
      med("@pulumi/kubernetes (per API group)"),
      med("@pulumi/kubernetes (whole)"),
    ),
  };
  for (const v of startup)
    log(`  ${v.name}: ${v.stats.cpuMs.median} ms CPU, ${v.stats.wallMs.median} ms wall`);

  log("3/4 policy cost");
  const packConfig = path.join(ROOT, "policy-config", "prod.json");
  const policy = await benchPolicy(
    child,
    program.fixtures,
    program.sizes,
    quick ? 2 : Number(values["policy-runs"]),
    packConfig,
  );

  log("4/4 real preview");
  const preview: PreviewSection =
    values["no-preview"] || quick
      ? { measured: false, reason: "skipped (--no-preview or --quick)", cases: [] }
      : await benchPreview(
          Number(values["preview-runs"]),
          Number(values["fleet-preview-runs"]),
          Number(values["pack-startup-runs"]),
        );
  if (!preview.measured) log(`  not measured: ${preview.reason ?? ""}`);

  const partial: Omit<Report, "verdicts"> = {
    date,
    durationS: round((performance.now() - started) / 1000, 0),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    machine: machineInfo,
    versions: {
      node: process.version,
      npm: commandOutput("npm", ["--version"]),
      "@pulumi/pulumi": packageVersion("@pulumi/pulumi"),
      "@pulumi/kubernetes": packageVersion("@pulumi/kubernetes"),
      "@pulumi/policy (pack)": packageVersion("@pulumi/policy", path.join(ROOT, "policy")),
      zod: packageVersion("zod"),
      "pulumi CLI": preview.cliVersion ?? "not used",
    },
    source: gitSource(),
    settings: { sizes, runs, bigRuns, shellsAt, quick, packConfig: path.relative(ROOT, packConfig) },
    targets: TARGETS,
    program: program.sizes,
    growth,
    startup,
    startupRatios,
    policy,
    preview,
  };
  const report: Report = { ...partial, verdicts: verdicts(partial) };
  const outDir = path.resolve(ROOT, values.out);
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, "latest.md"), markdown(report));
  if (!values.keep) fs.rmSync(WORK, { recursive: true, force: true });
  for (const v of report.verdicts)
    log(`${v.met === null ? "n/a " : v.met ? "met " : "MISS"} ${v.target}: ${v.value}`);
  log(`bench: wrote ${path.relative(ROOT, outDir)}/latest.{json,md} in ${report.durationS} s`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}
