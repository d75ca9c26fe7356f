import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { assertBuildIsCurrent, sourceNewerThan } from "../../policy/lib/buildFreshness";

describe("the policy pack's build freshness check", () => {
  let pack: string;
  const write = (file: string, mtimeMs: number): void => {
    const full = path.join(pack, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, "");
    fs.utimesSync(full, mtimeMs / 1000, mtimeMs / 1000);
  };

  beforeEach(() => {
    pack = fs.mkdtempSync(path.join(os.tmpdir(), "pack-"));
    write("index.ts", 1_000_000);
    write("lib/values.ts", 1_000_000);
    write("policies/gpu/limits.ts", 1_000_000);
    write("bin/index.js", 2_000_000);
  });
  afterEach(() => {
    fs.rmSync(pack, { recursive: true, force: true });
  });

  it("accepts a build newer than every source", () => {
    assert.equal(sourceNewerThan(pack, 2_000_000), undefined);
    assertBuildIsCurrent(path.join(pack, "bin", "index.js"));
  });

  it("names a source edited after the build, in nested folders too, and refuses to run", () => {
    write("policies/gpu/limits.ts", 3_000_000);
    assert.equal(sourceNewerThan(pack, 2_000_000), path.join("policies", "gpu", "limits.ts"));
    assert.throws(() => {
      assertBuildIsCurrent(path.join(pack, "bin", "index.js"));
    }, /older than policies\/gpu\/limits\.ts; rebuild it with `npm run build --prefix policy`/);
  });

  it("ignores files the build does not compile and does nothing when run from the sources", () => {
    write("cli/check.ts", 3_000_000);
    write("README.md", 3_000_000);
    assertBuildIsCurrent(path.join(pack, "bin", "index.js"));
    write("lib/values.ts", 3_000_000);
    assertBuildIsCurrent(path.join(pack, "index.ts"));
  });
});
