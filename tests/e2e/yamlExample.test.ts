/**
 * End to end on the local cluster (issue 19): the YAML example (examples/yaml), which uses the
 * k8sml component package (componentPackage/) through the Pulumi YAML language host, is deployed with the
 * policy pack enforced; its model server and training workers run on simulated GPU nodes of the
 * product it asks for; then it is destroyed and its TypeScript twin (the same components built
 * from the TypeScript classes with the same properties, tests/integration/yamlExample.ts) is
 * deployed to the same namespace with the same pack. Both create the same Kubernetes objects:
 * the same kinds with the same names. Every wait is bounded; nothing asserts on durations.
 *
 * Run alone:
 *   K8S_ML_E2E_CLUSTER_DIR=/tmp/<you>-cluster K8S_ML_E2E_CLUSTER_PORT_BASE=<port> \
 *     npx mocha --no-config --node-option import=tsx --timeout 1800000 --bail tests/e2e/yamlExample.test.ts
 */
import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { buildTwin, readYamlExample, YAML_EXAMPLE_DIR, yamlStackFile } from "../integration/yamlExample";
import { getOrUndefined, kubectlRun, list, ROOT } from "./lib/cluster";
import { GPU_PRODUCT_LABEL, type Node, type Pod } from "./lib/k8s";
import { describeRun, run, waitFor } from "./lib/run";
import { StackSession } from "./lib/session";
import {
  DESTROY_TIMEOUT_MS,
  errorsOf,
  type LocalStack,
  type ManagedObject,
  managedObjects,
  objectKey,
  parseEvents,
  type StateResource,
  summaryOf,
  UP_TIMEOUT_MS,
} from "./lib/stack";

const STACK = "dev";
const POLICY_PACK = path.join(ROOT, "policy");
const POLICY_CONFIG = path.join(ROOT, "policy-config", `${STACK}.json`);
const example = readYamlExample(yamlStackFile(STACK));
const namespace = example.config.namespace as string;
const gpuProduct = example.config.gpuProduct as string;
const workers = example.config.trainingWorkers as number;
const TWIN_PROJECT = "k8sml-yaml-twin";

/** The YAML program's stack in the cluster's backend, run with the CLI from examples/yaml. */
class YamlStack {
  private readonly scratch: string;
  readonly configFile: string;

  constructor(private readonly env: NodeJS.ProcessEnv) {
    this.scratch = mkdtempSync(path.join(os.tmpdir(), "k8sml-yaml-e2e-"));
    // The CLI writes the passphrase salt into the config file it is given: hand it a copy.
    this.configFile = path.join(this.scratch, `Pulumi.${STACK}.yaml`);
    writeFileSync(
      this.configFile,
      yamlStackFile(STACK).replace(/^(encryptionsalt|secretsprovider|encryptedkey):.*\n?/gm, ""),
    );
  }

  private run(args: readonly string[], timeoutMs: number) {
    return run("pulumi", [...args, "--cwd", YAML_EXAMPLE_DIR], {
      env: this.env,
      cwd: YAML_EXAMPLE_DIR,
      timeoutMs,
    });
  }

  /** Creates the stack from a scratch project of the same name, so no salt lands in the example. */
  async init(): Promise<void> {
    const project = path.join(this.scratch, "project");
    mkdirSync(project);
    writeFileSync(path.join(project, "Pulumi.yaml"), `name: ${example.project}\nruntime: yaml\n`);
    const result = await run(
      "pulumi",
      ["stack", "init", STACK, "--cwd", project, "--no-select", "--non-interactive"],
      {
        env: this.env,
        timeoutMs: 120_000,
      },
    );
    if (result.code !== 0 && !result.stderr.includes("already exists")) {
      throw new Error(describeRun("pulumi stack init", [STACK], result));
    }
  }

  async up(): Promise<ReturnType<typeof parseEvents>> {
    const args = ["up", "--stack", STACK, "--yes", "--json", "--config-file", this.configFile];
    const result = await this.run(
      [...args, "--policy-pack", POLICY_PACK, "--policy-pack-config", POLICY_CONFIG],
      UP_TIMEOUT_MS,
    );
    const events = parseEvents(result.stdout);
    assert.equal(result.code, 0, `${describeRun("pulumi", args, result)}\n${errorsOf(events)}`);
    return events;
  }

  async resources(): Promise<StateResource[]> {
    const args = ["stack", "export", "--stack", STACK];
    const result = await this.run(args, 120_000);
    assert.equal(result.code, 0, describeRun("pulumi", args, result));
    return (
      (JSON.parse(result.stdout) as { deployment?: { resources?: StateResource[] } }).deployment?.resources ??
      []
    );
  }

  async destroy(): Promise<void> {
    const args = ["destroy", "--stack", STACK, "--yes", "--skip-preview", "--config-file", this.configFile];
    const result = await this.run(args, DESTROY_TIMEOUT_MS);
    assert.equal(result.code, 0, describeRun("pulumi", args, result));
  }

  remove(): void {
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** The CLI the stack's environment puts first on PATH, for the Automation API. */
async function pulumiCommand(env: NodeJS.ProcessEnv): Promise<PulumiCommand> {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (dir !== "" && existsSync(path.join(dir, "pulumi")))
      return PulumiCommand.get({ root: path.dirname(dir) });
  }
  throw new Error("no pulumi on the PATH of scripts/up-local.sh --env");
}

/** The twin as an Automation API inline program, deployed with the same policy pack. */
async function twinStack(env: NodeJS.ProcessEnv) {
  const envVars = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return LocalWorkspace.createOrSelectStack(
    {
      projectName: TWIN_PROJECT,
      stackName: STACK,
      program: () => {
        buildTwin(example);
        return Promise.resolve({});
      },
    },
    {
      envVars,
      pulumiCommand: await pulumiCommand(env),
      projectSettings: { name: TWIN_PROJECT, runtime: "nodejs" },
    },
  );
}

/** Every managed object exists in the cluster under its kind, namespace and name. */
async function assertLive(objects: readonly ManagedObject[]): Promise<void> {
  for (const o of objects) {
    const group = o.apiVersion.includes("/") ? `.${o.apiVersion.split("/")[0]}` : "";
    const args = [
      "get",
      `${o.kind}${group}`,
      o.name,
      "-o",
      "name",
      ...(o.namespace === "" ? [] : ["-n", o.namespace]),
    ];
    const result = await kubectlRun(args);
    assert.equal(result.code, 0, describeRun("kubectl", args, result));
  }
}

/** Waits until the example's Namespace is deleted (not merely terminating). */
async function namespaceGone(): Promise<void> {
  await waitFor(
    `namespace ${namespace} to be gone`,
    async () => ((await getOrUndefined(["namespace", namespace])) === undefined ? true : undefined),
    { timeoutMs: 300_000, intervalMs: 2000 },
  );
}

const keys = (objects: readonly ManagedObject[]): string[] => objects.map(objectKey).sort();

describe("examples/yaml (the k8sml component package from YAML) on the local cluster, against its TypeScript twin", () => {
  const session = new StackSession();
  let env: NodeJS.ProcessEnv = {};
  let yaml: YamlStack | undefined;
  let yamlObjects: ManagedObject[] = [];
  let twinObjects: ManagedObject[] = [];

  const yamlStack = (): YamlStack => {
    if (yaml === undefined) throw new Error("the YAML stack was not prepared");
    return yaml;
  };

  before(async () => {
    for (const file of ["PulumiPlugin.yaml", "package.json"]) {
      assert.ok(
        existsSync(path.join(ROOT, "componentPackage", file)),
        `examples/yaml uses the k8sml component package in componentPackage/, but componentPackage/${file} does not exist`,
      );
    }
    const base: LocalStack = await session.begin(STACK);
    env = base.env;
    yaml = new YamlStack(env);
    await yaml.init();
    // What an earlier, interrupted run left: both stacks destroyed before anything is deployed.
    await yamlStack().destroy();
    await (await twinStack(env)).destroy();
  });

  after(async () => {
    if (process.env.K8S_ML_E2E_KEEP_CLUSTER === "1") return;
    if (yaml !== undefined) {
      await yaml.destroy();
      await (await twinStack(env)).destroy();
      yaml.remove();
    }
    await session.end();
  });

  it("deploys the YAML program with the policy pack: the three components and their objects", async () => {
    const events = await yamlStack().up();
    assert.equal(summaryOf(events).result, "succeeded", errorsOf(events));
    const resources = await yamlStack().resources();
    const components = resources
      .filter((r) => r.type.startsWith("k8sml:"))
      .map((r) => r.type)
      .sort();
    assert.deepEqual(components, [
      "k8sml:index:DistributedTraining",
      "k8sml:index:GpuTenancy",
      "k8sml:index:ModelServing",
    ]);
    yamlObjects = managedObjects(resources);
    assert.ok(yamlObjects.length >= 15, keys(yamlObjects).join("\n"));
    await assertLive(yamlObjects);
  });

  it("runs the model server and every training worker on nodes of the requested GPU product", async () => {
    const nodes = new Map(
      (await list<Node>(["nodes"])).map((n) => [n.metadata.name, n.metadata.labels?.[GPU_PRODUCT_LABEL]]),
    );
    const pods = await waitFor(
      `the model server and ${String(workers)} training worker(s) running in ${namespace}`,
      async () => {
        const running = (await list<Pod>(["pods", "-n", namespace])).filter(
          (p) => p.status.phase === "Running" && p.metadata.deletionTimestamp === undefined,
        );
        return running.length === 1 + workers ? running : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 2000 },
    );
    for (const pod of pods) {
      assert.equal(
        nodes.get(pod.spec.nodeName ?? ""),
        gpuProduct,
        `${pod.metadata.name} on ${pod.spec.nodeName ?? "?"}`,
      );
    }
  });

  it("deploys the TypeScript twin, after the YAML stack is destroyed, with the same policy pack", async () => {
    await yamlStack().destroy();
    await namespaceGone();
    const twin = await twinStack(env);
    const result = await twin.up({
      policyPacks: [POLICY_PACK],
      policyPackConfigs: [POLICY_CONFIG],
      color: "never",
    });
    assert.equal(result.summary.result, "succeeded", result.stderr);
    const state = await twin.exportStack();
    twinObjects = managedObjects((state.deployment as { resources?: StateResource[] }).resources ?? []);
    await assertLive(twinObjects);
  });

  it("both create the same kinds of objects with the same names", () => {
    assert.ok(twinObjects.length > 0 && yamlObjects.length > 0);
    assert.deepEqual(keys(yamlObjects), keys(twinObjects));
    // And they are in the namespace the settings name (the Namespace itself is cluster-scoped).
    for (const o of yamlObjects) assert.ok(o.namespace === namespace || o.kind === "Namespace", objectKey(o));
    assert.ok(yamlObjects.some((o) => o.kind === "Namespace" && o.name === namespace));
  });

  it("leaves nothing when both are destroyed", async () => {
    await (await twinStack(env)).destroy();
    assert.deepEqual(managedObjects(await yamlStack().resources()).map(objectKey), []);
    await namespaceGone();
    // The CLI wrote its salt into the copy, never into the committed stack file.
    assert.doesNotMatch(
      readFileSync(path.join(YAML_EXAMPLE_DIR, `Pulumi.${STACK}.yaml`), "utf8"),
      /encryptionsalt/,
    );
  });
});
