// policy:check on a kustomize overlay, rendered by the real engine: the toolchain's
// `kubectl kustomize` (scripts/toolchain.sh, family "kubernetes").
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const CHECK = path.join(ROOT, "policy/cli/check.ts");
const OVERLAY = path.join(ROOT, "tests/policy/manifests/kustomize/overlay");

function check(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env.K8S_ML_KUBECTL;
  const r = spawnSync(process.execPath, ["--import", "tsx", CHECK, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env,
    timeout: 240_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("policy:check on a kustomize overlay (kubectl kustomize)", function () {
  before(function () {
    // A cold toolchain builds the kubernetes family here (cached afterwards, shared with the e2e tests).
    this.timeout(60 * 60_000);
    const build = spawnSync("bash", [path.join(ROOT, "scripts/toolchain.sh"), "kubernetes"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60 * 60_000,
    });
    assert.equal(build.status, 0, build.stderr);
  });

  it("checks what the overlay renders: its namespace, name prefix and patches", () => {
    const r = check("--format", "json", OVERLAY);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as {
      files: string[];
      resources: number;
      violations: {
        policy: string;
        resource: { kind: string; namespace: string; name: string } | null;
        message: string;
      }[];
    };
    assert.deepEqual(report.files, [`${OVERLAY} (kustomize)`]);
    assert.equal(report.resources, 1);
    const hostPort = report.violations.find((violation) => violation.policy === "restricted-pod-security");
    assert.deepEqual(hostPort?.resource, {
      kind: "Deployment",
      namespace: "ml-staging",
      name: "staging-embedder",
    });
    assert.match(
      hostPort.message,
      /control "hostPorts"\)\. Field: spec\.template\.spec\.containers\[0\]\.ports\[0\]\.hostPort; found: 8080/,
    );
  });

  it("exits 2 with kubectl's message when the kustomization is broken", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kustomize-broken-"));
    try {
      fs.writeFileSync(path.join(dir, "kustomization.yaml"), "resources:\n  - missing.yaml\n");
      const r = check(dir);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, "");
      assert.match(
        r.stderr,
        new RegExp(
          `^policy-check: ${dir}: cannot render the kustomization: kubectl kustomize failed: .*missing\\.yaml`,
        ),
      );
      assert.equal(r.stderr.trim().split("\n").length, 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
