import { strict as assert } from "node:assert";
import * as path from "node:path";
import { parseDocument } from "yaml";
import {
  errors,
  policyViolations,
  type PreviewRun,
  ROOT,
  stackFile,
  steps,
  previewBeforeAll,
} from "./harness";

/** Pulumi.dev.yaml with a GPU quota of 1, below the stack's demand of 5 at maximum scale (rollout surge included). */
function devWithOneGpu(): string {
  const doc = parseDocument(stackFile("dev"));
  assert.equal(doc.getIn(["config", "k8s-ml-patterns:quota", "gpus"]), 5);
  doc.setIn(["config", "k8s-ml-patterns:quota", "gpus"], 1);
  return doc.toString();
}

describe("pulumi preview of the dev stack with invalid config (quota.gpus 1)", () => {
  let run: PreviewRun;

  previewBeforeAll(
    () => ({
      workDir: ROOT,
      stack: "dev",
      stackConfig: devWithOneGpu(),
      policyPackConfig: path.join(ROOT, "policy-config", "dev.json"),
    }),
    (r) => {
      run = r;
    },
  );

  it("fails with the config validation's one-line message and no stack trace", () => {
    assert.equal(run.succeeded, false, run.output);
    const found = errors(run);
    assert.equal(found.length, 1, found.join("\n---\n"));
    assert.match(
      found[0] ?? "",
      /^Invalid config for stack "dev": k8s-ml-patterns:quota\.gpus must be at least the stack's GPU demand at maximum scale with rollout surge, 5 \(models "llama-small": \(2 \+ 1 rollout surge\) pods x 1 GPUs = 3 GPUs; trainingJobs "finetune": 2 pods x 1 GPUs = 2 GPUs\); got 1$/,
    );
    assert.match(run.output, /Invalid config for stack "dev"/);
  });

  it("registers nothing but the stack itself", () => {
    assert.deepEqual(
      steps(run).map((s) => s.type),
      ["pulumi:pulumi:Stack"],
    );
  });

  it("reports no policy violation (the pack never sees a resource)", () => {
    assert.deepEqual(policyViolations(run), []);
  });
});
