// Starting processes for the benchmark: bench/child.ts (transpiled) in a fresh node process,
// reading its one result line, and any other command with its output collected. Asynchronous,
// so that the two sides of a comparison can run at the same time, under the same load.

import { spawn } from "node:child_process";

export interface Finished {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the process could not start or was killed for running too long. */
  error?: string;
}

/** Runs a command to completion, collecting its output; never rejects. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let error: string | undefined;
    const timer = setTimeout(() => {
      error = `killed after ${options.timeoutMs} ms`;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (e) => {
      error = e.message;
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({
        status,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        ...(error === undefined ? {} : { error }),
      });
    });
  });
}

export interface ChildOptions {
  /** The transpiled child script. */
  script: string;
  /** Working directory (the repository root). */
  cwd: string;
  /** Kill a child that runs longer than this, ms. */
  timeoutMs: number;
}

/** Runs the child with `args` and returns its parsed `BENCH {...}` line. */
export async function runChild(options: ChildOptions, args: readonly string[]): Promise<unknown> {
  const result = await run(process.execPath, ["--expose-gc", options.script, ...args], options);
  const line = result.stdout.split("\n").find((l) => l.startsWith("BENCH "));
  if (result.status !== 0 || line === undefined) {
    const why = result.error ?? `exit ${String(result.status ?? result.signal)}`;
    throw new Error(`bench child ${args.join(" ")} failed (${why}):\n${result.stderr.slice(-2000)}`);
  }
  return JSON.parse(line.slice("BENCH ".length));
}
