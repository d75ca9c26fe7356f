import { strict as assert } from "node:assert";
import * as path from "node:path";
import {
  errors,
  FIXTURES,
  policyViolations,
  type PreviewRun,
  ROOT,
  steps,
  previewBeforeAll,
} from "./harness";

const URN_PREFIX = "urn:pulumi:fixture::k8s-ml-violations::";

describe("pulumi preview of a stack that breaks mandatory policies (fixtures/violations, prod levels)", () => {
  let run: PreviewRun;

  previewBeforeAll(
    () => ({
      workDir: path.join(FIXTURES, "violations"),
      stack: "fixture",
      stackConfig: "config: {}\n",
      policyPackConfig: path.join(ROOT, "policy-config", "prod.json"),
    }),
    (r) => {
      run = r;
    },
  );

  it("fails", () => {
    assert.equal(run.succeeded, false, run.output);
    assert.deepEqual(errors(run), ["preview failed"]);
  });

  it("reports exactly the five mandatory violations, each on its resource", () => {
    const found = policyViolations(run)
      .map((v) => `${v.enforcementLevel} ${v.policyName} ${v.resourceUrn ?? "(stack)"}`)
      .sort();
    assert.deepEqual(found, [
      `mandatory gpu-limits ${URN_PREFIX}kubernetes:batch/v1:Job::batch`,
      `mandatory gpu-quota-coverage ${URN_PREFIX}kubernetes:core/v1:ResourceQuota::gpu-quota`,
      `mandatory network-policy-coverage ${URN_PREFIX}kubernetes:apps/v1:Deployment::server`,
      `mandatory single-autoscaler ${URN_PREFIX}kubernetes:autoscaling/v2:HorizontalPodAutoscaler::server-a`,
      `mandatory single-autoscaler ${URN_PREFIX}kubernetes:autoscaling/v2:HorizontalPodAutoscaler::server-b`,
    ]);
  });

  it("says what is wrong in each violation's message", () => {
    const message = (policy: string): string =>
      policyViolations(run).find((v) => v.policyName === policy)?.message ?? "";
    assert.match(
      message("gpu-limits"),
      /Job violations\/batch, container "batch": requests GPU resource "nvidia\.com\/gpu" without a limit/,
    );
    assert.match(
      message("network-policy-coverage"),
      /Deployment violations\/server: no NetworkPolicy with policyTypes Ingress selects this workload/,
    );
    assert.match(
      // One violation on each of the two HPAs; which one the CLI lists first varies.
      message("single-autoscaler"),
      /HorizontalPodAutoscaler violations\/server-(a|b): Deployment\/server in namespace violations is also scaled by HorizontalPodAutoscaler violations\/server-(?!\1)[ab]: two autoscalers on one target overwrite each other's replica count/,
    );
    assert.match(
      message("gpu-quota-coverage"),
      /GPU demand at maximum scale in namespace violations is 4 nvidia\.com\/gpu, over the quota of 1/,
    );
  });

  it("still previews every resource, so that all violations are reported in one run", () => {
    assert.deepEqual(
      steps(run)
        .map((s) => `${s.op} ${s.type}`)
        .sort(),
      [
        "create kubernetes:apps/v1:Deployment",
        "create kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        "create kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        "create kubernetes:batch/v1:Job",
        "create kubernetes:core/v1:Namespace",
        "create kubernetes:core/v1:ResourceQuota",
        "create kubernetes:networking.k8s.io/v1:NetworkPolicy",
        "create pulumi:pulumi:Stack",
      ],
    );
  });
});
