/**
 * Two Automation API inline programs previewed at the same time in one process each put an
 * autoscaler on "their" Deployment of the same namespace and name, and scrape "their" DCGM exporter. The one-autoscaler claims are
 * scoped to the program run, so neither sees the other's; with claims kept per process the second
 * would fail with "already scales it".
 */
import { strict as assert } from "node:assert";
import { Autoscaling } from "../../components/autoscaling";
import { ModelMonitoring } from "../../components/monitoring";
import { errors, integration, type PreviewRun, steps, TOOLCHAIN_TIMEOUT_MS } from "./harness";

/**
 * A program with an autoscaler on Deployment ml-inline/llm and a DCGM scraper, under names of
 * its own, so that a claim left by the other program would be another owner's.
 */
function claimingProgram(owner: string): () => Promise<Record<string, unknown>> {
  return () => {
    const autoscaling = new Autoscaling(`${owner}-scaling`, {
      namespace: "ml-inline",
      deploymentName: "llm",
      maxReplicas: 2,
    });
    new ModelMonitoring(`${owner}-monitoring`, {
      namespace: "ml-inline",
      serviceSelectorLabels: { "app.kubernetes.io/name": "llm" },
      dcgmExporter: true,
    });
    return Promise.resolve({ autoscaler: autoscaling.autoscalerName });
  };
}

describe("two Automation API inline programs in one process", () => {
  let runs: PreviewRun[];

  before(async function () {
    this.timeout(TOOLCHAIN_TIMEOUT_MS);
    const it = await integration();
    runs = await Promise.all([
      it.previewInline("inline-claims", "first", claimingProgram("first")),
      it.previewInline("inline-claims", "second", claimingProgram("second")),
    ]);
  });

  it("both succeed: neither sees the other's autoscaler or DCGM claim", () => {
    for (const run of runs) {
      assert.deepEqual(errors(run), [], run.output);
      assert.ok(run.succeeded, run.output);
    }
  });

  it("each previews its own HPA and DCGM ServiceMonitor", () => {
    for (const [index, owner] of ["first", "second"].entries()) {
      const names = steps(runs[index]).map((step) => step.name);
      assert.ok(names.includes(`${owner}-scaling-hpa`), names.join(", "));
      assert.ok(names.includes(`${owner}-monitoring-dcgm-servicemonitor`), names.join(", "));
    }
  });
});
