/**
 * The component package through the real CLI: `pulumi package get-schema` starts the package
 * with the project's Node.js language host (RunPlugin) and the SDK's provider server, as
 * `pulumi package add` and a consumer's preview do.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import {
  errors,
  FIXTURES,
  integration,
  type PreviewRun,
  previewBeforeAll,
  ROOT,
  steps,
  TOOLCHAIN_TIMEOUT_MS,
} from "./harness";

const execFileAsync = promisify(execFile);
const PACKAGE_DIR = path.join(ROOT, "componentPackage");

interface Schema {
  readonly name: string;
  readonly version: string;
  readonly resources: Record<
    string,
    {
      readonly isComponent?: boolean;
      readonly inputProperties: Record<string, { readonly type?: string; readonly description?: string }>;
      readonly requiredInputs: readonly string[];
    }
  >;
  readonly dependencies?: readonly { readonly name: string; readonly version: string }[];
}

describe("the component package, through the Pulumi CLI", function () {
  this.timeout(10 * 60_000);
  let schema: Schema;
  let lockfileBefore: string;

  before(async function () {
    this.timeout(TOOLCHAIN_TIMEOUT_MS);
    const it = await integration();
    lockfileBefore = readFileSync(path.join(PACKAGE_DIR, "package-lock.json"), "utf8");
    const { stdout } = await execFileAsync(it.pulumi, ["package", "get-schema", PACKAGE_DIR], {
      env: { ...process.env, ...it.env },
      maxBuffer: 64 * 1024 * 1024,
    });
    schema = JSON.parse(stdout) as Schema;
  });

  it("names the package and its version after componentPackage/package.json", () => {
    const manifest = JSON.parse(readFileSync(path.join(PACKAGE_DIR, "package.json"), "utf8")) as {
      name: string;
      version: string;
    };
    assert.equal(schema.name, manifest.name);
    assert.equal(schema.version, manifest.version);
    assert.deepEqual(
      schema.dependencies?.map((d) => d.name),
      ["kubernetes"],
    );
  });

  it("serves every component with its inputs, types, required inputs and documented defaults", () => {
    assert.deepEqual(Object.keys(schema.resources).sort(), [
      "k8sml:index:AdmissionPolicies",
      "k8sml:index:Autoscaling",
      "k8sml:index:BatchInference",
      "k8sml:index:DistributedTraining",
      "k8sml:index:GpuSharing",
      "k8sml:index:GpuTenancy",
      "k8sml:index:MLWorkflowDefinition",
      "k8sml:index:ModelMonitoring",
      "k8sml:index:ModelServing",
      "k8sml:index:WorkloadPriorities",
      "k8sml:index:WorkloadQueue",
    ]);
    const serving = schema.resources["k8sml:index:ModelServing"];
    assert.equal(serving.isComponent, true);
    assert.deepEqual([...serving.requiredInputs].sort(), ["image", "modelName", "modelUri", "namespace"]);
    assert.equal(serving.inputProperties.gpusPerPod.type, "number");
    assert.match(serving.inputProperties.replicas.description ?? "", /Default: 1$/);
  });

  it("is added to a YAML program by `pulumi package add`, which writes its packages: entry", async () => {
    const it = await integration();
    const project = path.dirname(
      it.writeFile("package-add/Pulumi.yaml", "name: package-add\nruntime: yaml\nresources: {}\n"),
    );
    await execFileAsync(it.pulumi, ["package", "add", PACKAGE_DIR], {
      cwd: project,
      env: { ...process.env, ...it.env },
      maxBuffer: 64 * 1024 * 1024,
    });
    const written = readFileSync(path.join(project, "Pulumi.yaml"), "utf8");
    assert.match(written, new RegExp(`^packages:\\n  k8sml: ${PACKAGE_DIR.replace(/[/.]/g, "\\$&")}$`, "m"));
  });

  it("leaves the package folder as committed (the language host's npm install changes nothing)", () => {
    assert.equal(readFileSync(path.join(PACKAGE_DIR, "package-lock.json"), "utf8"), lockfileBefore);
  });
});

describe("a YAML consumer of the component package: inputs across the language boundary", function () {
  this.timeout(10 * 60_000);
  const workDir = path.join(FIXTURES, "yaml-package-inputs");

  describe("a value still unknown during the preview", () => {
    let run: PreviewRun;
    previewBeforeAll(
      () => ({ workDir, stack: "unknown-input", stackConfig: "config: {}\n" }),
      (r) => {
        run = r;
      },
    );

    it("previews without a false error: the server is planned, its unknown env value left to the update", () => {
      assert.ok(run.succeeded, run.output);
      assert.deepEqual(errors(run), []);
      const planned = steps(run).map((s) => `${s.op} ${s.type}::${s.name}`);
      for (const expected of [
        "create k8sml:index:ModelServing::server",
        "create kubernetes:apps/v1:Deployment::server-deploy",
        "create kubernetes:core/v1:Service::server-svc",
        "create kubernetes:apps/v1:Deployment::configured-deploy",
      ]) {
        assert.ok(planned.includes(expected), `${expected} in ${planned.join(", ")}`);
      }
    });
  });

  describe("a bad value from the YAML program's config", () => {
    let run: PreviewRun;
    previewBeforeAll(
      () => ({
        workDir,
        stack: "bad-input",
        stackConfig: "config:\n  yaml-package-inputs:gpusPerPod: -1\n",
      }),
      (r) => {
        run = r;
      },
    );

    it("fails with the component's own message and plans none of its objects", () => {
      assert.equal(run.succeeded, false);
      assert.match(
        run.output,
        /k8sml:index:ModelServing resource 'configured' has a problem: ModelServing "configured"/,
      );
      assert.match(run.output, /gpusPerPod must be a whole number at least 0; got -1/);
      // The other server's env value is unknown in this preview too: no error about it.
      assert.doesNotMatch(run.output, /"server"|env must be/);
      const planned = steps(run).map((s) => `${s.type}::${s.name}`);
      assert.ok(!planned.some((s) => s.includes("configured")), planned.join(", "));
    });
  });
});
