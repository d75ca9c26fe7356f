// Case 3, policy cost: every resource and stack policy of the pack, in-process (`runPolicies`),
// over the registrations the program case recorded for each fleet; cold (the first evaluation
// in a fresh process, as in a preview) and warm (the second).

import { type ChildOptions, runChild } from "../lib/children";
import { log } from "../lib/log";
import { round, type Sample } from "../lib/measure";
import type { PolicySize, ProgramSize } from "../lib/reportTypes";
import { stat, stats } from "../lib/stats";

/** What a `policy` child reports: the cold evaluation as the sample, the warm one beside it. */
interface PolicySample extends Sample {
  readonly warmWallMs: number;
  readonly warmCpuMs: number;
  readonly resources: number;
  readonly violations: readonly string[];
}

/**
 * Runs the pack with `packConfig` over each recorded fleet (`fixtures`, per model count) `runs`
 * times; `program` gives each fleet's Kubernetes resource count.
 */
export async function runPolicyCost(
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
    const warmCpu = stat(samples.map((sample) => sample.warmCpuMs));
    out.push({
      models,
      resources: first.resources,
      kubernetesResources: program.find((size) => size.models === models)?.kubernetesResources ?? 0,
      violations: first.violations.length,
      firstViolations: first.violations.slice(0, 5),
      cold,
      warm: { wallMs: stat(samples.map((sample) => sample.warmWallMs)), cpuMs: warmCpu },
      perResourceColdCpuUs: round((cold.cpuMs.median * 1000) / first.resources, 1),
      perResourceWarmCpuUs: round((warmCpu.median * 1000) / first.resources, 1),
    });
    log(
      `  policy ${models} models (${first.resources} resources): cold ${cold.cpuMs.median} ms CPU, warm ${warmCpu.median} ms CPU, ${first.violations.length} violations`,
    );
  }
  return out;
}
