// Running the commands of the `up` benchmark, which stops at the first one that fails.

import { describeRun, run, type RunOptions } from "../../tests/e2e/lib/run";
import { REPOSITORY_ROOT } from "../lib/paths";

/** Runs a command and returns its stdout; throws with its output when it exits non-zero. */
export async function ok(command: string, args: readonly string[], options: RunOptions): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(describeRun(command, args, result));
  return result.stdout;
}

/** Creates `stack` for the project in `projectDir` unless it exists already. */
export async function initStack(env: NodeJS.ProcessEnv, stack: string, projectDir: string): Promise<void> {
  const args = ["stack", "init", stack, "--cwd", projectDir, "--no-select", "--non-interactive"];
  const init = await run("pulumi", args, { env, cwd: REPOSITORY_ROOT, timeoutMs: 60_000 });
  if (init.code !== 0 && !init.stderr.includes("already exists"))
    throw new Error(describeRun("pulumi", args, init));
}
