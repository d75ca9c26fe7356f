// policy:check inputs (issue 15): standard input, --namespace for Helm output, kustomize
// directories (the renderer injected here; tests/integration/policyCheckKustomize.test.ts runs
// the real `kubectl kustomize`), and bad input exiting 2 with one message and no report.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { runCheck } from "../../policy/cli/check";

const ROOT = path.resolve(__dirname, "../..");
const CHECK = path.join(ROOT, "policy/cli/check.ts");
const HELM = path.join(__dirname, "manifests", "helm-rendered.yaml");
const OVERLAY = path.join(__dirname, "manifests", "kustomize", "overlay");

interface Report {
  files: string[];
  resources: number;
  violations: {
    policy: string;
    resource: { kind: string; namespace: string; name: string } | null;
    file: string;
  }[];
}

describe("policy:check inputs", () => {
  it("reads a Helm-rendered multi-document file from standard input (-)", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", CHECK, "--format", "json", "-"], {
      cwd: ROOT,
      encoding: "utf8",
      input: fs.readFileSync(HELM, "utf8"),
      timeout: 30000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, "");
    const report = JSON.parse(r.stdout) as Report;
    assert.deepEqual(report.files, ["<stdin>"]);
    assert.equal(report.resources, 3);
    assert.ok(report.violations.every((violation) => violation.file === "<stdin>"));
    // The vLLM chart's pods are model servers: probes and the LoadBalancer are reported.
    const policies = new Set(report.violations.map((violation) => violation.policy));
    for (const policy of [
      "serving-probes",
      "service-exposure",
      "restricted-pod-security",
      "gpu-quota-coverage",
    ])
      assert.ok(policies.has(policy), policy);
    assert.ok(report.violations.every((violation) => violation.resource?.namespace !== "ml"));
  });

  it("--namespace sets the namespace of objects that have none, never of cluster-scoped ones", () => {
    const stdin = `${fs.readFileSync(HELM, "utf8")}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ml\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\n  namespace: other\n`;
    const r = runCheck(["--format", "json", "--namespace", "ml", "-"], { stdin: () => stdin });
    assert.equal(r.code, 1, r.stderr.join("\n"));
    const report = JSON.parse(r.stdout.join("\n")) as Report;
    assert.equal(report.resources, 5);
    const namespaces = new Set(report.violations.map((violation) => violation.resource?.namespace));
    assert.deepEqual(
      [...namespaces].filter((namespace) => namespace !== undefined && namespace !== ""),
      ["ml"],
    );
    assert.deepEqual(
      runCheck(["--namespace", "Bad_NS", "-"], { stdin: () => stdin }).stderr[0]?.split("\n")[0],
      'policy-check: --namespace must be a namespace name (lowercase RFC 1123 label), not "Bad_NS"',
    );
  });

  it("renders a kustomize directory before checking, and reports what it rendered", () => {
    const rendered: string[] = [];
    const kustomize = (dir: string): string => {
      rendered.push(dir);
      return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ml\nspec:\n  hostPID: true\n  containers: [{name: c, image: 'busybox:1.36.1'}]\n";
    };
    const r = runCheck(["--format", "json", OVERLAY, HELM], { kustomize });
    assert.deepEqual(rendered, [OVERLAY]);
    const report = JSON.parse(r.stdout.join("\n")) as Report;
    assert.deepEqual(report.files, [`${OVERLAY} (kustomize)`, HELM]);
    assert.ok(
      report.violations.some(
        (violation) => violation.file === `${OVERLAY} (kustomize)` && violation.resource?.name === "p",
      ),
    );
  });

  it("exits 2 with one message and no report on bad input", () => {
    const cases: readonly [args: string[], options: Parameters<typeof runCheck>[1], message: string][] = [
      [["-"], { stdin: () => "kind: Pod\n" }, "policy-check: <stdin>: document 1: apiVersion is missing"],
      [["-"], { stdin: () => "a: [1\n" }, "policy-check: <stdin>: document 1: invalid YAML"],
      [["-", "-"], { stdin: () => "" }, "policy-check: -: standard input given twice"],
      [
        [OVERLAY],
        {
          kustomize: () => {
            throw new Error("kubectl kustomize failed: accumulating resources: missing.yaml: no such file");
          },
        },
        `policy-check: ${OVERLAY}: cannot render the kustomization: kubectl kustomize failed: accumulating resources`,
      ],
    ];
    for (const [args, options, message] of cases) {
      for (const format of ["text", "json"]) {
        const r = runCheck(["--format", format, ...args], options);
        assert.equal(r.code, 2, message);
        assert.equal(r.stderr.length, 1);
        assert.ok(r.stderr[0]?.startsWith(message), `${r.stderr[0] ?? ""} does not start with ${message}`);
        if (format === "text") assert.deepEqual(r.stdout, []);
        else assert.deepEqual(Object.keys(JSON.parse(r.stdout.join("\n")) as object), ["ok", "error"]);
      }
    }
  });
});
