import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { assertBuildIsCurrent, packDirOfBuild, sourceNewerThan } from "../../policy/lib/buildFreshness";

describe("the policy pack's build freshness check", () => {
  let repo: string;
  let pack: string;
  const write = (file: string, mtimeMs: number): void => {
    const full = path.join(repo, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, "");
    fs.utimesSync(full, mtimeMs / 1000, mtimeMs / 1000);
  };
  const entry = (): string => path.join(pack, "bin", "policy", "index.js");

  beforeEach(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), "repo-"));
    pack = path.join(repo, "policy");
    write("policy/index.ts", 1_000_000);
    write("policy/lib/values.ts", 1_000_000);
    write("policy/policies/gpu/limits.ts", 1_000_000);
    write("conventions/gpu.ts", 1_000_000);
    write("policy/bin/policy/index.js", 2_000_000);
  });
  afterEach(() => {
    fs.rmSync(repo, { recursive: true, force: true });
  });

  it("finds the pack's folder from its built entry, and none for a source file", () => {
    assert.equal(packDirOfBuild(entry()), pack);
    assert.equal(packDirOfBuild(path.join(pack, "index.ts")), undefined);
  });

  it("accepts a build newer than every source", () => {
    assert.equal(sourceNewerThan(pack, 2_000_000), undefined);
    assertBuildIsCurrent(entry());
  });

  it("names a source edited after the build, in nested folders too, and refuses to run", () => {
    write("policy/policies/gpu/limits.ts", 3_000_000);
    assert.equal(sourceNewerThan(pack, 2_000_000), path.join("policies", "gpu", "limits.ts"));
    assert.throws(() => {
      assertBuildIsCurrent(entry());
    }, /\(bin\/policy\/index\.js\) is older than policies\/gpu\/limits\.ts; rebuild it with `npm run build --prefix policy`/);
  });

  it("counts the conventions shared with the components as sources", () => {
    write("conventions/gpu.ts", 3_000_000);
    assert.throws(() => {
      assertBuildIsCurrent(entry());
    }, /is older than \.\.\/conventions\/gpu\.ts/);
  });

  it("ignores files the build does not compile and does nothing when run from the sources", () => {
    write("policy/cli/check.ts", 3_000_000);
    write("policy/README.md", 3_000_000);
    assertBuildIsCurrent(entry());
    write("policy/lib/values.ts", 3_000_000);
    assertBuildIsCurrent(path.join(pack, "index.ts"));
  });
});
