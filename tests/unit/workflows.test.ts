/**
 * What matters in the GitHub Actions workflows (.github/workflows): every stack is previewed
 * with the policy pack and its own policy config, a mandatory violation fails the check, the
 * prod deploy is gated, deploys are serialized per stack, actions are pinned and no secret is
 * committed. actionlint (scripts/lint-workflows.sh) checks the syntax; this checks the intent.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..", "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const LIST_STACKS = path.join(ROOT, "scripts", "list-stacks.sh");
const REPORT = path.join(ROOT, ".github", "scripts", "report-preview-failure.sh");

type Obj = Record<string, unknown>;

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Obj;
  env?: Obj;
  "continue-on-error"?: unknown;
}

interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string };
  concurrency?: string | { group: string; "cancel-in-progress"?: unknown };
  permissions?: Obj;
  strategy?: { matrix?: Obj; "fail-fast"?: unknown };
  outputs?: Obj;
  env?: Obj;
  steps: Step[];
  "continue-on-error"?: unknown;
}

interface Workflow {
  name: string;
  on: Obj;
  permissions?: Obj;
  concurrency?: unknown;
  jobs: Record<string, Job>;
}

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function loadWorkflow(file: string): Workflow {
  const doc: unknown = parse(readFileSync(path.join(WORKFLOWS, file), "utf8"));
  assert.ok(isObj(doc) && isObj(doc.jobs) && isObj(doc.on), `${file}: not a workflow`);
  return doc as unknown as Workflow;
}

function workflowFiles(): string[] {
  return readdirSync(WORKFLOWS)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
}

function stackFiles(root = ROOT): string[] {
  return readdirSync(root)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

function listStacks(root?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("bash", [LIST_STACKS], {
    encoding: "utf8",
    env: root === undefined ? process.env : { ...process.env, ROOT: root },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The steps that run pulumi/actions with the given command. */
function pulumiSteps(job: Job, command: string): Step[] {
  return job.steps.filter(
    (s) => s.uses?.startsWith("pulumi/actions@") === true && s.with?.command === command,
  );
}

/** The inputs of the job's one pulumi/actions step with the given command. */
function pulumiInputs(job: Job, command: string): Obj {
  const steps = pulumiSteps(job, command);
  assert.equal(steps.length, 1, `expected one pulumi/actions ${command} step`);
  return steps[0]?.with ?? {};
}

function environmentName(job: Job): string | undefined {
  return typeof job.environment === "string" ? job.environment : job.environment?.name;
}

function needsOf(job: Job): string[] {
  return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

/** Every value of a parsed YAML document, with its path. */
function* walk(value: unknown, at: string): Generator<[string, unknown]> {
  yield [at, value];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) yield* walk(v, `${at}[${i}]`);
  } else if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) yield* walk(v, `${at}.${k}`);
  }
}

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), "k8s-ml-workflows-"));
}

const pr = loadWorkflow("pull-request.yml");
const deploy = loadWorkflow("deploy.yml");

function job(workflow: Workflow, id: string): Job {
  const found = workflow.jobs[id];
  assert.ok(found, `${workflow.name}: no job ${id}`);
  return found;
}

describe("workflows: stacks", () => {
  it("list-stacks prints every Pulumi.<stack>.yaml, and each has its policy-config/<stack>.json", () => {
    const stacks = stackFiles();
    assert.ok(stacks.includes("dev") && stacks.includes("prod"), `stacks: ${stacks.join(", ")}`);
    const listed = listStacks();
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout), stacks);
    for (const stack of stacks) {
      assert.ok(
        existsSync(path.join(ROOT, "policy-config", `${stack}.json`)),
        `no policy-config/${stack}.json`,
      );
    }
  });

  it("a new Pulumi.<stack>.yaml with its policy config joins the list; one without fails it", () => {
    const dir = tempDir();
    try {
      mkdirSync(path.join(dir, "policy-config"));
      writeFileSync(path.join(dir, "Pulumi.yaml"), "name: x\n");
      writeFileSync(path.join(dir, "Pulumi.staging.yaml"), "config: {}\n");
      writeFileSync(path.join(dir, "policy-config", "staging.json"), "{}\n");
      writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config: {}\n");
      writeFileSync(path.join(dir, "policy-config", "dev.json"), "{}\n");
      const ok = listStacks(dir);
      assert.equal(ok.status, 0, ok.stderr);
      assert.deepEqual(JSON.parse(ok.stdout), ["dev", "staging"]);

      writeFileSync(path.join(dir, "Pulumi.qa.yaml"), "config: {}\n");
      const missing = listStacks(dir);
      assert.notEqual(missing.status, 0);
      assert.match(missing.stderr, /policy-config\/qa\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the Pulumi CLI version the workflows install is read from tools/pulumi/build.txt", () => {
    const pinned = /sdk\/v3\/go\/common\/version\.Version=v([0-9.]+)/.exec(
      readFileSync(path.join(ROOT, "tools", "pulumi", "build.txt"), "utf8"),
    )?.[1];
    assert.ok(pinned);
    for (const workflow of [pr, deploy]) {
      const setup = job(workflow, "setup");
      assert.ok(
        setup.steps.some((s) => s.run?.includes("tools/pulumi/build.txt") === true),
        `${workflow.name}: setup does not read tools/pulumi/build.txt`,
      );
      for (const [id, j] of Object.entries(workflow.jobs)) {
        for (const step of j.steps.filter((s) => s.uses?.startsWith("pulumi/actions@") === true)) {
          assert.equal(step.with?.["pulumi-version"], "${{ needs.setup.outputs.pulumi-version }}", id);
          assert.ok(needsOf(j).includes("setup"), `${workflow.name}/${id} does not need setup`);
        }
      }
    }
  });
});

describe("workflows: pull requests", () => {
  it("runs on pull requests: npm test with the .nvmrc Node.js, and actionlint", () => {
    assert.ok("pull_request" in pr.on);
    const test = job(pr, "test");
    const node = test.steps.find((s) => s.uses?.startsWith("actions/setup-node@") === true);
    assert.equal(node?.with?.["node-version-file"], ".nvmrc");
    const runs = test.steps.map((s) => s.run);
    assert.ok(runs.includes("npm ci --no-audit --no-fund") && runs.includes("npm test"));
    assert.ok(job(pr, "workflows").steps.some((s) => s.run === "scripts/lint-workflows.sh"));
  });

  it("previews every stack: the matrix is the list-stacks output, not a list in the workflow", () => {
    const setup = job(pr, "setup");
    assert.equal(setup.outputs?.stacks, "${{ steps.stacks.outputs.stacks }}");
    const lister = setup.steps.find((s) => s.id === "stacks");
    assert.match(lister?.run ?? "", /echo "stacks=\$\(scripts\/list-stacks\.sh\)" >>"\$GITHUB_OUTPUT"/);

    const preview = job(pr, "preview");
    assert.ok(needsOf(preview).includes("setup") && needsOf(preview).includes("test"));
    assert.deepEqual(preview.strategy?.matrix, { stack: "${{ fromJSON(needs.setup.outputs.stacks) }}" });
    assert.equal(preview.strategy["fail-fast"], false, "one stack's failure must not hide another's preview");
  });

  it("previews with --policy-pack policy and the stack's own policy config, commenting on the PR", () => {
    const inputs = pulumiInputs(job(pr, "preview"), "preview");
    assert.equal(inputs.policyPacks, "policy");
    assert.equal(inputs.policyPackConfigs, "policy-config/${{ matrix.stack }}.json");
    assert.equal(inputs["stack-name"], "${{ vars.PULUMI_STACK_PREFIX }}${{ matrix.stack }}");
    assert.equal(inputs["cloud-url"], "${{ vars.PULUMI_BACKEND_URL }}");
    assert.equal(inputs["comment-on-pr"], true);
    assert.equal(inputs.upsert, undefined, "a pull request must not create stacks");
  });

  it("builds the policy pack before a pulumi step runs it (the pack runs from bin/policy/index.js)", () => {
    const pack = JSON.parse(readFileSync(path.join(ROOT, "policy", "package.json"), "utf8")) as {
      main?: string;
      scripts?: Record<string, string>;
    };
    assert.equal(pack.main, "bin/policy/index.js");
    assert.equal(pack.scripts?.prepare, "tsc -p .", "npm ci/install must build the pack");
    const checks: [Workflow, string][] = [
      [pr, "preview"],
      [deploy, "dev"],
      [deploy, "prod"],
    ];
    for (const [workflow, id] of checks) {
      const steps = job(workflow, id).steps;
      const install = steps.findIndex((s) => /npm ci --prefix policy/.test(s.run ?? ""));
      const pulumi = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") === true);
      assert.ok(
        install >= 0 && install < pulumi,
        `${workflow.name}/${id}: the pack is built before pulumi runs`,
      );
    }
  });

  it("a mandatory violation fails the preview check: nothing continues on error", () => {
    for (const workflow of [pr, deploy]) {
      for (const [id, j] of Object.entries(workflow.jobs)) {
        assert.equal(j["continue-on-error"], undefined, `${workflow.name}/${id}`);
        for (const step of j.steps) {
          assert.equal(step["continue-on-error"], undefined, `${workflow.name}/${id}/${step.name ?? ""}`);
          assert.equal(step.with?.["continue-on-error"], undefined, `${workflow.name}/${id}: action input`);
        }
      }
    }
    const preview = job(pr, "preview");
    const index = preview.steps.findIndex((s) => s.id === "preview");
    const after = preview.steps.slice(index + 1);
    assert.ok(after.length > 0);
    for (const step of after) {
      assert.match(step.if ?? "", /^failure\(\) && steps\.preview\.outcome == 'failure'$/);
    }
  });

  it("a failed preview replaces the stack's PR comment with its policy report", () => {
    const dir = tempDir();
    try {
      const output = path.join(dir, "preview.txt");
      writeFileSync(
        output,
        [
          "Previewing update (acme/dev):",
          "     Type                           Name      Plan",
          " +   pulumi:pulumi:Stack            k8s-ml    create",
          "Policies:",
          "    ❌ k8s-ml-patterns@v0.1.0 (local: policy)",
          "        - [mandatory] [severity: high]  gpu-quota-coverage  (pulumi:pulumi:Stack: k8s-ml-patterns-dev)",
          "          GPU demand 12 > quota <8>",
          "",
          "Diagnostics:",
          "  pulumi:pulumi:Stack (k8s-ml-patterns-dev):",
          "    error: preview failed",
          "",
          "Outputs:",
          '    namespace: "ml-dev"',
        ].join("\n"),
      );
      const body = execFileSync("bash", [REPORT], {
        cwd: ROOT,
        encoding: "utf8",
        env: {
          ...process.env,
          STACK: "dev",
          STACK_NAME: "acme/dev",
          PREVIEW_OUTPUT: output,
          REPORT_DRY_RUN: "1",
          HEAD_SHA: "0123456789abcdef",
        },
      });
      // The report re-runs the very preview the action ran.
      assert.match(
        readFileSync(REPORT, "utf8"),
        /pulumi preview --stack "\$STACK_NAME" --policy-pack policy \\\n\s+--policy-pack-config "policy-config\/\$STACK\.json"/,
      );
      // The action's own heading and summary: its next successful preview edits this comment.
      assert.ok(body.startsWith("#### :tropical_drink: `preview` on k8s-ml-patterns/acme/dev\n"), body);
      assert.ok(body.includes("<summary>Pulumi report</summary>"));
      assert.ok(body.includes("The preview failed** for 0123456"));
      assert.ok(body.includes("[mandatory] [severity: high]  gpu-quota-coverage"));
      assert.ok(body.includes("error: preview failed"));
      assert.ok(body.includes("GPU demand 12 &gt; quota &lt;8&gt;"));
      assert.ok(!body.includes("k8s-ml    create") && !body.includes("namespace"), "only the policy report");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("previews of fork pull requests (no secrets) fail instead of passing unchecked", () => {
    const preview = job(pr, "preview");
    assert.equal(preview.if, undefined, "a skipped matrix job never reports its required checks");
    const [first] = preview.steps;
    assert.equal(first.if, "github.event.pull_request.head.repo.full_name != github.repository");
    assert.match(first.run ?? "", /exit 1/);
  });
});

describe("workflows: deploys", () => {
  const dev = job(deploy, "dev");
  const prod = job(deploy, "prod");

  it("runs on pushes to main, published releases and manual dispatch only", () => {
    assert.deepEqual(Object.keys(deploy.on).sort(), ["push", "release", "workflow_dispatch"]);
    assert.deepEqual(deploy.on.push, { branches: ["main"] });
    assert.deepEqual(deploy.on.release, { types: ["published"] });
  });

  it("a push to main runs pulumi up of dev with the policy pack and dev's policy config", () => {
    assert.match(dev.if ?? "", /github\.event_name == 'push'/);
    assert.equal(dev.env?.STACK, "${{ needs.setup.outputs.dev-stack }}");
    const names = job(deploy, "setup").steps.find((s) => s.id === "stacks")?.env ?? {};
    assert.equal(names.DEV_STACK, "${{ vars.PULUMI_DEV_STACK || 'dev' }}");
    assert.equal(names.PROD_STACK, "${{ vars.PULUMI_PROD_STACK || 'prod' }}");
    for (const j of [dev, prod]) {
      const up = pulumiInputs(j, "up");
      assert.equal(up.policyPacks, "policy");
      assert.equal(up.policyPackConfigs, "policy-config/${{ env.STACK }}.json");
      assert.equal(up["stack-name"], "${{ vars.PULUMI_STACK_PREFIX }}${{ env.STACK }}");
    }
  });

  it("prod deploys only on a release or a dispatch, behind the production environment", () => {
    assert.equal(environmentName(prod), "production");
    assert.equal(prod.env?.STACK, "${{ needs.setup.outputs.prod-stack }}");
    const condition = prod.if ?? "";
    assert.match(condition, /github\.event_name == 'release' && !github\.event\.release\.prerelease/);
    assert.match(
      condition,
      /github\.event_name == 'workflow_dispatch' && inputs\.environment == 'production'/,
    );
    assert.doesNotMatch(condition, /push|pull_request/);
    // No other job can reach the prod stack.
    for (const [id, j] of Object.entries(deploy.jobs)) {
      if (id === "prod" || id === "setup") continue;
      assert.doesNotMatch(JSON.stringify(j), /prod-stack|PROD_STACK/, `job ${id} reaches the prod stack`);
      assert.notEqual(environmentName(j), "production");
    }
    // Pull requests only preview.
    assert.doesNotMatch(JSON.stringify(pr), /production|prod-stack|secrets\.KUBECONFIG\b/);
    for (const j of Object.values(pr.jobs)) {
      for (const step of j.steps.filter((s) => s.uses?.startsWith("pulumi/actions@") === true)) {
        assert.equal(step.with?.command, "preview");
      }
    }
  });

  it("serializes deploys per stack and never cancels one in progress", () => {
    assert.equal(deploy.concurrency, undefined, "a workflow-wide group would serialize unrelated stacks");
    const groups = new Set<string>();
    for (const [id, j] of Object.entries(deploy.jobs)) {
      if (pulumiSteps(j, "up").length === 0) continue;
      const concurrency = j.concurrency;
      assert.ok(isObj(concurrency), `${id}: no concurrency`);
      assert.equal(concurrency["cancel-in-progress"], false, id);
      assert.match(concurrency.group, /\$\{\{ needs\.setup\.outputs\.(dev|prod)-stack \}\}/, id);
      groups.add(concurrency.group);
    }
    assert.equal(groups.size, 2, "dev and prod have their own groups");
  });

  it("the cluster credentials are environment secrets, not committed", () => {
    for (const j of [dev, prod]) {
      const creds = j.steps.find((s) => s.name === "Cluster credentials");
      assert.equal(creds?.env?.KUBECONFIG_CONTENT, "${{ secrets.KUBECONFIG }}");
    }
  });
});

describe("workflows: hygiene", () => {
  const all = workflowFiles().map((file) => ({ file, workflow: loadWorkflow(file) }));

  it("covers the two workflows", () => {
    assert.deepEqual(
      all.map((w) => w.file),
      ["deploy.yml", "pull-request.yml"],
    );
  });

  it("actionlint is built from the version its go.mod pins, stamped with it", () => {
    const dir = path.join(ROOT, "tools", "actionlint");
    const pinned = /^require github\.com\/rhysd\/actionlint (v[0-9.]+)$/m.exec(
      readFileSync(path.join(dir, "go.mod"), "utf8"),
    )?.[1];
    assert.ok(pinned);
    assert.match(
      readFileSync(path.join(dir, "build.txt"), "utf8"),
      new RegExp(
        `^actionlint github\\.com/rhysd/actionlint/cmd/actionlint -X github\\.com/rhysd/actionlint\\.version=${pinned}$`,
        "m",
      ),
    );
  });

  it("pins every action by a release version (or a commit), never a branch", () => {
    for (const { file, workflow } of all) {
      for (const [at, value] of walk(workflow, file)) {
        if (!at.endsWith(".uses") || typeof value !== "string") continue;
        assert.match(value, /^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/, `${at}: ${value}`);
      }
    }
  });

  it("grants contents: read by default; pull-requests: write only to the preview, id-token only with OIDC", () => {
    const oidcLogin =
      /^(aws-actions\/configure-aws-credentials|google-github-actions\/auth|azure\/login|pulumi\/auth-actions)@/;
    for (const { file, workflow } of all) {
      assert.deepEqual(workflow.permissions, { contents: "read" }, file);
      for (const [id, j] of Object.entries(workflow.jobs)) {
        const permissions = j.permissions ?? {};
        if (permissions["pull-requests"] === "write") {
          assert.ok(file === "pull-request.yml" && id === "preview", `${file}/${id}: pull-requests: write`);
        }
        if (permissions["id-token"] === "write") {
          assert.ok(
            j.steps.some((s) => oidcLogin.test(s.uses ?? "")),
            `${file}/${id}: id-token: write without an OIDC login`,
          );
        }
        for (const [scope, level] of Object.entries(permissions)) {
          assert.ok(
            level === "read" || scope === "pull-requests" || scope === "id-token",
            `${file}/${id}: ${scope}: ${String(level)}`,
          );
        }
      }
    }
  });

  it("commits no secret: credentials come from secrets, the state backend and stacks from variables", () => {
    const credential = /TOKEN|PASSPHRASE|PASSWORD|SECRET|KUBECONFIG_CONTENT|ACCESS_KEY/;
    for (const { file, workflow } of all) {
      for (const [at, value] of walk(workflow, file)) {
        const key = at.slice(at.lastIndexOf(".") + 1);
        if (!/\.env\.[^.]+$/.test(at) || !credential.test(key)) continue;
        assert.match(
          String(value),
          /^\$\{\{ (secrets\.[A-Z_]+|github\.token) \}\}$/,
          `${at}: ${String(value)}`,
        );
      }
    }
    const literal = [
      /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
      /\bpul-[0-9a-f]{40}\b/, // Pulumi access token
      /\bAKIA[0-9A-Z]{16}\b/,
      /\bgh[pousr]_[A-Za-z0-9]{30,}\b/,
      /(client-key-data|client-certificate-data|certificate-authority-data):/,
    ];
    const files = readdirSync(path.join(ROOT, ".github"), { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => path.join(d.parentPath, d.name));
    for (const f of files) {
      const text = readFileSync(f, "utf8");
      for (const pattern of literal) assert.doesNotMatch(text, pattern, f);
    }
  });
});
