// One measurement in a fresh process, started by the cases of bench/run.ts (bench/cases/, which
// never import it). Prints one line `BENCH <json>` on stdout. Modes:
//
//   program  --models N [--record fixture.json]   the real program (config validation, plan,
//                                                  deploy) under mocks on a generated fleet
//   baseline --fixture fixture.json [--shells]      the plain program replaying the recorded objects
//                                                  (--shells: plus an empty component per component)
//   load     --module program|baseline|k8s|k8s-groups|pulumi [--after-pulumi]
//                                                  the time to load a module graph
//   policy   --fixture fixture.json --pack-config prod.json
//                                                  the policy pack over the recorded objects
//
// Nothing heavy is imported at the top, so `load` measures module loading from a clean start.

import * as fs from "node:fs";
import * as os from "node:os";
import { parseArgs } from "node:util";
import { measure, type Sample } from "./lib/measure";
import type { RecordedResource } from "./lib/mocks";

/** The API-group modules of @pulumi/kubernetes the components use. */
export const K8S_GROUP_MODULES: readonly string[] = [
  "@pulumi/kubernetes/core/v1",
  "@pulumi/kubernetes/apps/v1",
  "@pulumi/kubernetes/batch/v1",
  "@pulumi/kubernetes/policy/v1",
  "@pulumi/kubernetes/autoscaling/v2",
  "@pulumi/kubernetes/networking/v1",
  "@pulumi/kubernetes/rbac/v1",
  "@pulumi/kubernetes/scheduling/v1",
  "@pulumi/kubernetes/apiextensions",
];

const load1m = (): number => os.loadavg()[0] ?? 0;

function emit(result: object): void {
  process.stdout.write(`BENCH ${JSON.stringify(result)}\n`);
}

function readFixture(file: string): RecordedResource[] {
  return JSON.parse(fs.readFileSync(file, "utf8")) as RecordedResource[];
}

async function runProgram(models: number, record: string | undefined): Promise<void> {
  const pulumi = await import("@pulumi/pulumi");
  const { main } = await import("../program/main");
  const { fleetConfigText } = await import("./fleet");
  const { installMocks, waitForRegistrations } = await import("./lib/mocks");
  const config = fleetConfigText(models);
  const seen = await installMocks(record !== undefined);
  const sample = await measure(async (mark) => {
    pulumi.runtime.setAllConfig(config);
    main();
    mark();
    await waitForRegistrations();
  }, load1m);
  if (record !== undefined) fs.writeFileSync(record, JSON.stringify(seen.recorded));
  emit({ ...sample, registrations: seen.total, kubernetesResources: seen.kubernetes });
}

async function runBaseline(fixture: string, shells: boolean): Promise<void> {
  const { registerPlain } = await import("./baseline/plainProgram");
  const { registerPlainWithShells } = await import("./baseline/componentShells");
  const { installMocks, waitForRegistrations } = await import("./lib/mocks");
  const seen = await installMocks(false);
  let skipped = 0;
  const sample = await measure(async (mark) => {
    // Parsing the recorded objects stands in for a plain program building its object literals.
    const recorded = readFixture(fixture);
    skipped = (shells ? registerPlainWithShells(recorded) : registerPlain(recorded)).skippedDependencies;
    mark();
    await waitForRegistrations();
  }, load1m);
  if (skipped > 0)
    throw new Error(`baseline: ${skipped} recorded dependencies were not registered before their dependents`);
  emit({ ...sample, registrations: seen.total, kubernetesResources: seen.kubernetes });
}

async function loadModules(module: string, afterPulumi: boolean): Promise<void> {
  if (afterPulumi) await import("@pulumi/pulumi");
  let sample: Sample;
  switch (module) {
    case "program":
      sample = await measure(() => import("../program/main"), load1m);
      break;
    case "baseline":
      sample = await measure(() => import("./baseline/plainProgram"), load1m);
      break;
    case "k8s":
      sample = await measure(() => import("@pulumi/kubernetes"), load1m);
      break;
    case "k8s-groups":
      sample = await measure(async () => {
        for (const m of K8S_GROUP_MODULES) await import(m);
      }, load1m);
      break;
    case "pulumi":
      sample = await measure(() => import("@pulumi/pulumi"), load1m);
      break;
    default:
      throw new Error(`child: unknown module ${module}`);
  }
  emit(sample);
}

async function runPolicy(fixture: string, packConfigFile: string): Promise<void> {
  const { runPolicies } = await import("../policy/lib/runPack");
  const { BENCH_PROJECT, BENCH_STACK } = await import("./lib/mocks");
  type PackConfig = Parameters<typeof runPolicies>[1];
  const packConfig = JSON.parse(fs.readFileSync(packConfigFile, "utf8")) as PackConfig;
  const resources = readFixture(fixture).map((r) => ({
    type: r.type,
    name: r.name,
    urn: `urn:pulumi:${BENCH_STACK}::${BENCH_PROJECT}::${r.type}::${r.name}`,
    props: r.inputs,
  }));
  let violations: string[] = [];
  // Cold: the first evaluation in a fresh process, as in a `pulumi preview`; then warm.
  const cold = await measure(() => {
    violations = runPolicies(resources, packConfig).map((v) => `${v.policy}: ${v.message}`);
  }, load1m);
  const warm = await measure(() => runPolicies(resources, packConfig), load1m);
  emit({ ...cold, warmWallMs: warm.wallMs, warmCpuMs: warm.cpuMs, resources: resources.length, violations });
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      models: { type: "string" },
      record: { type: "string" },
      fixture: { type: "string" },
      module: { type: "string" },
      "after-pulumi": { type: "boolean", default: false },
      shells: { type: "boolean", default: false },
      "pack-config": { type: "string" },
    },
  });
  const need = (name: string, value: string | undefined): string => {
    if (value === undefined) throw new Error(`child: --${name} is required`);
    return value;
  };
  switch (positionals[0]) {
    case "program":
      await runProgram(Number(need("models", values.models)), values.record);
      break;
    case "baseline":
      await runBaseline(need("fixture", values.fixture), values.shells);
      break;
    case "load":
      await loadModules(need("module", values.module), values["after-pulumi"]);
      break;
    case "policy":
      await runPolicy(need("fixture", values.fixture), need("pack-config", values["pack-config"]));
      break;
    default:
      throw new Error(`child: unknown mode ${positionals[0] ?? "(none)"}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `child: ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ""}` : String(error)}\n`,
  );
  process.exitCode = 1;
});
