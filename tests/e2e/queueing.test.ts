/**
 * End to end on the local cluster with the real Kueue controller manager (issue 16): training
 * and batch jobs of a kueue-mode stack wait in its queue and are admitted whole, and model
 * servers join the queue only when the stack says so.
 *
 * One stack (prod's name, with a small config of its own in its own namespace) goes through
 * four `pulumi up` runs:
 * 1. a training job `hold` (2 workers x 1 L40S) in a queue of 4 L40S GPUs: admitted, runs;
 * 2. plus `big` (2 x 2 GPUs, more than the 2 left) and batch `scoring` (3 x 1): `up` returns
 *    with both queued; for a full minute no pod of `big` is bound (its workers exist, gated) and
 *    its Workload is pending for quota, and `scoring` stays suspended without pods;
 * 3. the queue raised to 8: `big` (training) is admitted and all its workers start, while
 *    `scoring` (batch, lower priority, created at the same time) keeps waiting for the 2 left;
 * 4. `hold` removed: `scoring` is admitted and runs, with no further `up`;
 * 5. plus a model server `chat` (1 L40S): without `queueServing` it runs outside the queue
 *    (no queue label, no Workload);
 * 6. `queueServing` set: `up` replaces its Deployment onto the queue, where Kueue admits the
 *    server pod at the serving priority (above training) and it runs.
 *
 * Every wait is bounded; nothing asserts on how long anything took.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { stringify } from "yaml";
import { list } from "./lib/cluster";
import { type Condition, type Deployment, type KObject, live, type Pod } from "./lib/k8s";
import { describeRun, waitFor } from "./lib/run";
import { StackSession } from "./lib/session";
import { errorsOf, LocalStack } from "./lib/stack";

const NAMESPACE = "ml-queue";
const PREFIX = "ml-queue";
const L40S = "NVIDIA-L40S";

interface Workload extends KObject {
  readonly spec: { readonly queueName: string; readonly priority?: number };
  readonly status?: { readonly conditions?: readonly (Condition & { readonly message?: string })[] };
}

interface Job extends KObject {
  readonly spec: { readonly suspend?: boolean };
  readonly status: { readonly startTime?: string; readonly succeeded?: number };
}

interface QueueConfig {
  readonly queueGpus: number;
  readonly training: readonly { name: string; workers: number; gpusPerWorker: number }[];
  readonly batch: boolean;
  /** Serve model `chat`; "queued" puts it on the queue (queueing.queueServing). @default none */
  readonly serving?: "outside" | "queued";
}

/** The stack's whole config file: only the workloads under test, in kueue mode. */
function configFile(config: QueueConfig): string {
  const ns = "k8s-ml-patterns";
  return stringify({
    config: {
      [`${ns}:namespace`]: NAMESPACE,
      [`${ns}:priorityClassPrefix`]: PREFIX,
      [`${ns}:installWorkflowCrd`]: false,
      [`${ns}:gpuNodes`]: { "NVIDIA-H100-80GB-HBM3": 8, [L40S]: 4 },
      [`${ns}:quota`]: {
        // The ResourceQuota counts the gated workers of queued StatefulSets too (their pods
        // exist): 2 (hold) + 4 (big) + 3 (scoring, once admitted) fit.
        gpus: 12,
        requestsCpu: "64",
        requestsMemory: "256Gi",
        limitsMemory: "256Gi",
      },
      [`${ns}:queueing`]: {
        mode: "kueue",
        gpuQuotas: { [L40S]: config.queueGpus },
        queueServing: config.serving === "queued",
      },
      [`${ns}:monitoring`]: { enabled: false },
      // The batch job reads and writes s3:// URIs, the model loader downloads: under
      // default-deny both need their egress.
      [`${ns}:egress`]: {
        objectStorage: { cidrs: ["10.20.0.0/16"], ports: [443] },
        modelSource: { cidrs: ["10.30.0.0/16"], ports: [443] },
      },
      [`${ns}:models`]:
        config.serving === undefined
          ? []
          : [
              {
                name: "chat",
                image: "ghcr.io/k8s-ml-patterns/inference-server:1.4.0",
                loaderImage: "ghcr.io/k8s-ml-patterns/model-loader:1.4.0",
                modelUri: "s3://models/chat",
                gpuProduct: L40S,
                gpusPerPod: 1,
                cpu: "1",
                memory: "16Gi",
                replicas: 1,
              },
            ],
      [`${ns}:trainingJobs`]: config.training.map((t) => ({
        name: t.name,
        image: "ghcr.io/k8s-ml-patterns/trainer:1.4.0",
        workers: t.workers,
        gpuProduct: L40S,
        gpusPerWorker: t.gpusPerWorker,
        cpu: "1",
        memory: "16Gi",
      })),
      [`${ns}:batchJobs`]: config.batch
        ? [
            {
              name: "scoring",
              image: "ghcr.io/k8s-ml-patterns/batch-embedder:1.4.0",
              parallelism: 3,
              completions: 3,
              gpuProduct: L40S,
              gpusPerPod: 1,
              cpu: "1",
              memory: "16Gi",
              inputUri: "s3://datasets/queue",
              outputUri: "s3://scores/queue",
              activeDeadlineSeconds: 3600,
            },
          ]
        : [],
    },
  });
}

const HOLD = { name: "hold", workers: 2, gpusPerWorker: 1 };
const BIG = { name: "big", workers: 2, gpusPerWorker: 2 };

async function workloads(): Promise<Workload[]> {
  return list<Workload>(["workloads.kueue.x-k8s.io", "-n", NAMESPACE]);
}

/**
 * The Workload Kueue made for a Job, a StatefulSet or a pod (`job-<name>-...`,
 * `statefulset-<name>-...`, `pod-<pod name>-...`).
 */
async function workloadOf(kind: "job" | "statefulset" | "pod", name: string): Promise<Workload | undefined> {
  return (await workloads()).find((w) => w.metadata.name.startsWith(`${kind}-${name}-`));
}

function condition(
  workload: Workload | undefined,
  type: string,
): (Condition & { message?: string }) | undefined {
  return workload?.status?.conditions?.find((c) => c.type === type);
}

const admitted = (w: Workload | undefined): boolean => condition(w, "Admitted")?.status === "True";

/** Pending for quota: no quota reserved, and Kueue says the flavor's quota is short. */
function pendingForQuota(w: Workload | undefined): boolean {
  const reserved = condition(w, "QuotaReserved");
  return (
    w !== undefined &&
    !admitted(w) &&
    reserved?.status === "False" &&
    reserved.reason === "Pending" &&
    /insufficient (unused )?quota for nvidia\.com\/gpu/.test(reserved.message ?? "")
  );
}

async function podsOf(name: string): Promise<Pod[]> {
  return live(await list<Pod>(["pods", "-n", NAMESPACE, "-l", `app.kubernetes.io/instance=${name}`]));
}

async function deployment(name: string): Promise<Deployment | undefined> {
  return (await list<Deployment>(["deployments", "-n", NAMESPACE])).find((d) => d.metadata.name === name);
}

async function job(name: string): Promise<Job | undefined> {
  return (await list<Job>(["jobs", "-n", NAMESPACE])).find((j) => j.metadata.name === name);
}

describe("Kueue: queued training and batch jobs on the local cluster", function () {
  const session = new StackSession();
  let stack: LocalStack | undefined;

  async function up(config: QueueConfig): Promise<string> {
    assert.ok(stack !== undefined, "the stack is prepared");
    fs.writeFileSync(stack.configFile, configFile(config));
    const { result, events } = await stack.upJson();
    assert.equal(result.code, 0, `${describeRun("pulumi up", [], result)}\n${errorsOf(events)}`);
    return result.stdout;
  }

  before(async () => {
    const prepared = await session.begin("prod");
    stack = prepared;
  });

  after(async () => {
    await session.end();
  });

  it("admits a training job that fits its queue whole", async () => {
    await up({ queueGpus: 4, training: [HOLD], batch: false });
    const workload = await waitFor(
      "hold's Workload to be admitted",
      async () => {
        const w = await workloadOf("statefulset", "hold");
        return admitted(w) ? w : undefined;
      },
      { timeoutMs: 120_000 },
    );
    assert.equal(workload.spec.queueName, `${PREFIX}-queue`);
    await waitFor(
      "both workers of hold to run",
      async () => {
        const pods = await podsOf("hold");
        return pods.length === 2 && pods.every((p) => p.status.phase === "Running") ? pods : undefined;
      },
      { timeoutMs: 120_000 },
    );
  });

  it("up returns with a job that does not fit queued, and binds none of its pods for a full minute", async () => {
    const stdout = await up({ queueGpus: 4, training: [HOLD, BIG], batch: true });
    assert.match(stdout, /big: queued in LocalQueue \\?"ml-queue-queue\\?"/);
    assert.match(stdout, /scoring: queued in LocalQueue \\?"ml-queue-queue\\?"/);
    await waitFor(
      "big's Workload to be pending for quota",
      async () => {
        const w = await workloadOf("statefulset", "big");
        return pendingForQuota(w) ? w : undefined;
      },
      { timeoutMs: 120_000 },
    );
    // A full minute, polled: the workers exist but are gated; none is bound or holds a GPU.
    const until = Date.now() + 60_000;
    let polls = 0;
    while (Date.now() < until) {
      const pods = await podsOf("big");
      assert.equal(pods.length, 2, "big's workers exist, gated");
      for (const pod of pods) assert.equal(pod.spec.nodeName, undefined, `${pod.metadata.name} is not bound`);
      assert.ok(pendingForQuota(await workloadOf("statefulset", "big")), "big stays pending for quota");
      const scoring = await job("scoring");
      assert.equal(scoring?.spec.suspend, true, "scoring stays suspended");
      assert.equal((await podsOf("scoring")).length, 0, "scoring has no pods");
      polls += 1;
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
    // The loop polls until the minute is over, however slowly each poll runs on a loaded
    // machine; the check after it falls after the minute. A few polls spread over it suffice.
    assert.ok(polls >= 3, `polled ${polls} times`);
    assert.ok(pendingForQuota(await workloadOf("job", "scoring")), "scoring is pending for quota");
  });

  it("starts all workers of the training job once up raises the quota, ahead of the batch job", async () => {
    await up({ queueGpus: 8, training: [HOLD, BIG], batch: true });
    const pods = await waitFor(
      "all workers of big to run",
      async () => {
        const all = await podsOf("big");
        return all.length === 2 && all.every((p) => p.status.phase === "Running" && p.spec.nodeName)
          ? all
          : undefined;
      },
      { timeoutMs: 180_000 },
    );
    assert.ok(admitted(await workloadOf("statefulset", "big")));
    for (const pod of pods) assert.ok(pod.spec.nodeName?.startsWith("gpu-l40s-"), pod.spec.nodeName);
    // 2 of 8 left: the batch job (lower priority, 3 GPUs) waits behind the training jobs.
    const scoring = await workloadOf("job", "scoring");
    assert.ok(pendingForQuota(scoring), JSON.stringify(scoring?.status));
    assert.equal((await job("scoring"))?.spec.suspend, true);
    const training = await workloadOf("statefulset", "big");
    assert.ok((training?.spec.priority ?? 0) > (scoring?.spec.priority ?? 0), "training outranks batch");
  });

  it("admits the waiting batch job when a training job is gone, with no further up", async () => {
    await up({ queueGpus: 8, training: [BIG], batch: true });
    await waitFor(
      "scoring to be admitted and started",
      async () => {
        const w = await workloadOf("job", "scoring");
        const j = await job("scoring");
        return admitted(w) && j?.spec.suspend === false && j.status.startTime !== undefined ? j : undefined;
      },
      { timeoutMs: 180_000 },
    );
  });

  it("keeps a model server outside the queue unless queueServing is set", async () => {
    await up({ queueGpus: 8, training: [BIG], batch: true, serving: "outside" });
    const server = await waitFor(
      "chat to be available",
      async () => {
        const d = await deployment("chat");
        return (d?.status.availableReplicas ?? 0) >= 1 ? d : undefined;
      },
      { timeoutMs: 180_000 },
    );
    assert.equal(server.metadata.labels?.["kueue.x-k8s.io/queue-name"], undefined);
    const pod = (await podsOf("chat")).at(0);
    assert.ok(pod !== undefined, "chat has a pod");
    assert.equal(await workloadOf("pod", pod.metadata.name), undefined, "Kueue does not manage chat's pod");
  });

  it("with queueServing, replaces the Deployment onto the queue, where Kueue admits each server pod", async () => {
    const before = await deployment("chat");
    assert.ok(before !== undefined);
    const stdout = await up({ queueGpus: 8, training: [BIG], batch: true, serving: "queued" });
    assert.match(stdout, /chat: queued in LocalQueue \\?"ml-queue-queue\\?"/);
    const after = await deployment("chat");
    assert.ok(after !== undefined);
    assert.notEqual(after.metadata.uid, before.metadata.uid, "the Deployment was replaced");
    assert.equal(after.metadata.labels?.["kueue.x-k8s.io/queue-name"], `${PREFIX}-queue`);
    const pod = await waitFor(
      "chat's new pod to be admitted by Kueue and run",
      async () => {
        const p = (await podsOf("chat")).at(0);
        if (p === undefined || p.status.phase !== "Running") return undefined;
        return admitted(await workloadOf("pod", p.metadata.name)) ? p : undefined;
      },
      { timeoutMs: 180_000 },
    );
    assert.ok(pod.spec.nodeName?.startsWith("gpu-l40s-"), pod.spec.nodeName);
    const serving = await workloadOf("pod", pod.metadata.name);
    assert.ok(serving !== undefined, "chat's pod has a Workload");
    assert.equal(serving.spec.queueName, `${PREFIX}-queue`);
    const training = await workloadOf("statefulset", "big");
    assert.ok((serving.spec.priority ?? 0) > (training?.spec.priority ?? 0), "serving outranks training");
    await waitFor(
      "chat to be available again",
      async () => {
        const d = await deployment("chat");
        return (d?.status.availableReplicas ?? 0) >= 1 ? d : undefined;
      },
      { timeoutMs: 180_000 },
    );
  });
});
