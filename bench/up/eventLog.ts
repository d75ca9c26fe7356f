// Where a `pulumi up` spends its time, from the engine's event stream. The CLI writes its events
// (`--event-log PATH`) as JSON lines, reopening PATH (with truncation) for the preview and again
// for the update, so a file would keep only the update's. The benchmark gives it a named pipe
// instead and stamps each event as it arrives (milliseconds; the events' own timestamps are
// whole seconds). From the stamps: the CLI's start until the preview's prelude, the preview,
// the gap until the update's prelude, the update's program start until its first resource step,
// the steps (first start to last end; they overlap), the engine's finish, and the CLI's exit.

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { round } from "./rounding";

export interface UpPhases {
  /** Spawn to the first prelude: the CLI's start-up and the policy pack's, the stack's lock. */
  readonly startupSeconds: number;
  /** Prelude to summary of the preview the up ran first (0 when it ran none). */
  readonly previewSeconds: number;
  /** The preview's summary to the update's prelude (0 without a preview). */
  readonly betweenSeconds: number;
  /** Update: prelude to the first resource step (language host, program start, first registration). */
  readonly programStartSeconds: number;
  /** Update: the first step's start to the last step's end. */
  readonly stepsSeconds: number;
  /** Update: the last step's end to the summary. */
  readonly finishSeconds: number;
  /** The update's summary to the CLI's exit (saving the state, closing plugins). */
  readonly exitSeconds: number;
  /** Resource steps of the update (pre events, the stack's own left out). */
  readonly steps: number;
}

interface EngineEvent {
  readonly preludeEvent?: unknown;
  readonly summaryEvent?: unknown;
  readonly resourcePreEvent?: { readonly planning?: boolean; readonly metadata?: { readonly type?: string } };
  readonly resOutputsEvent?: { readonly planning?: boolean; readonly metadata?: { readonly type?: string } };
}

/** An event and when it arrived (performance.now() milliseconds). */
export interface StampedEvent {
  readonly atMs: number;
  readonly event: EngineEvent;
}

const isUpdateStep = (step: EngineEvent["resourcePreEvent"]): boolean =>
  step !== undefined && step.planning !== true && step.metadata?.type !== "pulumi:pulumi:Stack";

/** The phases of an up spawned at `spawnedMs` and exited at `exitedMs`, from its events. */
export function upPhases(events: readonly StampedEvent[], spawnedMs: number, exitedMs: number): UpPhases {
  // One prelude and one summary per operation: a preview first unless skipped, then the update.
  const preludes = events.filter((e) => e.event.preludeEvent !== undefined).map((e) => e.atMs);
  const summaries = events.filter((e) => e.event.summaryEvent !== undefined).map((e) => e.atMs);
  if (preludes.length === 0 || preludes.length > 2 || summaries.length !== preludes.length)
    throw new Error(`event log: ${preludes.length} preludes and ${summaries.length} summaries`);
  const updateStart = preludes.at(-1) ?? Number.NaN;
  const update = events.filter((e) => e.atMs >= updateStart);
  const starts = update.filter((e) => isUpdateStep(e.event.resourcePreEvent)).map((e) => e.atMs);
  const ends = update.filter((e) => isUpdateStep(e.event.resOutputsEvent)).map((e) => e.atMs);
  const first = starts[0] ?? Number.NaN;
  const last = ends.length === 0 ? Number.NaN : Math.max(...ends);
  const end = summaries.at(-1) ?? Number.NaN;
  const preview = preludes.length === 2;
  const seconds = (ms: number): number => round(ms / 1000, 2);
  return {
    startupSeconds: seconds((preludes[0] ?? Number.NaN) - spawnedMs),
    previewSeconds: preview ? seconds((summaries[0] ?? 0) - (preludes[0] ?? 0)) : 0,
    betweenSeconds: preview ? seconds(updateStart - (summaries[0] ?? 0)) : 0,
    programStartSeconds: seconds(first - updateStart),
    stepsSeconds: seconds(last - first),
    finishSeconds: seconds(end - last),
    exitSeconds: seconds(exitedMs - end),
    steps: starts.length,
  };
}

/** A named pipe for `--event-log` and the events read from it, stamped as they arrive. */
export class EventStream {
  /**
   * What the CLI's environment needs for `--event-log`, which it only offers with
   * PULUMI_DEBUG_COMMANDS set (a debugging flag; the log is the engine's own event stream).
   */
  static readonly cliEnv: NodeJS.ProcessEnv = { PULUMI_DEBUG_COMMANDS: "true" };
  /** The path to give the CLI's `--event-log`. */
  readonly path: string;
  /** The CLI's arguments that write its events to this stream. */
  get cliArgs(): string[] {
    return ["--event-log", this.path];
  }
  readonly events: StampedEvent[] = [];
  private readonly dir: string;
  private readonly socket: net.Socket;
  private pending = "";

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-events-"));
    this.path = path.join(this.dir, "events.fifo");
    execFileSync("mkfifo", [this.path]);
    // Opened for reading and writing, so the pipe never reports an end between the CLI's
    // preview and update (each opens and closes it).
    this.socket = new net.Socket({ fd: fs.openSync(this.path, "r+"), readable: true, writable: false });
    this.socket.setEncoding("utf8");
    this.socket.on("data", (chunk: string) => {
      const atMs = performance.now();
      const lines = (this.pending + chunk).split("\n");
      this.pending = lines.pop() ?? "";
      for (const line of lines)
        if (line.trim() !== "") this.events.push({ atMs, event: JSON.parse(line) as EngineEvent });
    });
  }

  /** Waits for what is still in the pipe, then closes and removes it. */
  async close(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 200));
    this.socket.destroy();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
