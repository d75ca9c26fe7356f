/**
 * The house rules the layout keeps: no module imports another in a cycle, directly or through
 * others, and no source file outside tests/ grows past 450 lines.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import madge from "madge";

const ROOT = path.join(__dirname, "..", "..");

/** Every TypeScript root of the project (policy/bin and node_modules are builds and packages). */
const SOURCE_ROOTS = [
  "index.ts",
  "components",
  "conventions",
  "config",
  "program",
  "policy/index.ts",
  "policy/cli",
  "policy/lib",
  "policy/policies",
  "bench",
  "scripts",
  "tests",
];

const MAX_LINES = 450;
const SOURCE_FILE = /\.(ts|mjs|js|sh|go)$/;
/** Generated or recorded files, and test code, which the line limit does not cover. */
const EXEMPT = /^(tests\/|bench\/results\/)|\.d\.ts$/;

async function importCycles(directory: string, roots: readonly string[]): Promise<string[][]> {
  const graph = await madge(
    roots.map((root) => path.join(directory, root)),
    {
      fileExtensions: ["ts"],
      tsConfig: path.join(ROOT, "tsconfig.json"),
      excludeRegExp: [/node_modules/, /policy\/bin\//],
    },
  );
  return graph.circular();
}

describe("the house rules", () => {
  it("no module imports another in a cycle", async function () {
    this.timeout(60_000);
    assert.deepEqual(await importCycles(ROOT, SOURCE_ROOTS), []);
  });

  it("the cycle check finds a cycle through a third module", async function () {
    this.timeout(60_000);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cycle-"));
    try {
      fs.writeFileSync(
        path.join(scratch, "a.ts"),
        'import { b } from "./b";\nexport const a = (): number => b();\n',
      );
      fs.writeFileSync(
        path.join(scratch, "b.ts"),
        'import { c } from "./c";\nexport const b = (): number => c();\n',
      );
      fs.writeFileSync(
        path.join(scratch, "c.ts"),
        'import { a } from "./a";\nexport const c = (): number => a();\n',
      );
      assert.equal((await importCycles(scratch, ["a.ts"])).length, 1);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  it(`no source file outside tests/ has more than ${MAX_LINES} lines`, () => {
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
      cwd: ROOT,
      encoding: "utf8",
    })
      .split("\n")
      .filter((file) => SOURCE_FILE.test(file) && !EXEMPT.test(file) && fs.existsSync(path.join(ROOT, file)));
    assert.ok(files.length > 100, "the check sees the project's files");
    const long = files
      .map((file) => ({ file, lines: fs.readFileSync(path.join(ROOT, file), "utf8").split("\n").length - 1 }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    assert.deepEqual(long, []);
  });
});
