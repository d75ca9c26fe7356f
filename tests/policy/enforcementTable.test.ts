import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { ADMISSION_RULES } from "../../conventions/admission";
import { allPolicies } from "../../policy/policies/all";

const README = path.resolve(__dirname, "../../policy/README.md");

/** The "Where each rule is enforced" table of policy/README.md: policy -> [CrossGuard, API server]. */
function enforcementTable(): Map<string, [string, string]> {
  const text = fs.readFileSync(README, "utf8");
  const start = text.indexOf("## Where each rule is enforced");
  const section = text.slice(start, text.indexOf("\n## ", start + 1));
  const rows = new Map<string, [string, string]>();
  for (const m of section.matchAll(/^\|\s*`([a-z-]+)`\s*\|([^|]*)\|([^|]*)\|/gm)) {
    rows.set(m[1], [m[2].trim(), m[3].trim()]);
  }
  return rows;
}

describe("policy/README.md: where each rule is enforced", () => {
  const table = enforcementTable();

  it("has one row per policy of the pack, each enforced by CrossGuard", () => {
    assert.deepEqual([...table.keys()].sort(), allPolicies.map((p) => p.name).sort());
    for (const [policy, [crossGuard]] of table) assert.equal(crossGuard, "yes", policy);
  });

  it("says 'generated policy' exactly for the rules with an admission definition", () => {
    const generated = [...table].filter(([, [, api]]) => api.includes("generated policy"));
    assert.deepEqual(generated.map(([policy]) => policy).sort(), ADMISSION_RULES.map((r) => r.policy).sort());
  });

  it("gives the counts the table shows", () => {
    const text = fs.readFileSync(README, "utf8");
    const generated = ADMISSION_RULES.length;
    const crossGuardOnly = [...table.values()].filter(([, api]) => api.startsWith("no")).length;
    assert.ok(
      text.includes(
        `CrossGuard enforces all ${allPolicies.length} rules. The API server enforces ${generated} of them`,
      ),
      "the counts sentence",
    );
    assert.ok(text.includes(`The other ${crossGuardOnly} are CrossGuard only.`), "the CrossGuard-only count");
  });
});
