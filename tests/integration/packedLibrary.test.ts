/**
 * The component library as a user gets it: `npm pack` of the repository, installed from the
 * tarball into a scratch Pulumi program outside the repository, which type-checks against the
 * packed declarations and runs under Pulumi mocks.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FIXTURES, ROOT } from "./harness";

interface ConsumerRun {
  readonly registered: readonly string[];
  readonly rejected: string;
  readonly deepImport: string;
  readonly exported: readonly string[];
}

const PUBLIC_VALUES = [
  "AdmissionPolicies",
  "Autoscaling",
  "BatchInference",
  "DistributedTraining",
  "GpuSharing",
  "GpuTenancy",
  "MLWorkflow",
  "MLWorkflowDefinition",
  "ModelMonitoring",
  "ModelServing",
  "ValidationError",
  "WorkloadPriorities",
  "WorkloadQueue",
];

function run(command: string, args: readonly string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("the packed component library", function () {
  this.timeout(10 * 60_000);
  let scratch: string;
  let tarball: string;
  let consumer: string;
  let result: ConsumerRun;

  before(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), "packed-library-"));
    // prepack builds dist/ first; --json names the tarball it wrote.
    const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", scratch], ROOT)) as
      { filename: string }[] | undefined;
    const filename = packed?.[0]?.filename;
    assert.ok(filename !== undefined, "npm pack wrote a tarball");
    tarball = path.join(scratch, filename);
    consumer = path.join(scratch, "consumer");
    cpSync(path.join(FIXTURES, "consumer"), consumer, { recursive: true });
    const versions = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    writeFileSync(
      path.join(consumer, "package.json"),
      JSON.stringify({
        name: "consumer",
        private: true,
        dependencies: {
          "k8s-ml-patterns": `file:${tarball}`,
          "@pulumi/pulumi": versions.dependencies["@pulumi/pulumi"],
        },
        devDependencies: {
          typescript: versions.devDependencies.typescript,
          "@types/node": versions.devDependencies["@types/node"],
        },
      }),
    );
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], consumer);
    run(path.join(consumer, "node_modules", ".bin", "tsc"), ["-p", "."], consumer);
    result = JSON.parse(run("node", ["runUnderMocks.js"], consumer)) as ConsumerRun;
  });

  after(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it("holds the built library and its declarations, not the sources, tests or program", () => {
    const listing = run("tar", ["-tzf", tarball], scratch).split("\n");
    assert.ok(listing.includes("package/dist/components/index.js"));
    assert.ok(listing.includes("package/dist/components/index.d.ts"));
    assert.ok(listing.includes("package/dist/conventions/gpu.js"));
    const leaked = listing.filter((file) =>
      /^package\/(components|tests|program|policy|config|bench)\//.test(file),
    );
    assert.deepEqual(leaked, []);
  });

  it("type-checks a program importing ModelServing and GpuTenancy and runs it under mocks", () => {
    assert.deepEqual(result.registered.filter((resource) => resource.startsWith("k8sml:")).sort(), [
      "k8sml:index:GpuTenancy::team-a",
      "k8sml:index:ModelServing::llama",
    ]);
    assert.ok(result.registered.includes("kubernetes:apps/v1:Deployment::llama-deploy"));
    assert.ok(
      result.registered.includes("kubernetes:autoscaling/v2:HorizontalPodAutoscaler::llama-scaling-hpa"),
    );
    assert.ok(result.registered.includes("kubernetes:core/v1:ResourceQuota::team-a-quota"));
  });

  it("gives the consumer the one-message validation error, and registers nothing for it", () => {
    assert.match(
      result.rejected,
      /^ModelServing "Bad_Name": invalid arguments: name must be a DNS-1035 label/,
    );
    assert.ok(!result.registered.some((resource) => resource.includes("Bad_Name")));
  });

  it("exports the component classes and nothing internal", () => {
    assert.deepEqual(result.exported, PUBLIC_VALUES);
    assert.equal(result.deepImport, "ERR_PACKAGE_PATH_NOT_EXPORTED");
  });
});
