// Case 2, start-up cost: loading the program, the baseline and @pulumi/kubernetes (whole or per
// API group) in a fresh process, measured inside it.

import { type ChildOptions, runChild } from "../lib/children";
import { log } from "../lib/log";
import type { Sample } from "../lib/measure";
import type { StartupVariant } from "../lib/reportTypes";
import { ratio, stats } from "../lib/stats";

/** What one `load` child loads: its name in the report, the child's arguments, what it means. */
interface StartupVariantPlan {
  readonly name: string;
  readonly args: readonly string[];
  readonly description: string;
}

const STARTUP_VARIANTS: readonly StartupVariantPlan[] = [
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

/** The start-up case's part of the report. */
export interface StartupCost {
  readonly startup: StartupVariant[];
  readonly startupRatios: Record<string, number>;
}

/** Loads every variant `runs` times, one process at a time, and compares their CPU medians. */
export async function runStartupCost(child: ChildOptions, runs: number): Promise<StartupCost> {
  const samples = new Map<string, Sample[]>(STARTUP_VARIANTS.map((variant) => [variant.name, []]));
  for (let run = 0; run < runs; run++) {
    // One at a time: short runs, where a neighbour would weigh more than the load does.
    for (const variant of STARTUP_VARIANTS)
      samples.get(variant.name)?.push((await runChild(child, ["load", ...variant.args])) as Sample);
  }
  const startup = STARTUP_VARIANTS.map((variant) => ({
    name: variant.name,
    description: variant.description,
    stats: stats(samples.get(variant.name) ?? []),
  }));
  const cpuMedian = (name: string): number =>
    startup.find((variant) => variant.name === name)?.stats.cpuMs.median ?? Number.NaN;
  const startupRatios = {
    "program / baseline (fresh process, CPU)": ratio(cpuMedian("program"), cpuMedian("baseline")),
    "program / baseline (after the SDK, CPU)": ratio(
      cpuMedian("program after SDK"),
      cpuMedian("baseline after SDK"),
    ),
    "per API group / whole @pulumi/kubernetes (CPU)": ratio(
      cpuMedian("@pulumi/kubernetes (per API group)"),
      cpuMedian("@pulumi/kubernetes (whole)"),
    ),
  };
  for (const variant of startup)
    log(`  ${variant.name}: ${variant.stats.cpuMs.median} ms CPU, ${variant.stats.wallMs.median} ms wall`);
  return { startup, startupRatios };
}
