import { strict as assert } from "node:assert";
import { upPhases } from "../../bench/up/eventLog";

const line = (event: Record<string, unknown>): string => JSON.stringify(event);
const step = (
  kind: "resourcePreEvent" | "resOutputsEvent",
  timestamp: number,
  type: string,
  planning?: boolean,
) => line({ timestamp, [kind]: { metadata: { type }, ...(planning === undefined ? {} : { planning }) } });

describe("bench:up: an up's phases from the engine event log", () => {
  const preview = [
    line({ timestamp: 100, preludeEvent: {} }),
    step("resourcePreEvent", 101, "kubernetes:core/v1:Namespace", true),
    step("resOutputsEvent", 102, "kubernetes:core/v1:Namespace", true),
    line({ timestamp: 104, summaryEvent: {} }),
  ];
  const update = [
    line({ timestamp: 110, preludeEvent: {} }),
    step("resourcePreEvent", 111, "pulumi:pulumi:Stack"),
    step("resourcePreEvent", 113, "kubernetes:core/v1:Namespace"),
    step("resOutputsEvent", 114, "kubernetes:core/v1:Namespace"),
    step("resourcePreEvent", 114, "kubernetes:apps/v1:Deployment"),
    step("resOutputsEvent", 120, "kubernetes:apps/v1:Deployment"),
    step("resOutputsEvent", 122, "pulumi:pulumi:Stack"),
    line({ timestamp: 123, summaryEvent: {} }),
  ];

  it("splits a preview and an update into preview, program start, steps and finish", () => {
    assert.deepEqual(upPhases([...preview, ...update].join("\n") + "\n"), {
      previewSeconds: 4,
      startSeconds: 3,
      stepsSeconds: 7,
      finishSeconds: 3,
      steps: 2,
    });
  });

  it("reports no preview for an up that skipped it", () => {
    assert.equal(upPhases(update.join("\n")).previewSeconds, 0);
  });

  it("refuses a log whose operations did not finish", () => {
    assert.throws(() => upPhases(update.slice(0, -1).join("\n")), /1 preludes and 0 summaries/);
  });
});
