// Where a `pulumi up` spends its time, from the CLI's engine event log (`--event-log`): the
// preview and the update each run from a prelude event to a summary event; within the update,
// the program starts and registers before the first step begins, the steps run, and the engine
// finishes after the last one. Event timestamps are whole seconds, so each phase is good to a
// second; the rest of the CLI's wall time is its own start-up and the policy pack's.

export interface UpPhases {
  /** Prelude to summary of the preview the up ran first (0 when it ran none). */
  readonly previewSeconds: number;
  /** Update: prelude to the first resource step (program start and first registration). */
  readonly startSeconds: number;
  /** Update: the first step's start to the last step's end (steps overlap inside). */
  readonly stepsSeconds: number;
  /** Update: the last step's end to the summary. */
  readonly finishSeconds: number;
  /** Resource steps of the update (pre events). */
  readonly steps: number;
}

interface EngineEvent {
  readonly timestamp: number;
  readonly preludeEvent?: unknown;
  readonly summaryEvent?: unknown;
  readonly resourcePreEvent?: { readonly planning?: boolean; readonly metadata?: { readonly type?: string } };
  readonly resOutputsEvent?: { readonly planning?: boolean; readonly metadata?: { readonly type?: string } };
}

const isStackStep = (event: EngineEvent["resourcePreEvent"]): boolean =>
  event?.metadata?.type === "pulumi:pulumi:Stack";

/** The phases of the up whose event log is `text` (one JSON event per line). */
export function upPhases(text: string): UpPhases {
  const events = text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as EngineEvent);
  // One prelude and one summary per operation: a preview first unless skipped, then the update.
  const preludes = events.flatMap((event, index) => (event.preludeEvent === undefined ? [] : [index]));
  const summaries = events.flatMap((event, index) => (event.summaryEvent === undefined ? [] : [index]));
  if (preludes.length === 0 || summaries.length !== preludes.length)
    throw new Error(`event log: ${preludes.length} preludes and ${summaries.length} summaries`);
  const at = (index: number | undefined): number => events[index ?? 0]?.timestamp ?? Number.NaN;
  const previewSeconds = preludes.length > 1 ? at(summaries[0]) - at(preludes[0]) : 0;
  const update = events.slice(preludes.at(-1), (summaries.at(-1) ?? 0) + 1);
  const starts = update.filter(
    (event) =>
      event.resourcePreEvent !== undefined &&
      event.resourcePreEvent.planning !== true &&
      !isStackStep(event.resourcePreEvent),
  );
  const ends = update.filter(
    (event) =>
      event.resOutputsEvent !== undefined &&
      event.resOutputsEvent.planning !== true &&
      !isStackStep(event.resOutputsEvent),
  );
  const first = starts[0]?.timestamp ?? Number.NaN;
  const last = Math.max(...ends.map((event) => event.timestamp));
  const begin = update[0]?.timestamp ?? Number.NaN;
  const end = update.at(-1)?.timestamp ?? Number.NaN;
  return {
    previewSeconds,
    startSeconds: first - begin,
    stepsSeconds: last - first,
    finishSeconds: end - last,
    steps: starts.length,
  };
}
