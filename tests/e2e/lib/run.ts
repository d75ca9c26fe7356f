/** Child processes with a bound on their run time, and their output captured. */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface RunResult {
  /** Exit code, or null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the process was stopped because it ran past its time limit. */
  readonly timedOut: boolean;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Written to stdin, which is then closed. */
  readonly input?: string;
  /**
   * Longest the process may run. It then gets SIGINT, SIGTERM 60 s later and SIGKILL 30 s after
   * that, as does every descendant it had when its time ran out.
   */
  readonly timeoutMs: number;
  /** Called with each chunk of stdout as it arrives. */
  readonly onStdout?: (chunk: string) => void;
  /**
   * How long output is still read after the process exited, while a descendant holds it open.
   * @default 10000
   */
  readonly exitGraceMs?: number;
}

export interface Running {
  readonly pid: number | undefined;
  /** Sends a signal to this process only (never to a group or by name). */
  kill(signal: NodeJS.Signals): void;
  readonly done: Promise<RunResult>;
}

/** Starts a process. Its stdout and stderr are collected; the promise never rejects. */
export function start(command: string, args: readonly string[], options: RunOptions): Running {
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let timedOut = false;
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    stdout += chunk;
    options.onStdout?.(chunk);
  });
  child.stderr.on("data", (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.on("error", () => {
    // The process may exit without reading its input.
  });
  child.stdin.end(options.input ?? "");

  const timers: NodeJS.Timeout[] = [];
  /** The process's descendants when it ran out of time; they may outlive it (plugins). */
  let descendantsAtTimeout: ProcessRef[] = [];
  const escalate = (signal: NodeJS.Signals, afterMs: number): void => {
    timers.push(
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        if (signal === "SIGKILL") signalAll(descendantsAtTimeout, "SIGKILL");
      }, afterMs),
    );
  };
  timers.push(
    setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) descendantsAtTimeout = descendants(child.pid);
      child.kill("SIGINT");
      escalate("SIGTERM", 60_000);
      escalate("SIGKILL", 90_000);
    }, options.timeoutMs),
  );

  const done = new Promise<RunResult>((resolve) => {
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      settled = true;
      for (const t of timers) clearTimeout(t);
      resolve({ code, signal, stdout, stderr, timedOut });
    };
    child.on("error", (error) => {
      stderr += `\n${error.message}`;
    });
    // A descendant that outlives the process (a plugin of a killed CLI) keeps its output pipes
    // open, and "close" would never come: once the process has exited, stop waiting for it.
    // A descendant left over from a process that ran out of time is ended then.
    const graceMs = options.exitGraceMs ?? 10_000;
    child.on("exit", (code, signal) => {
      if (settled) return;
      timers.push(
        setTimeout(() => {
          stderr += `\n[run] exited, but a descendant held its output open ${graceMs / 1000} s later; stopped reading`;
          child.stdout.destroy();
          child.stderr.destroy();
          if (timedOut) signalAll(descendantsAtTimeout, "SIGKILL");
          finish(code, signal);
        }, graceMs),
      );
    });
    child.on("close", finish);
  });
  return {
    pid: child.pid,
    kill: (signal) => {
      child.kill(signal);
    },
    done,
  };
}

/** Runs a process to its end. */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return start(command, args, options).done;
}

/** A command line and the end of its output, for failure messages. */
export function describeRun(command: string, args: readonly string[], result: RunResult): string {
  const tail = (text: string): string => text.split("\n").slice(-40).join("\n");
  const how = result.timedOut
    ? "timed out"
    : result.signal !== null
      ? `was killed by ${result.signal}`
      : `exited with ${String(result.code)}`;
  return `${[command, ...args].join(" ")} ${how}\n--- stdout (end)\n${tail(result.stdout)}\n--- stderr (end)\n${tail(result.stderr)}`;
}

/** Runs a process and fails unless it exits with 0. */
export async function runOk(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(describeRun(command, args, result));
  return result;
}

/**
 * Polls until `check` returns a value other than undefined, at most `timeoutMs`. On timeout the
 * error names what was awaited and the last state `check` reported through `describe`.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: { readonly timeoutMs: number; readonly intervalMs?: number; readonly describe?: () => string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const state = options.describe?.() ?? "";
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(
        `timed out after ${options.timeoutMs / 1000}s waiting for ${what}${cause}${state ? `: ${state}` : ""}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 1000));
  }
}

/** A process and the executable it runs, so that a recycled pid is never mistaken for it. */
export interface ProcessRef {
  readonly pid: number;
  readonly exe: string;
}

function exeOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

/** Every live descendant of a process (children, their children, ...), from /proc. */
export function descendants(root: number): ProcessRef[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while the table was read.
    }
  }
  const found: ProcessRef[] = [];
  const queue = [...(children.get(root) ?? [])];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    const exe = exeOf(pid);
    if (exe !== undefined) found.push({ pid, exe });
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** The processes whose pid still runs the executable it ran when they were listed. */
function stillRunning(processes: readonly ProcessRef[]): ProcessRef[] {
  return processes.filter((p) => exeOf(p.pid) === p.exe);
}

/** Sends `signal` to each of the processes that still runs (never to a recycled pid). */
function signalAll(processes: readonly ProcessRef[], signal: NodeJS.Signals): void {
  for (const p of stillRunning(processes)) {
    try {
      process.kill(p.pid, signal);
    } catch {
      // Gone in between.
    }
  }
}

/**
 * Ends the given processes (SIGTERM, then SIGKILL after 10 s), each only while its pid still
 * runs the same executable. For plugins a killed CLI left behind.
 */
export async function endProcesses(processes: readonly ProcessRef[]): Promise<void> {
  signalAll(processes, "SIGTERM");
  for (let i = 0; i < 100 && stillRunning(processes).length > 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  signalAll(processes, "SIGKILL");
}
