import { strict as assert } from "node:assert";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { allPolicies, PACK_NAME } from "../../policy/policies/all";
import { main } from "../../program/main";
import { registrations, resetRegistrations, useMocks } from "../unit/harness";
import { stackConfigText } from "../unit/stackFiles";
import {
  changeSummary,
  countByType,
  errors,
  policiesRun,
  policyViolations,
  type PreviewRun,
  ROOT,
  stackFile,
  steps,
  previewBeforeAll,
} from "./harness";

/**
 * What the program registers for a stack under the unit tests' mocks: tests/unit/program.test.ts
 * pins its counts by type, so comparing with the mocks compares with those counts without a copy.
 */
async function mockedResources(stack: string): Promise<{ type: string; name: string }[]> {
  resetRegistrations();
  await useMocks(stack);
  pulumi.runtime.setAllConfig(stackConfigText(stack));
  main();
  return (await registrations()).map(({ type, name }) => ({ type, name }));
}

const typeAndName = (r: { type: string; name: string }): string => `${r.type}::${r.name}`;

for (const stack of ["dev", "prod"]) {
  describe(`pulumi preview of the ${stack} stack with the policy pack at policy-config/${stack}.json`, () => {
    let run: PreviewRun;

    previewBeforeAll(
      () => ({
        workDir: ROOT,
        stack,
        stackConfig: stackFile(stack),
        policyPackConfig: path.join(ROOT, "policy-config", `${stack}.json`),
      }),
      (r) => {
        run = r;
      },
    );

    it("succeeds with no error and no policy violation", () => {
      assert.ok(run.succeeded, run.output);
      assert.deepEqual(errors(run), []);
      assert.deepEqual(
        policyViolations(run).map((v) => `${v.enforcementLevel} ${v.policyName}: ${v.message}`),
        [],
      );
    });

    it("runs every policy of the pack", () => {
      assert.deepEqual([...policiesRun(run)].sort(), allPolicies.map((p) => p.name).sort());
      const summary = run.events.find((e) => e.summaryEvent !== undefined)?.summaryEvent as
        { PolicyPacks?: Record<string, string> } | undefined;
      assert.ok(
        Object.keys(summary?.PolicyPacks ?? {}).some((key) => key.startsWith(`${PACK_NAME}|`)),
        `the summary names no ${PACK_NAME} pack: ${JSON.stringify(summary)}`,
      );
    });

    it("creates exactly the resources the program registers under mocks", async () => {
      const previewed = steps(run).filter((s) => s.type !== "pulumi:pulumi:Stack");
      assert.ok(
        previewed.every((s) => s.op === "create"),
        "every step is a create (empty state)",
      );
      const expected = await mockedResources(stack);
      assert.ok(expected.length >= 30, `only ${String(expected.length)} resources under mocks`);
      assert.deepEqual(countByType(previewed), countByType(expected));
      assert.deepEqual(previewed.map(typeAndName).sort(), expected.map(typeAndName).sort());
      // The change summary counts the same creates plus the stack itself.
      assert.deepEqual(changeSummary(run), { create: expected.length + 1 });
    });
  });
}
