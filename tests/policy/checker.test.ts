import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { runCheck } from "../../policy/cli/check";
import { compliantStack, container, mutate, workload, type Obj } from "./fixtures";

const ROOT = path.resolve(__dirname, "../..");
const CHECK = path.join(ROOT, "policy/cli/check.ts");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function check(...args: string[]): Run {
  const r = spawnSync(process.execPath, ["--import", "tsx", CHECK, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 30000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function yamlDocs(objects: unknown[]): string {
  return objects.map((o) => stringify(o)).join("---\n");
}

interface JsonReport {
  ok: boolean;
  resources: number;
  files: string[];
  summary: { mandatory: number; advisory: number };
  violations: {
    policy: string;
    level: string;
    resource: { kind: string; namespace: string; name: string } | null;
    file: string | null;
    document: number | null;
    item?: number;
    message: string;
  }[];
}

describe("manifest checker (npm run policy:check)", function () {
  this.timeout(60000);
  let dir = "";
  const file = (name: string, text: string): string => {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
    return p;
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-check-"));
    const stack = compliantStack().map((r) => r.props);
    // A folder: namespaces and policies as a List, workloads as a multi-document file, the rest nested.
    file("good/base.yaml", stringify({ apiVersion: "v1", kind: "List", items: stack.slice(0, 8) }));
    file("good/workloads/all.yml", yamlDocs(stack.slice(8)));
    file("good/README.txt", "not a manifest");
    const bad = mutate(workload("Deployment", "raw", { namespace: "ml-serving", gpus: 1 }), (p) => {
      const c = (((p.spec as Obj).template as Obj).spec as { containers: Obj[] }).containers[0];
      (c.resources as { limits: Obj }).limits["nvidia.com/gpu"] = "0.5";
      Reflect.deleteProperty(c, "readinessProbe");
    });
    file(
      "bad/raw.yaml",
      yamlDocs([
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "ml-serving" } },
        bad.props,
      ]),
    );
    const noProbes = workload("Deployment", "llama", {
      namespace: "ml-serving",
      gpus: 1,
      replicas: 3,
      spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } },
    });
    const c = container({ gpus: 1 });
    Reflect.deleteProperty(c, "startupProbe");
    file(
      "prod-only/llama.yaml",
      stringify(
        mutate(noProbes, (p) => {
          (((p.spec as Obj).template as Obj).spec as Obj).containers = [c];
        }).props,
      ),
    );
    file(
      "broken/one.yaml",
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: x\n",
    );
    file(
      "broken/nokind.yaml",
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nmetadata: {name: b}\n",
    );
    file("broken/scalar.yaml", "just a string\n");
    file(
      "broken/list.yaml",
      stringify({
        apiVersion: "v1",
        kind: "List",
        items: [{ apiVersion: "v1", kind: "ConfigMap" }, { kind: "Pod" }],
      }),
    );
    file("config/bad.json", JSON.stringify({ "gpu-limits": { maxGpusPerPod: 0 } }));
    file("config/notjson.json", "{ all: mandatory");
  });

  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("exits 0 for a compliant folder (recursive, multi-document, List kind) and says PASSED", () => {
    const r = check(path.join(dir, "good"));
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^k8s-ml-patterns policy check: 17 resources in 2 files, config \(pack defaults\)/,
    );
    assert.match(r.stdout, /0 violations \(0 mandatory, 0 advisory\): PASSED/);
    assert.equal(r.stderr, "");
  });

  it("exits 1 on a mandatory violation and prints policy, level, resource, file and document", () => {
    const r = check(path.join(dir, "good"), path.join(dir, "bad/raw.yaml"));
    assert.equal(r.code, 1, r.stderr);
    const rel = path.join(dir, "bad/raw.yaml");
    assert.ok(
      r.stdout.includes(
        `MANDATORY gpu-limits: Deployment ml-serving/raw (${rel}, document 2)\n  Deployment ml-serving/raw, container "server": GPU limit "nvidia.com/gpu" is not a whole number.`,
      ),
      r.stdout,
    );
    assert.ok(
      r.stdout.includes(`ADVISORY serving-probes: Deployment ml-serving/raw (${rel}, document 2)`),
      r.stdout,
    );
    assert.match(r.stdout, /: FAILED\n$/);
  });

  it("prints one JSON document with --format json", () => {
    const r = check("--format", "json", path.join(dir, "good"), path.join(dir, "bad"));
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.equal(report.ok, false);
    assert.equal(report.resources, 19);
    assert.equal(report.files.length, 3);
    assert.deepEqual(report.summary, { mandatory: 1, advisory: 1 });
    assert.deepEqual(
      report.violations.map((v) => [v.policy, v.level, v.resource, path.basename(v.file ?? ""), v.document]),
      [
        [
          "gpu-limits",
          "mandatory",
          { kind: "Deployment", namespace: "ml-serving", name: "raw" },
          "raw.yaml",
          2,
        ],
        [
          "serving-probes",
          "advisory",
          { kind: "Deployment", namespace: "ml-serving", name: "raw" },
          "raw.yaml",
          2,
        ],
      ],
    );
    assert.match(
      report.violations[0]?.message ?? "",
      /Field: spec\.template\.spec\.containers\[0\]\.resources\.limits\["nvidia\.com\/gpu"\]; found: "0\.5"/,
    );
    const list = JSON.parse(
      check("--format", "json", path.join(dir, "good", "base.yaml")).stdout,
    ) as JsonReport;
    assert.equal(list.resources, 8);
  });

  it("applies --config: the same manifests pass dev and fail prod", () => {
    const target = [path.join(dir, "good"), path.join(dir, "prod-only")];
    const dev = check("--config", path.join(ROOT, "policy-config/dev.json"), ...target);
    assert.equal(dev.code, 0, dev.stdout);
    const prod = check("--config", path.join(ROOT, "policy-config/prod.json"), "--format", "json", ...target);
    assert.equal(prod.code, 1, prod.stdout);
    const report = JSON.parse(prod.stdout) as JsonReport;
    assert.deepEqual(
      report.violations.map((v) => [v.policy, v.level]),
      [["serving-probes", "mandatory"]],
    );
  });

  const noStackTrace = (r: Run): void => {
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.equal(r.stderr.trim().split("\n").length >= 1, true);
  };

  it("exits 2 on bad YAML, naming the file and the document", () => {
    const r = check(path.join(dir, "broken/one.yaml"));
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      new RegExp(
        `^policy-check: ${path.join(dir, "broken/one.yaml").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: document 2: invalid YAML: .*line \\d+, column \\d+\\n$`,
      ),
    );
    assert.equal(r.stdout, "");
    noStackTrace(r);
    const json = check("--format", "json", path.join(dir, "broken/one.yaml"));
    assert.equal(json.code, 2);
    assert.equal((JSON.parse(json.stdout) as { ok: boolean }).ok, false);
  });

  it("exits 2 on documents that are not Kubernetes objects (empty documents are skipped)", () => {
    const nokind = check(path.join(dir, "broken/nokind.yaml"));
    assert.equal(nokind.code, 2);
    assert.match(nokind.stderr, /nokind\.yaml: document 3: kind is missing\n$/);
    const scalar = check(path.join(dir, "broken/scalar.yaml"));
    assert.equal(scalar.code, 2);
    assert.match(scalar.stderr, /scalar\.yaml: document 1: expected a Kubernetes object, found string\n$/);
    const list = check(path.join(dir, "broken/list.yaml"));
    assert.equal(list.code, 2);
    assert.match(list.stderr, /list\.yaml: document 1, items\[1\]: apiVersion is missing\n$/);
    noStackTrace(list);
  });

  it("exits 2 on missing paths (spawned)", () => {
    const missing = check(path.join(dir, "nope.yaml"));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml: cannot read: no such file or directory\n$/);
    noStackTrace(missing);
  });

  it("exits 2 on bad config files and bad usage (in-process runCheck)", () => {
    const run = (...args: string[]): Run => {
      const r = runCheck(args);
      return { code: r.code, stdout: r.stdout.join("\n"), stderr: r.stderr.join("\n") };
    };
    const badConfig = run("--config", path.join(dir, "config/bad.json"), path.join(dir, "good"));
    assert.equal(badConfig.code, 2);
    assert.match(
      badConfig.stderr,
      /bad\.json: invalid policy pack config: gpu-limits\.maxGpusPerPod: must be >= 1, found 0$/,
    );
    const notJson = run("--config", path.join(dir, "config/notjson.json"), path.join(dir, "good"));
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /notjson\.json: invalid JSON: /);
    const noConfig = run("--config", path.join(dir, "config/none.json"), path.join(dir, "good"));
    assert.equal(noConfig.code, 2);
    assert.match(noConfig.stderr, /none\.json: cannot read config: no such file or directory/);
    const format = run("--format", "xml", path.join(dir, "good"));
    assert.equal(format.code, 2);
    assert.match(format.stderr, /--format must be text or json, not "xml"/);
    const none = run();
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no PATH given\n\nusage: npm run policy:check/);
    const unknown = run("--strict", path.join(dir, "good"));
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^policy-check: Unknown option '--strict'/);
    for (const r of [badConfig, notJson, noConfig, format, none, unknown]) noStackTrace(r);
    const help = run("--help");
    assert.equal(help.code, 0);
    assert.match(
      help.stdout,
      /^usage: npm run policy:check -- \[--config FILE\] \[--format text\|json\] PATH\.\.\./,
    );
  });
});
