// One size of the `up` benchmark: write its stack config, `pulumi up` it from nothing while
// sampling the control plane, count the running pods, then destroy it.

import * as fs from "node:fs";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { describeRun, start } from "../../tests/e2e/lib/run";
import { REPOSITORY_ROOT } from "../lib/paths";
import { baselineRound } from "./baselineSide";
import { createdSteps, goDurationSeconds, perType } from "./cliOutput";
import { kubectlRound } from "./kubectlSide";
import { stateObjects, stateRecording, stateResources } from "./stackState";
import { ok } from "./commands";
import { etcdDbBytes, Sampler } from "./controlPlane";
import { EventStream, upPhases } from "./eventLog";
import { round } from "./rounding";
import { CLUSTER_ENV, LONG_MS, NAMESPACE, POLICY_ARGS, STACK } from "./settings";
import { benchConfig } from "./stackConfig";
import type { SizeResult } from "./upReport";

/** The benchmark's stack, ready for `pulumi up`: the CLI's environment and stack arguments. */
export interface BenchStack {
  /** The main job's environment (toolchain on PATH, backend, passphrase, KUBECONFIG). */
  readonly env: NodeJS.ProcessEnv;
  /** The copy of the stack file the CLI reads, rewritten for each size. */
  readonly configFile: string;
  /** `--stack <stack> --config-file <configFile>`. */
  readonly stackArgs: readonly string[];
  /** `pulumi destroy` of the stack, resolving to its output. */
  readonly destroy: () => Promise<string>;
}

/** Deploys `models` model servers from nothing, measures the up, and destroys them again. */
export async function measureSize(stack: BenchStack, models: number): Promise<SizeResult> {
  const config = benchConfig(models);
  fs.writeFileSync(stack.configFile, stringify(config));
  const events = new EventStream();
  const sampler = new Sampler();
  sampler.begin();
  const upStart = performance.now();
  const up = await start(
    "pulumi",
    ["up", ...stack.stackArgs, "--yes", ...POLICY_ARGS, "--suppress-progress", ...events.cliArgs],
    { env: { ...stack.env, ...EventStream.cliEnv }, cwd: REPOSITORY_ROOT, timeoutMs: LONG_MS },
  ).done;
  const exited = performance.now();
  const upSeconds = round((exited - upStart) / 1000, 1);
  const use = sampler.end();
  await events.close();
  if (up.code !== 0) throw new Error(describeRun("pulumi up", [String(models)], up));
  const phases = upPhases(events.events, upStart, exited);
  // The stack resource's "created" time is the whole update; it is reported as the engine's.
  const steps = createdSteps(up.stdout).filter((step) => step.type !== "pulumi:pulumi:Stack");
  const created = Number(/\+ (\d+) created/.exec(up.stdout)?.[1] ?? Number.NaN);
  const reported = /^Duration: (\S+)$/m.exec(up.stdout)?.[1] ?? "";
  const pods = await ok(
    "bash",
    [
      "scripts/cluster.sh",
      "kubectl",
      "get",
      "pods",
      "-n",
      NAMESPACE,
      "--field-selector=status.phase=Running",
      "-o",
      "name",
    ],
    { env: CLUSTER_ENV, cwd: REPOSITORY_ROOT, timeoutMs: 60_000 },
  );
  const db = etcdDbBytes();
  // The very objects the up created, for the kubectl side (after the destroy).
  const exported = await ok("pulumi", ["stack", "export", "--stack", STACK, "--show-secrets"], {
    env: stack.env,
    cwd: REPOSITORY_ROOT,
    timeoutMs: 120_000,
  });
  const resources = stateResources(exported);
  const objects = stateObjects(resources);
  const destroyStart = performance.now();
  await stack.destroy();
  const destroySeconds = round((performance.now() - destroyStart) / 1000, 1);
  const baseline = await baselineRound(stack.env, stateRecording(resources));
  if (baseline.objects !== objects.length)
    throw new Error(`the baseline registered ${baseline.objects} objects, the program ${objects.length}`);
  const kubectl = await kubectlRound(objects);
  const result: SizeResult = {
    models,
    gpuModels: Math.ceil(models / 5),
    created,
    upSeconds,
    pulumiReportedSeconds: goDurationSeconds(reported),
    phases,
    destroySeconds,
    baseline,
    kubectl,
    ratios: {
      upVsKubectl: round(upSeconds / kubectl.upSeconds, 2),
      upVsBaseline: round(upSeconds / baseline.upSeconds, 2),
      baselineVsKubectl: round(baseline.upSeconds / kubectl.upSeconds, 2),
      destroyVsBaseline: round(destroySeconds / baseline.destroySeconds, 2),
      baselineDestroyVsKubectlDelete: round(baseline.destroySeconds / kubectl.deleteSeconds, 2),
      engineVsKubectl: round(goDurationSeconds(reported) / kubectl.upSeconds, 2),
      destroyVsKubectlDelete: round(destroySeconds / kubectl.deleteSeconds, 2),
    },
    podsRunning: pods.split("\n").filter((line) => line.trim() !== "").length,
    perType: perType(steps),
    slowest: [...steps].sort((a, b) => b.seconds - a.seconds).slice(0, 5),
    process: use,
    etcdDbMiB: round(db / 1024 / 1024, 1),
  };
  console.log(
    `bench:up: ${models} models: ${created} created in ${upSeconds}s (engine ${reported}), destroyed in ${destroySeconds}s; ` +
      `baseline: up ${baseline.upSeconds}s, destroyed in ${baseline.destroySeconds}s; ` +
      `kubectl: ${kubectl.objects} objects applied in ${kubectl.applySeconds}s + wait ${kubectl.waitSeconds}s, deleted in ${kubectl.deleteSeconds}s; ` +
      `kube-apiserver ${use.apiserver.cpuSeconds} CPU s, etcd ${use.etcd.cpuSeconds} CPU s`,
  );
  return result;
}
