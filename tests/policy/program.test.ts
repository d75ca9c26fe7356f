import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { type PackConfig, type PackResource, runPolicies } from "../../policy/lib/runPack";
import { main } from "../../program/main";
import { registrations, resetRegistrations, useMocks } from "../unit/harness";
import { stackConfigText } from "../unit/stackFiles";

/** The Kubernetes resources the program registers for a stack, as the pack sees them. */
async function programResources(stack: string): Promise<PackResource[]> {
  resetRegistrations();
  await useMocks(stack);
  pulumi.runtime.setAllConfig(stackConfigText(stack));
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
});
