// npm run bench:policy [-- --sizes 100,1000,10000 --runs 7 --config policy-config/prod.json]
//
// Evaluates every resource and stack policy of the pack in-process (runPolicies) over generated
// stacks and writes bench/results/policy-latest.{json,md} with the machine it ran on. A benchmark,
// not a test: it reports figures and never fails on them.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { PackConfig } from "../policy/lib/packConfig";
import type { PackResource } from "../policy/lib/resource";
import { runPolicies, runResourcePolicy, runStackPolicy, stackResources } from "../policy/lib/runPack";
import { resolvePackConfig } from "../policy/lib/packConfig";
import { allPolicies, resourcePolicies, stackPolicies } from "../policy/policies/all";
import { generatePolicyStack } from "./policyStack";

const ROOT = path.resolve(__dirname, "..");
const TARGET_SIZE = 10000;
const TARGET_MS = 2000;

interface SizeResult {
  workloads: number;
  resources: number;
  counts: Record<string, number>;
  runs: number;
  violations: number;
  /** Median wall time of runPolicies over the whole stack, ms. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Median CPU time (user + system) of the same runs, ms: less sensitive to other load on the machine. */
  medianCpuMs: number;
  /** Median per policy (each timed alone), ms. */
  perPolicyMedianMs: Record<string, number>;
  microsecondsPerWorkload: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/** A fresh deep copy, so no run profits from caches filled by the previous one (CrossGuard hands fresh props too). */
function fresh(resources: readonly PackResource[]): PackResource[] {
  return resources.map((r) => ({ ...r, props: structuredClone(r.props) }));
}

/** Runs a full GC between runs when node has --expose-gc (npm run bench:policy passes it). */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function timePolicies(
  stack: readonly PackResource[],
  config: PackConfig | undefined,
): Record<string, number> {
  const resolved = resolvePackConfig(config, allPolicies);
  const out: Record<string, number> = {};
  const sink: string[] = [];
  for (const p of resourcePolicies) {
    const cfg = resolved.get(p.name);
    if (!cfg || cfg.level === "disabled") continue;
    const input = fresh(stack);
    collectGarbage();
    const t0 = performance.now();
    for (const r of input) runResourcePolicy(p, r, cfg.properties, (m) => sink.push(m));
    out[p.name] = performance.now() - t0;
  }
  for (const p of stackPolicies) {
    const cfg = resolved.get(p.name);
    if (!cfg || cfg.level === "disabled") continue;
    const input = stackResources(fresh(stack));
    collectGarbage();
    const t0 = performance.now();
    runStackPolicy(p, input, cfg.properties, (m) => sink.push(m));
    out[p.name] = performance.now() - t0;
  }
  return out;
}

function benchSize(workloads: number, runs: number, config: PackConfig | undefined): SizeResult {
  const { resources, counts } = generatePolicyStack({ workloads });
  const violations = runPolicies(fresh(resources), config).length; // warm-up and correctness
  const totals: number[] = [];
  const cpu: number[] = [];
  const perPolicy: Record<string, number[]> = {};
  for (let i = 0; i < runs; i++) {
    const input = fresh(resources);
    collectGarbage();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    runPolicies(input, config);
    totals.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    for (const [name, ms] of Object.entries(timePolicies(resources, config)))
      (perPolicy[name] ??= []).push(ms);
  }
  const medianMs = median(totals);
  return {
    workloads,
    resources: resources.length,
    counts,
    runs,
    violations,
    medianMs: round(medianMs),
    minMs: round(Math.min(...totals)),
    maxMs: round(Math.max(...totals)),
    medianCpuMs: round(median(cpu)),
    perPolicyMedianMs: Object.fromEntries(Object.entries(perPolicy).map(([k, v]) => [k, round(median(v))])),
    microsecondsPerWorkload: round((medianMs * 1000) / workloads, 1),
  };
}

function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverage1m: round(os.loadavg()[0] ?? 0),
  };
}

function markdown(report: {
  date: string;
  machine: Record<string, string | number>;
  config: string;
  results: SizeResult[];
  ratios: Record<string, number>;
  cpuRatios: Record<string, number>;
  target: { workloads: number; ms: number; met: boolean | null };
}): string {
  const m = report.machine;
  const lines = [
    "# Policy pack benchmark",
    "",
    `${report.date}, config \`${report.config}\`. All resource and stack policies of the pack evaluated in-process (\`runPolicies\`) over generated stacks (\`bench/policyStack.ts\`); median of the runs, each on a fresh copy of the stack.`,
    "",
    `Machine: ${String(m.cpuModel)}, ${String(m.cores)} cores, ${String(m.memoryGiB)} GiB, Node ${String(m.node)}, ${String(m.platform)}.`,
    "",
    `Load average (1 min) when the run ended: ${String(m.loadAverage1m)}. Wall times on a busy machine are inflated; CPU time is the process's own user + system time.`,
    "",
    "| workloads | resources | runs | median wall ms | min ms | max ms | median CPU ms | µs per workload (wall) | violations |",
    "| --: | --: | --: | --: | --: | --: | --: | --: | --: |",
    ...report.results.map(
      (r) =>
        `| ${r.workloads} | ${r.resources} | ${r.runs} | ${r.medianMs} | ${r.minMs} | ${r.maxMs} | ${r.medianCpuMs} | ${r.microsecondsPerWorkload} | ${r.violations} |`,
    ),
    "",
    "Growth (ratio of median wall times, CPU times in brackets; 10 = linear for a tenfold stack):",
    "",
    ...Object.entries(report.ratios).map(([k, v]) => `- ${k}: ${v} (${report.cpuRatios[k] ?? "?"})`),
    "",
    report.target.met === null
      ? `Target (${report.target.workloads} workloads under ${report.target.ms} ms): not measured in this run.`
      : `Target (${report.target.workloads} workloads under ${report.target.ms} ms): ${report.target.met ? "met" : "NOT met"}.`,
    "",
    "Median per policy (ms, each policy timed alone):",
    "",
    `| policy | ${report.results.map((r) => String(r.workloads)).join(" | ")} |`,
    `| --- | ${report.results.map(() => "--:").join(" | ")} |`,
    ...Object.keys(report.results[0]?.perPolicyMedianMs ?? {}).map(
      (p) => `| ${p} | ${report.results.map((r) => String(r.perPolicyMedianMs[p] ?? "")).join(" | ")} |`,
    ),
    "",
  ];
  return lines.join("\n");
}

function main(): void {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "100,1000,10000" },
      runs: { type: "string", default: "7" },
      config: { type: "string", default: "policy-config/prod.json" },
      out: { type: "string", default: "bench/results" },
    },
  });
  const sizes = values.sizes.split(",").map((s) => Number(s.trim()));
  const runs = Math.max(1, Number(values.runs));
  if (sizes.some((s) => !Number.isInteger(s) || s <= 0) || !Number.isFinite(runs)) {
    process.stderr.write("bench:policy: --sizes takes positive integers, --runs a number\n");
    process.exitCode = 2;
    return;
  }
  const configPath = path.resolve(ROOT, values.config);
  const config = JSON.parse(fs.readFileSync(configPath, "utf8")) as PackConfig;
  const results: SizeResult[] = [];
  for (const size of sizes) {
    const r = benchSize(size, runs, config);
    results.push(r);
    process.stdout.write(
      `${String(size).padStart(6)} workloads (${r.resources} resources): median ${r.medianMs} ms wall (min ${r.minMs}, max ${r.maxMs}), ${r.medianCpuMs} ms CPU, ${r.microsecondsPerWorkload} µs/workload, ${r.violations} violations\n`,
    );
  }
  const ratios: Record<string, number> = {};
  const cpuRatios: Record<string, number> = {};
  for (let i = 1; i < results.length; i++) {
    const a = results[i - 1];
    const b = results[i];
    ratios[`${b.workloads}/${a.workloads}`] = round(b.medianMs / a.medianMs);
    cpuRatios[`${b.workloads}/${a.workloads}`] = round(b.medianCpuMs / a.medianCpuMs);
  }
  const big = results.find((r) => r.workloads === TARGET_SIZE);
  const report = {
    date: new Date().toISOString(),
    machine: machine(),
    config: path.relative(ROOT, configPath),
    results,
    ratios,
    cpuRatios,
    target: { workloads: TARGET_SIZE, ms: TARGET_MS, met: big ? big.medianMs < TARGET_MS : null },
  };
  const outDir = path.resolve(ROOT, values.out);
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "policy-latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, "policy-latest.md"), markdown(report));
  for (const [k, v] of Object.entries(ratios)) {
    process.stdout.write(`ratio ${k}: ${v} wall, ${cpuRatios[k] ?? "?"} CPU\n`);
  }
  if (report.target.met !== null) {
    process.stdout.write(
      `target ${TARGET_SIZE} workloads < ${TARGET_MS} ms: ${report.target.met ? "met" : "NOT met"}\n`,
    );
  }
  process.stdout.write(`wrote ${path.relative(ROOT, path.join(outDir, "policy-latest.json"))} and .md\n`);
}

if (require.main === module) main();
