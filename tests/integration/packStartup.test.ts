import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { type PackStartupSetup, packStartOnce, setUpPackStartup } from "../../bench/packStartup";
import { integration, ROOT, TOOLCHAIN_TIMEOUT_MS } from "./harness";

describe("the benchmark's policy pack start-up probe (bench/packStartup.ts)", () => {
  let setup: PackStartupSetup;

  before(async function () {
    // The shared set-up installs and builds the pack (scripts/policy-pack.sh).
    this.timeout(TOOLCHAIN_TIMEOUT_MS);
    await integration();
    setup = setUpPackStartup(ROOT, "k8s-ml-patterns-tests");
  });

  it("times the project's pack until its analyzer listens", async () => {
    const sample = await packStartOnce(setup, setup.packDir);
    assert.ok(sample.cpuMs > 0, `cpuMs ${sample.cpuMs}`);
    assert.ok(sample.wallMs > 0, `wallMs ${sample.wallMs}`);
  });

  it("times the empty pack, which loads the same @pulumi/policy", async () => {
    assert.ok(fs.existsSync(path.join(setup.emptyPackDir, "index.js")));
    const sample = await packStartOnce(setup, setup.emptyPackDir);
    assert.ok(sample.cpuMs > 0, `cpuMs ${sample.cpuMs}`);
  });

  it("reports a pack that never listens as a failure with its error, not as a time", async () => {
    const broken = path.join(path.dirname(setup.emptyPackDir), "broken-pack");
    fs.mkdirSync(broken, { recursive: true });
    fs.writeFileSync(
      path.join(broken, "package.json"),
      JSON.stringify({ name: "broken-pack", version: "0.0.0", main: "index.js" }),
    );
    fs.writeFileSync(path.join(broken, "index.js"), 'throw new Error("this pack cannot load");\n');
    await assert.rejects(packStartOnce(setup, broken), /did not start[\s\S]*this pack cannot load/);
  });
});
