/**
 * End to end on the local cluster (issue 14): KEDA for real. The KEDA operator and its metrics
 * server (built from the kedacore/keda module, started by scripts/cluster.sh) act on the
 * ScaledObject dev's model server gets when its stack config says `keda: true`.
 *
 * dev is deployed with its own config, except that its model scales with KEDA, woken by pods
 * labelled WAKE_LABEL=<model> (the kubernetes-workload trigger: nothing outside the cluster),
 * with a short polling interval and cooldown through stack config; then:
 * 1. the ScaledObject is Ready and KEDA's HPA (keda-hpa-<name>) has the configured bounds and
 *    reads its metrics (the workload count through external.metrics.k8s.io, CPU from
 *    metrics-server);
 * 2. minReplicas 0 in stack config: after `pulumi up`, KEDA scales the Deployment to zero;
 * 3. a pod carrying the wake-up label: KEDA wakes the Deployment (at least one replica);
 * 4. `pulumi up` changes nothing and leaves the replica count to KEDA;
 * 5. the wake-up pod gone: KEDA scales the Deployment back to zero after the cooldown.
 *
 * Every wait is bounded; nothing asserts on how long anything took. The times observed are
 * printed for the record.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { getOrUndefined, kubectl, kubectlJson, list, ROOT } from "./lib/cluster";
import { type Condition, type KObject, live, type Pod } from "./lib/k8s";
import { describeRun, waitFor } from "./lib/run";
import { type ManagedDeployment, upChangesNothing } from "./lib/secondUp";
import { StackSession } from "./lib/session";
import { errorsOf, type LocalStack } from "./lib/stack";
import { stackConfig } from "./lib/stackConfig";

const WAKE_LABEL = "k8s-ml-patterns/wakes";
const POLLING_SECONDS = 5;
const COOLDOWN_SECONDS = 20;
const MAX_REPLICAS = 2;
const WAKE_POD = "keda-e2e-wake-up";

function devFile(): { config: Record<string, unknown> } {
  return parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
}

/** dev's models, the first scaled by KEDA from `minReplicas`, woken by WAKE_LABEL=<its name>. */
function kedaModels(minReplicas: number): Record<string, unknown>[] {
  const models = devFile().config["k8s-ml-patterns:models"] as Record<string, unknown>[];
  return models.map((m, i) =>
    i === 0
      ? {
          ...m,
          autoscaling: {
            minReplicas,
            maxReplicas: MAX_REPLICAS,
            targetCpuUtilization: 70,
            keda: true,
            hpa: false,
            wakeUpPodSelector: `${WAKE_LABEL}=${String(m.name)}`,
            kedaPollingIntervalSeconds: POLLING_SECONDS,
            kedaCooldownSeconds: COOLDOWN_SECONDS,
            scaleDownStabilizationSeconds: 30,
          },
        }
      : m,
  );
}

/** Pulumi.dev.yaml with the KEDA autoscaling above. */
function configFile(minReplicas: number): string {
  const file = devFile();
  file.config["k8s-ml-patterns:models"] = kedaModels(minReplicas);
  return stringifyYaml(file);
}

// The program's own loader validates the config the test deploys.
const dev = stackConfig("dev", { "k8s-ml-patterns:models": JSON.stringify(kedaModels(0)) });
const model = dev.models[0];
const namespace = dev.namespace;

interface ScaledObject extends KObject {
  readonly spec: {
    readonly scaleTargetRef: { readonly name: string };
    readonly minReplicaCount?: number;
    readonly maxReplicaCount?: number;
    readonly triggers: readonly { readonly type: string }[];
  };
  readonly status?: {
    readonly hpaName?: string;
    readonly conditions?: readonly (Condition & { readonly message?: string })[];
  };
}

interface HorizontalPodAutoscaler extends KObject {
  readonly spec: {
    readonly scaleTargetRef: { readonly kind: string; readonly name: string };
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly metrics: readonly {
      readonly type: string;
      readonly external?: { readonly metric: { readonly name: string } };
    }[];
  };
  readonly status: {
    readonly currentMetrics?: readonly { readonly type: string }[];
    readonly conditions?: readonly (Condition & { readonly message?: string })[];
  };
}

async function scaledObject(): Promise<ScaledObject | undefined> {
  const all = await list<ScaledObject>(["scaledobjects.keda.sh", "-n", namespace]);
  return all.find((s) => s.spec.scaleTargetRef.name === model.name);
}

function conditionOf(
  object: { status?: { conditions?: readonly (Condition & { message?: string })[] } } | undefined,
  type: string,
): (Condition & { message?: string }) | undefined {
  return object?.status?.conditions?.find((c) => c.type === type);
}

function describeConditions(
  object: { status?: { conditions?: readonly (Condition & { message?: string })[] } } | undefined,
): string {
  return (object?.status?.conditions ?? [])
    .map((c) => `${c.type}=${c.status} (${c.reason ?? ""}: ${c.message ?? ""})`)
    .join("; ");
}

async function deployment(): Promise<ManagedDeployment> {
  return kubectlJson<ManagedDeployment>(["deployment", model.name, "-n", namespace, "--show-managed-fields"]);
}

async function serverPods(): Promise<Pod[]> {
  return live(await list<Pod>(["pods", "-n", namespace, "-l", `app.kubernetes.io/instance=${model.name}`]));
}

/** A client of the model, as a user would label one: restricted Pod Security, small and bounded. */
function wakeUpPod(): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: WAKE_POD, namespace, labels: { [WAKE_LABEL]: model.name, app: "keda-e2e-client" } },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "client",
          image: "ghcr.io/k8s-ml-patterns/batch-embedder:1.4.0",
          resources: {
            requests: { cpu: "100m", memory: "64Mi" },
            limits: { cpu: "100m", memory: "64Mi" },
          },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        },
      ],
    },
  });
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(0)} s`;

describe("KEDA: dev's model server scaled to and from zero by the real operator", function () {
  const session = new StackSession();
  let stack: LocalStack | undefined;
  const observed: string[] = [];

  async function up(minReplicas: number): Promise<void> {
    assert.ok(stack !== undefined);
    fs.writeFileSync(stack.configFile, configFile(minReplicas));
    const { result, events } = await stack.upJson();
    assert.equal(result.code, 0, `${describeRun("pulumi up", [], result)}\n${errorsOf(events)}`);
  }

  async function waitReplicas(what: string, ok: (replicas: number, pods: number) => boolean): Promise<void> {
    let last = "";
    await waitFor(
      what,
      async () => {
        const d = await deployment();
        const pods = (await serverPods()).length;
        const so = await scaledObject();
        last = `spec.replicas ${String(d.spec.replicas)}, ${String(pods)} pods; ScaledObject ${describeConditions(so)}`;
        return ok(d.spec.replicas, pods) ? d : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 1000, describe: () => last },
    );
  }

  before(async () => {
    stack = await session.begin("dev");
    await up(1);
  });

  after(async () => {
    await kubectl(["delete", "pod", WAKE_POD, "-n", namespace, "--ignore-not-found", "--wait=false"]).catch(
      () => undefined,
    );
    if (observed.length > 0) console.log(`    observed: ${observed.join("; ")}`);
    await session.end();
  });

  it("the ScaledObject is Ready and KEDA's HPA has the configured bounds and reads its metrics", async () => {
    let so: ScaledObject | undefined;
    so = await waitFor(
      "the ScaledObject to be Ready",
      async () => {
        so = await scaledObject();
        return conditionOf(so, "Ready")?.status === "True" ? so : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 2000, describe: () => describeConditions(so) },
    );
    assert.deepEqual(
      so.spec.triggers.map((t) => t.type),
      ["kubernetes-workload", "cpu"],
    );
    const hpaName = `keda-hpa-${so.metadata.name}`;
    assert.equal(so.status?.hpaName, hpaName);
    let hpa: HorizontalPodAutoscaler | undefined;
    hpa = await waitFor(
      `KEDA's HPA ${hpaName} to read its metrics (ScalingActive)`,
      async () => {
        hpa = await getOrUndefined<HorizontalPodAutoscaler>(["hpa", hpaName, "-n", namespace]);
        return conditionOf(hpa, "ScalingActive")?.status === "True" ? hpa : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 2000, describe: () => describeConditions(hpa) },
    );
    assert.deepEqual(hpa.spec.scaleTargetRef, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: model.name,
    });
    assert.equal(hpa.spec.minReplicas, 1);
    assert.equal(hpa.spec.maxReplicas, MAX_REPLICAS);
    // KEDA lists the CPU metric first, then the external ones.
    assert.deepEqual(hpa.spec.metrics.map((m) => m.type).sort(), ["ContainerResource", "External"]);
    // The external metric is the workload count, served by KEDA's metrics server.
    const metric = hpa.spec.metrics.find((m) => m.type === "External")?.external?.metric.name ?? "";
    assert.match(metric, /^s0-workload-/);
    const value = JSON.parse(
      await kubectl([
        "get",
        "--raw",
        `/apis/external.metrics.k8s.io/v1beta1/namespaces/${namespace}/${metric}?labelSelector=${encodeURIComponent(`scaledobject.keda.sh/name=${so.metadata.name}`)}`,
      ]),
    ) as { items: { value: string }[] };
    assert.equal(value.items.length, 1, JSON.stringify(value));
    assert.equal(value.items[0].value, "0", "no pod carries the wake-up label yet");
  });

  it("minReplicas 0 from stack config: KEDA scales the Deployment to zero", async () => {
    await up(0);
    const start = Date.now();
    const so = await scaledObject();
    assert.equal(so?.spec.minReplicaCount, 0);
    await waitReplicas(`${model.name} scaled to zero`, (replicas, pods) => replicas === 0 && pods === 0);
    observed.push(
      `scale to zero ${seconds(Date.now() - start)} after up (cooldown ${String(COOLDOWN_SECONDS)} s)`,
    );
    const after = await scaledObject();
    assert.equal(conditionOf(after, "Active")?.status, "False", describeConditions(after));
    // KEDA's HPA keeps 1 as its floor; KEDA itself takes the Deployment between 0 and 1.
    const hpa = await kubectlJson<HorizontalPodAutoscaler>([
      "hpa",
      `keda-hpa-${String(after?.metadata.name)}`,
      "-n",
      namespace,
    ]);
    assert.equal(hpa.spec.minReplicas, 1);
    assert.equal(hpa.spec.maxReplicas, MAX_REPLICAS);
  });

  it("a pod carrying the wake-up label wakes the Deployment from zero", async () => {
    await kubectl(["apply", "-f", "-"], wakeUpPod());
    const start = Date.now();
    await waitReplicas(`${model.name} woken`, (replicas) => replicas >= 1);
    observed.push(`wake-up 0 -> 1 in ${seconds(Date.now() - start)} (polling ${String(POLLING_SECONDS)} s)`);
    const so = await scaledObject();
    assert.equal(conditionOf(so, "Active")?.status, "True", describeConditions(so));
    await waitReplicas(`${model.name}'s pod running`, (replicas, pods) => replicas >= 1 && pods >= 1);
  });

  it("pulumi up changes nothing and leaves the replica count to KEDA", async () => {
    assert.ok(stack !== undefined);
    const after = await upChangesNothing(stack, deployment);
    assert.ok(after.spec.replicas >= 1, `spec.replicas ${String(after.spec.replicas)}`);
  });

  it("the wake-up pod gone: KEDA scales the Deployment back to zero after the cooldown", async () => {
    await kubectl(["delete", "pod", WAKE_POD, "-n", namespace, "--wait=true", "--timeout=120s"]);
    const start = Date.now();
    await waitReplicas(`${model.name} back at zero`, (replicas, pods) => replicas === 0 && pods === 0);
    observed.push(`back to zero ${seconds(Date.now() - start)} after the pod was deleted`);
  });
});
