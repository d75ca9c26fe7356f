import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { EventStream, type StampedEvent, upPhases } from "../../bench/up/eventLog";

const at = (atMs: number, event: Record<string, unknown>): StampedEvent => ({ atMs, event });
const step = (kind: "resourcePreEvent" | "resOutputsEvent", atMs: number, type: string, planning?: boolean) =>
  at(atMs, { [kind]: { metadata: { type }, ...(planning === undefined ? {} : { planning }) } });

describe("bench:up: an up's phases from the engine's event stream", () => {
  const preview = [
    at(1_000, { preludeEvent: {} }),
    step("resourcePreEvent", 1_500, "kubernetes:core/v1:Namespace", true),
    step("resOutputsEvent", 1_600, "kubernetes:core/v1:Namespace", true),
    at(4_000, { summaryEvent: {} }),
  ];
  const update = [
    at(4_500, { preludeEvent: {} }),
    step("resourcePreEvent", 5_000, "pulumi:pulumi:Stack"),
    step("resourcePreEvent", 6_500, "kubernetes:core/v1:Namespace"),
    step("resOutputsEvent", 6_600, "kubernetes:core/v1:Namespace"),
    step("resourcePreEvent", 6_600, "kubernetes:apps/v1:Deployment"),
    step("resOutputsEvent", 9_000, "kubernetes:apps/v1:Deployment"),
    step("resOutputsEvent", 9_200, "pulumi:pulumi:Stack"),
    at(9_500, { summaryEvent: {} }),
  ];

  it("splits an up into start-up, preview, gap, program start, steps, finish and exit", () => {
    assert.deepEqual(upPhases([...preview, ...update], 0, 10_000), {
      startupSeconds: 1,
      previewSeconds: 3,
      betweenSeconds: 0.5,
      programStartSeconds: 2,
      stepsSeconds: 2.5,
      finishSeconds: 0.5,
      exitSeconds: 0.5,
      steps: 2,
    });
  });

  it("reports no preview for an up that skipped it", () => {
    const phases = upPhases(update, 4_000, 10_000);
    assert.equal(phases.previewSeconds, 0);
    assert.equal(phases.startupSeconds, 0.5);
  });

  it("refuses a stream whose operations did not finish", () => {
    assert.throws(() => upPhases(update.slice(0, -1), 0, 10_000), /1 preludes and 0 summaries/);
  });

  it("reads the events of two writers in turn from its pipe, as the CLI's preview and update write them", async () => {
    const stream = new EventStream();
    for (const operation of ["preview", "update"]) {
      // The CLI opens the path read-write with truncation and append, writes, and closes it.
      const fd = fs.openSync(
        stream.path,
        fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_APPEND,
      );
      fs.writeSync(
        fd,
        `${JSON.stringify({ preludeEvent: { operation } })}\n${JSON.stringify({ summaryEvent: {} })}\n`,
      );
      fs.closeSync(fd);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await stream.close();
    assert.deepEqual(
      stream.events.map((e) => e.event),
      [
        { preludeEvent: { operation: "preview" } },
        { summaryEvent: {} },
        { preludeEvent: { operation: "update" } },
        { summaryEvent: {} },
      ],
    );
    assert.ok(stream.events.every((e, i) => i === 0 || e.atMs >= (stream.events[i - 1]?.atMs ?? 0)));
    assert.equal(fs.existsSync(stream.path), false);
  });
});
