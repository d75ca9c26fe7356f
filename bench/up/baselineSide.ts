// The plain baseline's side of the `up` benchmark: the recording of the program's state
// (stackState.ts) deployed by `pulumi up` of bench/baseline/up, the plain program, with the
// same CLI, provider, cluster and policy pack as the program, then destroyed. Its time is
// what any Pulumi program of these objects costs; the program's time above it is the
// components'.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { describeRun, start } from "../../tests/e2e/lib/run";
import type { RecordedResource } from "../lib/mocks";
import { REPOSITORY_ROOT } from "../lib/paths";
import { initStack, ok } from "./commands";
import { EventStream, type UpPhases, upPhases } from "./eventLog";
import { round } from "./rounding";
import { LONG_MS, POLICY_ARGS } from "./settings";

const PROJECT_DIR = path.join(REPOSITORY_ROOT, "bench/baseline/up");
const STACK = "bench-baseline";

export interface BaselineTimes {
  /** Objects the baseline registered. */
  readonly objects: number;
  readonly upSeconds: number;
  readonly phases: UpPhases;
  readonly destroySeconds: number;
}

/** Deploys the recording with the baseline program, measures it, and destroys it again. */
export async function baselineRound(
  env: NodeJS.ProcessEnv,
  recording: readonly RecordedResource[],
): Promise<BaselineTimes> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-baseline-"));
  const recordingFile = path.join(dir, "recording.json");
  fs.writeFileSync(recordingFile, JSON.stringify(recording));
  const baselineEnv = { ...env, K8S_ML_BENCH_BASELINE_RECORDING: recordingFile };
  const stackArgs = ["--cwd", PROJECT_DIR, "--stack", STACK, "--non-interactive"];
  try {
    await initStack(baselineEnv, STACK, PROJECT_DIR);
    const destroy = (): Promise<string> =>
      ok("pulumi", ["destroy", ...stackArgs, "--yes", "--skip-preview"], {
        env: baselineEnv,
        cwd: REPOSITORY_ROOT,
        timeoutMs: LONG_MS,
      });
    await destroy(); // whatever an earlier, interrupted run left
    const events = new EventStream();
    const t0 = performance.now();
    const up = await start(
      "pulumi",
      ["up", ...stackArgs, "--yes", ...POLICY_ARGS, "--suppress-progress", ...events.cliArgs],
      { env: { ...baselineEnv, ...EventStream.cliEnv }, cwd: REPOSITORY_ROOT, timeoutMs: LONG_MS },
    ).done;
    const exited = performance.now();
    const upSeconds = round((exited - t0) / 1000, 1);
    await events.close();
    if (up.code !== 0) throw new Error(describeRun("pulumi up (baseline)", [], up));
    const phases = upPhases(events.events, t0, exited);
    const t1 = performance.now();
    await destroy();
    return {
      objects: recording.filter((r) => r.type.startsWith("kubernetes:")).length,
      upSeconds,
      phases,
      destroySeconds: round((performance.now() - t1) / 1000, 1),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
