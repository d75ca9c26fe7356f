// scripts/toolchain.sh on small stdlib-only families in a scratch tools/ folder and cache
// (TOOLCHAIN_TOOLS_DIR, K8S_ML_CACHE), so the real cache is never touched: families built
// concurrently, progress lines while a step runs, timings recorded, failures reported.
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const TOOLCHAIN = path.join(ROOT, "scripts/toolchain.sh");

interface Family {
  readonly name: string;
  readonly build: string;
  readonly files: Readonly<Record<string, string>>;
}

function writeFamily(toolsDir: string, family: Family): void {
  const dir = path.join(toolsDir, family.name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "go.mod"), `module example.com/${family.name}\n\ngo 1.26\n`);
  fs.writeFileSync(path.join(dir, "build.txt"), `# test family\n${family.build}\n`);
  for (const [file, text] of Object.entries(family.files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
}

/**
 * Three packages, each with a fresh nonce so the shared Go build cache cannot skip them; its
 * `go generate` (wait.go) waits until $TOOLCHAIN_TEST_RELEASE exists (at most 300 s).
 */
function alpha(nonce: string): Family {
  const stamp = `\nconst Nonce = "${nonce}"\n`;
  return {
    name: "alpha",
    build: "alpha example.com/alpha",
    files: {
      "lib/a/a.go": `package a\n${stamp}\nfunc A() string { return "a" + Nonce }\n`,
      "lib/b/b.go": `package b\n\nimport "example.com/alpha/lib/a"\n${stamp}\nfunc B() string { return a.A() + Nonce }\n`,
      "main.go": [
        "package main",
        "",
        "//go:generate go run wait.go",
        "",
        'import (\n\t"fmt"\n\n\t"example.com/alpha/lib/b"\n)',
        stamp,
        "func main() { fmt.Println(b.B() + Nonce) }",
        "",
      ].join("\n"),
      "wait.go": [
        "//go:build ignore",
        "",
        "package main",
        "",
        'import (\n\t"os"\n\t"time"\n)',
        "",
        "func main() {",
        "\tfor i := 0; i < 1500; i++ {",
        '\t\tif _, err := os.Stat(os.Getenv("TOOLCHAIN_TEST_RELEASE")); err == nil {',
        "\t\t\treturn",
        "\t\t}",
        "\t\ttime.Sleep(200 * time.Millisecond)",
        "\t}",
        "}",
        "",
      ].join("\n"),
    },
  };
}
const BETA: Family = {
  name: "beta",
  build: "beta-bin example.com/beta",
  files: { "main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("beta") }\n' },
};
/** A family that waits for alpha (`@after alpha`) in a run that builds both. */
const GAMMA: Family = {
  name: "gamma",
  build: "@after alpha\ngamma-bin example.com/gamma",
  files: { "main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("gamma") }\n' },
};
const BROKEN: Family = {
  name: "broken",
  build: "broken example.com/broken",
  files: { "main.go": "package main\n\nfunc main() { undefinedThing() }\n" },
};

describe("scripts/toolchain.sh (scratch families and cache)", function () {
  let scratch: string;
  let toolsDir: string;
  let cache: string;
  let env: NodeJS.ProcessEnv;
  let release: string;

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "toolchain-test-"));
    toolsDir = path.join(scratch, "tools");
    cache = path.join(scratch, "cache");
    for (const family of [alpha(path.basename(scratch)), BETA, GAMMA, BROKEN]) writeFamily(toolsDir, family);
    release = path.join(scratch, "release");
    env = {
      ...process.env,
      TOOLCHAIN_TOOLS_DIR: toolsDir,
      K8S_ML_CACHE: cache,
      TOOLCHAIN_PROGRESS_SECONDS: "1",
      TOOLCHAIN_TEST_RELEASE: release,
      TOOLCHAIN_JOBS: "2",
    };
  });
  afterEach(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it("builds two families at once, prints progress while a step runs, and records each family's time", async () => {
    const child = spawn("bash", [TOOLCHAIN, "--print-path", "alpha", "beta"], { env, cwd: ROOT });
    let stderr = "";
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        // alpha's generate step blocks until released: release it once a progress line for
        // it was printed and beta (built beside it) is done.
        if (/alpha: progress: go generate, \d+s/.test(stderr) && /beta: built in/.test(stderr)) {
          fs.writeFileSync(release, "");
        }
      });
      child.on("close", resolve);
    });
    assert.equal(code, 0, stderr);
    assert.match(stderr, /building 2 families, 2 at a time/);
    assert.match(stderr, /alpha: progress: go generate, \d+s, 0 packages compiled/);
    assert.match(stderr, /alpha: built in \d+s \(\d+s CPU, 3 packages\)/);
    assert.match(stderr, /done in \d+s: alpha built in \d+s; beta built in \d+s/);

    const dirs = stdout.trim().split(":");
    assert.equal(dirs.length, 2);
    assert.ok(fs.existsSync(path.join(dirs[0] ?? "", "alpha")));
    assert.ok(fs.existsSync(path.join(dirs[1] ?? "", "beta-bin")));
    const info = fs.readFileSync(path.join(path.dirname(dirs[0] ?? ""), "build-info.txt"), "utf8");
    assert.match(info, /^seconds=\d+$/m);
    assert.match(info, /^cpu_seconds=\d+$/m);
    assert.match(info, /^packages=3$/m);
    const timings = fs.readFileSync(path.join(cache, "toolchain/timings.tsv"), "utf8").trim().split("\n");
    assert.deepEqual(timings.map((line) => line.split("\t")[1]).sort(), ["alpha", "beta"]);
    const log = fs.readdirSync(path.join(cache, "toolchain/logs")).filter((f) => f.startsWith("alpha-"));
    assert.equal(log.length, 1);
    assert.match(
      fs.readFileSync(path.join(cache, "toolchain/logs", log[0] ?? ""), "utf8"),
      /example\.com\/alpha\/lib\/a/,
    );

    // Warm: nothing is built, and the summary gives each family's recorded build time.
    const warm = spawnSync("bash", [TOOLCHAIN, "alpha", "beta"], { env, encoding: "utf8" });
    assert.equal(warm.status, 0, warm.stderr);
    assert.match(warm.stderr, /alpha cached \(built in \d+s\); beta cached \(built in \d+s\)/);
  });

  it("starts a family with `@after alpha` only once alpha is built, with a free slot beside it", async () => {
    // gamma comes first in the queue (alpha has no recorded time either) and a slot is free,
    // yet it waits: alpha is released only after its progress line, and gamma must not have
    // started by then.
    const child = spawn("bash", [TOOLCHAIN, "gamma", "alpha"], { env, cwd: ROOT });
    let stderr = "";
    let startedEarly = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/alpha: progress: go generate, [1-9]\d*s/.test(stderr) && !fs.existsSync(release)) {
          startedEarly = /gamma: building/.test(stderr);
          fs.writeFileSync(release, "");
        }
      });
      child.on("close", resolve);
    });
    assert.equal(code, 0, stderr);
    assert.equal(startedEarly, false, stderr);
    const builtAlpha = stderr.indexOf("alpha: built in");
    const startedGamma = stderr.indexOf("gamma: building");
    assert.ok(builtAlpha >= 0 && startedGamma > builtAlpha, stderr);
    assert.match(stderr, /done in \d+s: gamma built in \d+s; alpha built in \d+s/);
  });

  it("on an empty cache, starts the families longest first by tools/cold-build-seconds.tsv, and then by this cache's own times", () => {
    fs.writeFileSync(
      path.join(toolsDir, "cold-build-seconds.tsv"),
      "# family\tseconds\nbeta\t10\ngamma\t300\n",
    );
    const cold = spawnSync("bash", [TOOLCHAIN, "beta", "gamma"], {
      env: { ...env, TOOLCHAIN_JOBS: "1" },
      encoding: "utf8",
    });
    assert.equal(cold.status, 0, cold.stderr);
    assert.match(cold.stderr, /building 2 families, 1 at a time: gamma beta/);
    assert.ok(cold.stderr.indexOf("gamma: building") < cold.stderr.indexOf("beta: building"), cold.stderr);

    // This cache's own record wins over the committed figure: gamma "took" 1 s, beta 500 s.
    const timings = path.join(cache, "toolchain/timings.tsv");
    fs.appendFileSync(timings, "2026-01-01T00:00:00Z\tgamma\tx\t1\t1\t1\t1\n");
    fs.appendFileSync(timings, "2026-01-01T00:00:00Z\tbeta\tx\t500\t1\t1\t1\n");
    for (const dir of fs.readdirSync(path.join(cache, "toolchain")))
      if (/^(beta|gamma)-/.test(dir)) fs.rmSync(path.join(cache, "toolchain", dir), { recursive: true });
    const again = spawnSync("bash", [TOOLCHAIN, "gamma", "beta"], {
      env: { ...env, TOOLCHAIN_JOBS: "1" },
      encoding: "utf8",
    });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /building 2 families, 1 at a time: beta gamma/);
  });

  it("refuses families whose @after lines wait for each other", () => {
    writeFamily(toolsDir, { ...BETA, build: "@after gamma\nbeta-bin example.com/beta" });
    writeFamily(toolsDir, { ...GAMMA, build: "@after beta\ngamma-bin example.com/gamma" });
    const r = spawnSync("bash", [TOOLCHAIN, "beta", "gamma"], { env, encoding: "utf8" });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /the @after lines of beta gamma wait for each other/);
  });

  it("reports a failed family with its step and compiler output, and still finishes the one beside it", () => {
    const r = spawnSync("bash", [TOOLCHAIN, "broken", "beta"], { env, encoding: "utf8" });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /broken: FAILED \(exit 1\) during 'go build'/);
    assert.match(r.stderr, /broken\| .*undefined: undefinedThing/);
    assert.match(r.stderr, /error: failed: broken/);
    assert.match(r.stderr, /broken FAILED after \d+s; beta built in \d+s/);
    // No partial cache directory for the failed family.
    const entries = fs.readdirSync(path.join(cache, "toolchain"));
    assert.deepEqual(
      entries.filter((e) => e.includes("broken") && !e.endsWith(".lock")),
      [],
    );
  });

  it("starts no further family after a failure when one build runs at a time", () => {
    const r = spawnSync("bash", [TOOLCHAIN, "broken", "beta"], {
      env: { ...env, TOOLCHAIN_JOBS: "1" },
      encoding: "utf8",
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /not starting beta after the failure/);
    assert.match(r.stderr, /beta not built/);
  });

  it("rejects a TOOLCHAIN_JOBS that is not a positive whole number", () => {
    const r = spawnSync("bash", [TOOLCHAIN, "beta"], {
      env: { ...env, TOOLCHAIN_JOBS: "0" },
      encoding: "utf8",
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /TOOLCHAIN_JOBS must be a positive whole number, got '0'/);
  });
});
