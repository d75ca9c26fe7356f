import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import {
  errors,
  FIXTURES,
  policyViolations,
  type PreviewRun,
  remediations,
  ROOT,
  steps,
  previewBeforeAll,
} from "./harness";

const JOB_URN = "urn:pulumi:fixture::k8s-ml-remediation::kubernetes:batch/v1:Job::finetune";

interface JobInputs {
  spec: {
    template: {
      spec: {
        securityContext?: Record<string, unknown>;
        containers: { resources: { limits?: Record<string, unknown>; requests?: Record<string, unknown> } }[];
      };
    };
  };
}

/** The dev levels (gpu-limits at "remediate"), with restricted-pod-security raised to "remediate" too. */
function remediatingConfig(): string {
  const dev = JSON.parse(readFileSync(path.join(ROOT, "policy-config", "dev.json"), "utf8")) as Partial<
    Record<string, { enforcementLevel: string }>
  >;
  assert.equal(dev["gpu-limits"]?.enforcementLevel, "remediate");
  return JSON.stringify({
    ...dev,
    "restricted-pod-security": { ...dev["restricted-pod-security"], enforcementLevel: "remediate" },
  });
}

describe("pulumi preview of a stack with remediable violations (fixtures/remediation)", () => {
  let run: PreviewRun;

  previewBeforeAll(
    (it) => ({
      workDir: path.join(FIXTURES, "remediation"),
      stack: "fixture",
      stackConfig: "config: {}\n",
      policyPackConfig: it.writeFile("remediation-policy-config.json", remediatingConfig()),
    }),
    (r) => {
      run = r;
    },
  );

  it("succeeds: remediated resources are not violations", () => {
    assert.ok(run.succeeded, run.output);
    assert.deepEqual(errors(run), []);
    assert.deepEqual(policyViolations(run), []);
  });

  it("reports one remediation per policy, on the Job", () => {
    assert.deepEqual(
      remediations(run)
        .map((r) => `${r.policyName} ${r.resourceUrn ?? ""}`)
        .sort(),
      [`gpu-limits ${JOB_URN}`, `restricted-pod-security ${JOB_URN}`],
    );
    const gpu = remediations(run).find((r) => r.policyName === "gpu-limits");
    const before = gpu?.before as JobInputs | undefined;
    const after = gpu?.after as JobInputs | undefined;
    assert.equal(before?.spec.template.spec.containers[0]?.resources.limits?.["nvidia.com/gpu"], undefined);
    assert.equal(after?.spec.template.spec.containers[0]?.resources.limits?.["nvidia.com/gpu"], "2");
  });

  it("previews the Job with the remediated values", () => {
    const job = steps(run).find((s) => s.urn === JOB_URN);
    assert.ok(job !== undefined, "the Job is previewed");
    assert.equal(job.op, "create");
    const pod = (job.inputs as unknown as JobInputs).spec.template.spec;
    assert.deepEqual(pod.containers[0]?.resources, {
      requests: { cpu: "1", memory: "2Gi", "nvidia.com/gpu": "2" },
      limits: { cpu: "1", memory: "2Gi", "nvidia.com/gpu": "2" },
    });
    assert.deepEqual(pod.securityContext, {
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
  });
});
