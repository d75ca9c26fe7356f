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
import { integration, ROOT, TOOLCHAIN_TIMEOUT_MS } from "./harness";

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

  it("leaves the package folder as committed (the language host's npm install changes nothing)", () => {
    assert.equal(readFileSync(path.join(PACKAGE_DIR, "package-lock.json"), "utf8"), lockfileBefore);
  });
});
