// Running the commands of the `up` benchmark, which stops at the first one that fails.

import { describeRun, run, type RunOptions } from "../../tests/e2e/lib/run";

/** Runs a command and returns its stdout; throws with its output when it exits non-zero. */
export async function ok(command: string, args: readonly string[], options: RunOptions): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(describeRun(command, args, result));
  return result.stdout;
}
