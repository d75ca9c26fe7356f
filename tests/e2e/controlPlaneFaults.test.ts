/**
 * End to end on the local cluster (issue 18): a deploy that the control plane fails in the
 * middle of. One stack (prod's name and policy config, a small config of its own in namespace
 * `ml-faults`) is deployed once, then updated four times, each update creating a model,
 * updating another and deleting a third while something goes wrong:
 * 1. the API server is stopped during the update and started again 15 s later;
 * 2. etcd likewise;
 * 3. the Kubernetes provider process is killed (SIGKILL);
 * 4. a second `pulumi up` is started while the update runs.
 * Each time the update fails with a message naming what failed, or completes; the next `up`
 * converges (and one after it changes nothing) with nothing lost or duplicated: every object
 * that existed before keeps its uid unless the change deleted it, and the cluster holds exactly
 * the objects the state records. The concurrent `up` is refused by the stack's lock and the first
 * one completes. The model-source token, a secret, never appears in plain text (nor base64) in
 * the state or in any CLI output, while the cluster's Secret carries it.
 *
 * Every wait is bounded; nothing asserts on how long anything took.
 */
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import {
  CLUSTER_DIR,
  clusterDown,
  clusterRunning,
  clusterUp,
  kubectlJson,
  kubectlRun,
  type RestartableComponent,
  startComponent,
  stopComponent,
} from "./lib/cluster";
import { type KObject } from "./lib/k8s";
import { descendants, describeRun, type RunResult, type Running } from "./lib/run";
import { assertStateMatchesCluster } from "./lib/stateCheck";
import {
  type EngineEvent,
  errorsOf,
  LocalStack,
  type ManagedObject,
  objectKey,
  parseEvents,
  summaryOf,
  UP_TIMEOUT_MS,
} from "./lib/stack";

const NAMESPACE = "ml-faults";
const H100 = "NVIDIA-H100-80GB-HBM3";
const TOKEN = `e2e-faults-${randomBytes(12).toString("hex")}`;
/** How long `pulumi up` waits for a model's rollout (a rollout here takes seconds). */
const ROLLOUT_TIMEOUT_SECONDS = 300;
/** How long a stopped component stays down. */
const DOWN_MS = 15_000;
/**
 * What a test keeps of its mocha timeout for ending a command that ran out of time (SIGINT,
 * SIGTERM, SIGKILL: 90 s) and for reporting why, so that it fails with the command's output.
 */
const STOP_MARGIN_MS = 3 * 60_000;
/** The control-plane logs whose ends a failed test prints. */
const COMPONENT_LOGS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "etcd"];
/** A Deployment step in flight, in `pulumi up`'s progress output. */
const DEPLOYMENT_STEP = /kubernetes:apps\/v1:Deployment \S+ (creating|updating|deleting)/;

/** The stack file's keys that `pulumi config set --secret` wrote: the token, encrypted, and its salt. */
interface SecretKeys {
  readonly encryptionsalt?: string;
  readonly token?: unknown;
}

/**
 * Round `round` of the config: `steady` never changes, `rolling` gets a new image, `new-<round>`
 * replaces `new-<round - 1>`; the encrypted token as `pulumi config set --secret` wrote it.
 */
function configFile(round: number, secret: SecretKeys = {}): string {
  const ns = "k8s-ml-patterns";
  const model = (name: string, tag: string): Record<string, unknown> => ({
    name,
    image: `ghcr.io/k8s-ml-patterns/inference-server:${tag}`,
    loaderImage: "ghcr.io/k8s-ml-patterns/model-loader:1.4.0",
    modelUri: `s3://models/${name}`,
    gpuProduct: H100,
    gpusPerPod: 1,
    cpu: "1",
    memory: "16Gi",
    replicas: 1,
    // An await that lost track of a rollout fails the update in minutes, not in the default's
    // 50: the test then sees the failure and the next up, within its own time.
    rolloutTimeoutSeconds: ROLLOUT_TIMEOUT_SECONDS,
  });
  return stringify({
    ...(secret.encryptionsalt === undefined ? {} : { encryptionsalt: secret.encryptionsalt }),
    config: {
      ...(secret.token === undefined ? {} : { [`${ns}:modelSourceToken`]: secret.token }),
      [`${ns}:namespace`]: NAMESPACE,
      [`${ns}:priorityClassPrefix`]: NAMESPACE,
      [`${ns}:installWorkflowCrd`]: false,
      [`${ns}:gpuNodes`]: { [H100]: 16, "NVIDIA-L40S": 8 },
      [`${ns}:quota`]: { gpus: 12, requestsCpu: "64", requestsMemory: "256Gi", limitsMemory: "256Gi" },
      [`${ns}:queueing`]: { mode: "quota" },
      [`${ns}:monitoring`]: { enabled: false },
      [`${ns}:egress`]: { modelSource: { cidrs: ["10.30.0.0/16"], ports: [443] } },
      [`${ns}:models`]: [
        model("steady", "1.4.0"),
        model("rolling", `1.4.${round}`),
        ...(round === 0 ? [] : [model(`new-${round}`, "1.4.0")]),
      ],
    },
  });
}

/** What a fault does to a running `pulumi up` once a Deployment step is in flight. */
type Fault = (up: Running) => Promise<void>;

function restart(component: RestartableComponent): Fault {
  return async () => {
    await stopComponent(component);
    await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
    await startComponent(component);
  };
}

describe("faults of the control plane during pulumi up", function () {
  let startedCluster = false;
  let stack: LocalStack | undefined;
  let secret: SecretKeys = {};
  /** Every CLI output of the suite, searched for the token at the end. */
  const outputs: string[] = [];
  /** When the running test's commands must have ended (its mocha timeout less STOP_MARGIN_MS). */
  let deadline = Number.POSITIVE_INFINITY;
  /** What the running test did so far, each step with its outcome, for its failure report. */
  let steps: string[] = [];

  /** Time left for one command: at most UP_TIMEOUT_MS, never past the test's deadline. */
  function commandTimeoutMs(): number {
    return Math.max(10_000, Math.min(UP_TIMEOUT_MS, deadline - Date.now()));
  }

  function record(what: string, result: RunResult, startedAt: number): void {
    const how = result.timedOut ? "timed out" : `exited ${String(result.code ?? result.signal)}`;
    steps.push(`${what} ${how} after ${String(Math.round((Date.now() - startedAt) / 1000))} s`);
  }

  function prepared(): LocalStack {
    assert.ok(stack !== undefined, "the stack is prepared");
    return stack;
  }

  async function pulumi(args: readonly string[]): Promise<RunResult> {
    const startedAt = Date.now();
    const result = await prepared().pulumi(args, { timeoutMs: commandTimeoutMs() }).done;
    outputs.push(result.stdout, result.stderr);
    record(`pulumi ${args[0] ?? ""}`, result, startedAt);
    return result;
  }

  /** `pulumi up` of round `round`, which must succeed; returns its resource changes. */
  async function up(round: number): Promise<Readonly<Record<string, number>>> {
    fs.writeFileSync(prepared().configFile, configFile(round, secret));
    const result = await pulumi(prepared().upArgs(["--json"]));
    const events = parseEvents(result.stdout);
    assert.equal(result.code, 0, `${describeRun("pulumi up", [], result)}\n${errorsOf(events)}`);
    return summaryOf(events).resourceChanges ?? {};
  }

  /**
   * `pulumi up` of round `round` with `fault` applied while a Deployment step is in flight.
   * Returns the faulted run and the objects the state held before it.
   */
  async function upWithFault(
    round: number,
    fault: Fault,
  ): Promise<{ run: RunResult; before: ManagedObject[] }> {
    const before = await prepared().managedObjects();
    fs.writeFileSync(prepared().configFile, configFile(round, secret));
    let output = "";
    let faulted: Promise<void> | undefined;
    const startedAt = Date.now();
    const running = prepared().pulumi(prepared().upArgs(), {
      timeoutMs: commandTimeoutMs(),
      onStdout: (chunk) => {
        output += chunk;
        if (faulted === undefined && DEPLOYMENT_STEP.test(output))
          faulted = Promise.resolve().then(() => fault(running));
      },
    });
    const run = await running.done;
    outputs.push(run.stdout, run.stderr);
    record("the faulted pulumi up", run, startedAt);
    assert.ok(faulted !== undefined, `pulumi up finished before the fault:\n${run.stdout}`);
    await faulted;
    return { run, before };
  }

  /**
   * After a faulted run: a failure must say what failed; then `up` converges (after
   * `refresh --clear-pending-creates` when the run left pending operations, as the main job
   * does), a further `up` changes nothing, and the state matches the cluster with every object
   * of `before` that round `round` keeps still the same object.
   */
  async function assertConverges(
    round: number,
    faulted: RunResult,
    before: readonly ManagedObject[],
  ): Promise<void> {
    if (faulted.code !== 0) {
      assert.match(faulted.stdout, /error: /, "a failed update says what failed");
      assert.match(faulted.stdout, /(kubernetes:\S+ \S+|resource\S*) .*(failed|error)/i);
    }
    const pending = (await prepared().state()).pendingOperations;
    if (pending.length > 0) {
      const refresh = await pulumi([
        "refresh",
        "--stack",
        prepared().name,
        "--yes",
        "--skip-preview",
        "--clear-pending-creates",
        "--config-file",
        prepared().configFile,
      ]);
      assert.equal(refresh.code, 0, describeRun("pulumi refresh --clear-pending-creates", [], refresh));
    }
    await up(round);
    const changes = await up(round);
    const changed = Object.entries(changes).filter(([op, n]) => op !== "same" && n > 0);
    assert.deepEqual(changed, [], `the up after convergence changed resources: ${JSON.stringify(changes)}`);

    const after = await prepared().managedObjects();
    const deleted = `new-${round - 1}`;
    for (const o of before) {
      if (o.name === deleted || o.name.startsWith(`${deleted}-`)) continue;
      const now = after.find((x) => x.urn === o.urn);
      assert.ok(now !== undefined, `${objectKey(o)} was lost from the state`);
      if (o.uid !== undefined) assert.equal(now.uid, o.uid, `${objectKey(o)} was re-created`);
    }
    assert.ok(
      after.some((o) => o.kind === "Deployment" && o.name === `new-${round}`),
      `the model new-${round} of this round is deployed`,
    );
    await assertStateMatchesCluster(after, new Set([NAMESPACE]));
  }

  before(async () => {
    startedCluster = !(await clusterRunning());
    await clusterUp();
    stack = await LocalStack.prepare("prod");
    if ((await stack.resourceCount()) > 0) {
      const result = await stack.destroy();
      assert.equal(result.code, 0, describeRun("pulumi destroy", [stack.name], result));
    }
    fs.writeFileSync(stack.configFile, configFile(0));
    const set = await pulumi([
      "config",
      "set",
      "--secret",
      "k8s-ml-patterns:modelSourceToken",
      TOKEN,
      "--stack",
      stack.name,
      "--config-file",
      stack.configFile,
    ]);
    assert.equal(set.code, 0, describeRun("pulumi config set --secret", [], set));
    const written = parse(fs.readFileSync(stack.configFile, "utf8")) as {
      encryptionsalt?: string;
      config: Record<string, unknown>;
    };
    secret = {
      ...(written.encryptionsalt === undefined ? {} : { encryptionsalt: written.encryptionsalt }),
      token: written.config["k8s-ml-patterns:modelSourceToken"],
    };
    assert.ok(typeof secret.token === "object", "the token is stored encrypted in the stack file");
  });

  beforeEach(function () {
    deadline = Date.now() + this.timeout() - STOP_MARGIN_MS;
    steps = [];
  });

  // A failed test reports what it ran and what the cluster shows: the workloads of the
  // namespace, its recent events and the ends of the control plane's logs.
  afterEach(async function () {
    if (this.currentTest?.state !== "failed") return;
    const report = [`steps: ${steps.join("; ")}`];
    for (const args of [
      ["get", "deploy,rs,pods", "-n", NAMESPACE, "-o", "wide"],
      ["get", "events", "-n", NAMESPACE, "--sort-by=.lastTimestamp"],
    ]) {
      const result = await kubectlRun(args);
      report.push(
        `$ kubectl ${args.join(" ")}\n${result.stdout.split("\n").slice(-40).join("\n")}${result.stderr}`,
      );
    }
    for (const name of COMPONENT_LOGS) {
      const file = path.join(CLUSTER_DIR, "logs", `${name}.log`);
      if (!fs.existsSync(file)) continue;
      report.push(`--- ${file} (end)\n${fs.readFileSync(file, "utf8").split("\n").slice(-15).join("\n")}`);
    }
    console.log(report.join("\n"));
  });

  after(async () => {
    if (stack !== undefined && process.env.K8S_ML_E2E_KEEP_CLUSTER !== "1") {
      const result = await stack.destroy();
      assert.equal(result.code, 0, describeRun("pulumi destroy", [stack.name], result));
    }
    if (startedCluster && process.env.K8S_ML_E2E_KEEP_CLUSTER !== "1") await clusterDown();
  });

  it("deploys the stack, its model-source token as a Kubernetes Secret", async () => {
    await up(0);
    const tokenSecret = await kubectlJson<KObject & { data: Partial<Record<string, string>> }>([
      "secret",
      `${NAMESPACE}-model-source`,
      "-n",
      NAMESPACE,
    ]);
    assert.equal(Buffer.from(tokenSecret.data.MODEL_SOURCE_TOKEN ?? "", "base64").toString(), TOKEN);
  });

  it("the API server stopped and started again mid-update: the next up converges, nothing lost or duplicated", async () => {
    const { run, before } = await upWithFault(1, restart("kube-apiserver"));
    console.log(`      faulted up exited ${String(run.code)}`);
    await assertConverges(1, run, before);
  });

  it("etcd stopped and started again mid-update: the next up converges, nothing lost or duplicated", async () => {
    const { run, before } = await upWithFault(2, restart("etcd"));
    console.log(`      faulted up exited ${String(run.code)}`);
    await assertConverges(2, run, before);
  });

  it("the Kubernetes provider killed mid-update: the update fails, the next up converges", async () => {
    const { run, before } = await upWithFault(3, (up) => {
      const pid = up.pid;
      assert.ok(pid !== undefined);
      const providers = descendants(pid).filter((p) => p.exe.endsWith("/pulumi-resource-kubernetes"));
      assert.ok(providers.length > 0, "the running up has a Kubernetes provider process");
      for (const p of providers) process.kill(p.pid, "SIGKILL");
      return Promise.resolve();
    });
    assert.notEqual(run.code, 0, "an update whose provider was killed must not report success");
    await assertConverges(3, run, before);
  });

  it("a second pulumi up while one runs is refused by the lock, and the first completes", async () => {
    const { run, before } = await upWithFault(4, async () => {
      const second = await pulumi(prepared().upArgs());
      assert.notEqual(second.code, 0, "the second up must be refused");
      assert.match(`${second.stdout}${second.stderr}`, /currently locked/);
    });
    assert.equal(run.code, 0, describeRun("the first pulumi up", [], run));
    await assertConverges(4, run, before);
  });

  it("never shows the model-source token in plain text, in the state or in any CLI output", async () => {
    const exported = await pulumi(["stack", "export", "--stack", prepared().name]);
    assert.equal(exported.code, 0, describeRun("pulumi stack export", [], exported));
    // The Secret's data is in the state, as a Pulumi secret (encrypted).
    assert.match(exported.stdout, /"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"/);
    const needles = [TOKEN, Buffer.from(TOKEN).toString("base64")];
    const leaks = (text: string): boolean => needles.some((needle) => text.includes(needle));
    assert.ok(!leaks(exported.stdout), "the token appears in the state");
    // Of `--json` runs, only the Node.js SDK's own debug diagnostics of its resource RPCs carry
    // it: the SDK logs each RegisterResource response, secret outputs unmasked, and the engine
    // forwards debug diagnostics into the JSON event stream (upstream behaviour; docs/local-cluster.md, "Control-plane faults").
    // Every other line of every output, the human-readable ones whole, must not.
    const leaked = outputs.flatMap((text, i) =>
      text.split("\n").flatMap((line) => {
        if (!leaks(line)) return [];
        if (line.startsWith('{"sequence":')) {
          const event = JSON.parse(line) as EngineEvent;
          const d = event.diagnosticEvent;
          if (d?.severity === "debug" && /^(Register|Read)Resource RPC finished: /.test(d.message)) return [];
        }
        return [
          `output ${String(i)}: ${needles.reduce((l, n) => l.split(n).join("<token>"), line).slice(0, 600)}`,
        ];
      }),
    );
    assert.deepEqual(leaked, [], "the token appears in plain text or base64");
  });
});
