import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ADMISSION_CASES, expectedViolation, packMessages } from "./admissionCases";

type Obj = Record<string, unknown>;

/** The stack's entry for a policy without its level: its properties. */
export function stackProperties(stack: "dev" | "prod", policy: string): Obj {
  const file = JSON.parse(
    readFileSync(path.join(__dirname, "..", "..", "policy-config", `${stack}.json`), "utf8"),
  ) as Record<string, Obj | string>;
  const entry = file[policy];
  if (typeof entry !== "object") return {};
  return Object.fromEntries(Object.entries(entry).filter(([key]) => key !== "enforcementLevel"));
}

describe("the cases both enforcement points judge (tests/policy/admissionCases.ts)", () => {
  for (const stack of ["dev", "prod"] as const) {
    describe(stack, () => {
      for (const testCase of ADMISSION_CASES) {
        it(`${testCase.policy}: ${testCase.name}`, async () => {
          const config = { ...stackProperties(stack, testCase.policy), ...testCase.config };
          const messages = await packMessages(testCase.policy, testCase.resource, config);
          assert.equal(messages.length > 0, expectedViolation(testCase, stack), messages.join("\n"));
        });
      }
    });
  }
});
