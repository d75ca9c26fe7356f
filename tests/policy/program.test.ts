import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { type PackConfig, type PackResource, runPolicies } from "../../policy/lib/runPack";
import { main } from "../../program/main";
import { registrations, resetRegistrations, useMocks } from "../unit/harness";
import { stackConfigText } from "../unit/stackFiles";

/** The Kubernetes resources the program registers for a stack, as the pack sees them. */
async function programResources(
  stack: string,
  overrides: Readonly<Record<string, string>> = {},
): Promise<PackResource[]> {
  resetRegistrations();
  await useMocks(stack);
  pulumi.runtime.setAllConfig({ ...stackConfigText(stack), ...overrides });
  main();
  return (await registrations())
    .filter((r) => r.type.startsWith("kubernetes:"))
    .map((r) => ({
      type: r.type,
      props: r.inputs,
      name: r.name,
      urn: `urn:pulumi:${stack}::k8s-ml-patterns::${r.type}::${r.name}`,
    }));
}

function packConfig(env: string): PackConfig {
  const file = path.resolve(__dirname, "..", "..", "policy-config", `${env}.json`);
  return JSON.parse(readFileSync(file, "utf8")) as PackConfig;
}

describe("the program's stacks against the policy pack", () => {
  for (const stack of ["dev", "prod"]) {
    it(`${stack}: no violation under policy-config/${stack}.json`, async () => {
      const resources = await programResources(stack);
      assert.ok(resources.length >= 25, `only ${resources.length} resources`);
      assert.deepEqual(runPolicies(resources, packConfig(stack)), []);
    });
  }

  it("dev under the prod levels: only the HPA minimum below prod's 2 is mandatory", async () => {
    const violations = runPolicies(await programResources("dev"), packConfig("prod"));
    assert.deepEqual(
      violations.map((v) => [v.policy, v.level]),
      [["autoscaler-bounds", "mandatory"]],
    );
    assert.match(violations[0]?.message ?? "", /minReplicas/);
  });

  it("counts shared and MIG GPUs from config: their quota keys cover them, and without them gpu-quota-coverage fails", async () => {
    const text = stackConfigText("dev");
    const key = (name: string): string => `k8s-ml-patterns:${name}`;
    const quota = JSON.parse(text[key("quota")] ?? "{}") as Record<string, unknown>;
    const models = JSON.parse(text[key("models")] ?? "[]") as Record<string, unknown>[];
    const batch = JSON.parse(text[key("batchJobs")] ?? "[]") as Record<string, unknown>[];
    const overrides = {
      [key("gpuSharing")]: JSON.stringify({ enabled: true, replicas: 4, nodes: ["gpu-l40s-0"] }),
      [key("models")]: JSON.stringify(models.map((m) => ({ ...m, migProfile: "1g.10gb" }))),
      [key("batchJobs")]: JSON.stringify(batch.map((b) => ({ ...b, gpusPerPod: 1, sharedGpu: true }))),
      [key("quota")]: JSON.stringify({ ...quota, sharedGpus: 2, migDevices: { "1g.10gb": 3 } }),
    };
    const resources = await programResources("dev", overrides);
    const hard = (
      resources.find((r) => r.type === "kubernetes:core/v1:ResourceQuota")?.props.spec as {
        hard: Record<string, string>;
      }
    ).hard;
    assert.equal(hard["requests.nvidia.com/gpu.shared"], "2");
    assert.equal(hard["requests.nvidia.com/mig-1g.10gb"], "3");
    assert.deepEqual(runPolicies(resources, packConfig("dev")), []);
    // The same stack with a quota that leaves the shared and MIG resources uncapped.
    const uncapped = resources.map((r) =>
      r.type === "kubernetes:core/v1:ResourceQuota"
        ? {
            ...r,
            props: {
              ...r.props,
              spec: {
                hard: {
                  ...hard,
                  "requests.nvidia.com/gpu.shared": undefined,
                  "requests.nvidia.com/mig-1g.10gb": "2",
                },
              },
            },
          }
        : r,
    );
    const violations = runPolicies(uncapped, packConfig("dev")).filter(
      (v) => v.policy === "gpu-quota-coverage",
    );
    assert.equal(violations.length, 2, violations.map((v) => v.message).join("\n"));
    assert.match(
      violations.map((v) => v.message).join("\n"),
      /no ResourceQuota caps requests\.nvidia\.com\/gpu\.shared/,
    );
    assert.match(
      violations.map((v) => v.message).join("\n"),
      /is 3 nvidia\.com\/mig-1g\.10gb, over the quota of 2\..*\+ 1 rollout surge, maxSurge 1\)/,
    );
  });
});
