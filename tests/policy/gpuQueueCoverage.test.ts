import { strict as assert } from "node:assert";
import { gpuQueueCoverage } from "../../policy/policies/gpuQueueCoverage";
import { labels, res, workload } from "./fixtures";
import { validateStack } from "./harness";

const LOCAL_QUEUE = res({
  apiVersion: "kueue.x-k8s.io/v1beta2",
  kind: "LocalQueue",
  metadata: { name: "jobs", namespace: "ml" },
  spec: { clusterQueue: "ml" },
});

const queueLabel = (name: string, component: string, queue: string): Record<string, string> => ({
  ...labels(name, component),
  "kueue.x-k8s.io/queue-name": queue,
});

async function messages(resources: Parameters<typeof validateStack>[1]): Promise<string[]> {
  return (await validateStack(gpuQueueCoverage, resources, {})).map((v) => v.message);
}

describe("gpu-queue-coverage", () => {
  it("reports a GPU Job or StatefulSet without the queue label in a namespace Kueue manages", async () => {
    const job = workload("Job", "scoring", {
      gpus: 1,
      parallelism: 2,
      completions: 2,
      labels: labels("scoring", "batch"),
    });
    const trainer = workload("StatefulSet", "t", { gpus: 2, replicas: 2, labels: labels("t", "trainer") });
    const v = await validateStack(gpuQueueCoverage, [LOCAL_QUEUE, job, trainer], {});
    assert.deepEqual(
      v.map((x) => x.urn),
      [job.urn, trainer.urn],
    );
    assert.equal(
      v[0]?.message,
      'Job ml/scoring: a GPU Job in namespace ml, which Kueue manages, is not queued: its pods would take GPUs outside the queue\'s all-or-nothing admission. Field: metadata.labels["kueue.x-k8s.io/queue-name"]; found: no such label. Fix: set metadata.labels["kueue.x-k8s.io/queue-name"] to one of: jobs',
    );
  });

  it("accepts queued workloads, serving Deployments, CPU-only jobs and namespaces without a queue", async () => {
    assert.deepEqual(
      await messages([
        LOCAL_QUEUE,
        workload("Job", "q", { gpus: 1, labels: queueLabel("q", "batch", "jobs") }),
        workload("StatefulSet", "t", { gpus: 2, replicas: 2, labels: queueLabel("t", "trainer", "jobs") }),
        workload("Deployment", "llm", { gpus: 1, replicas: 2 }),
        workload("Job", "cpu", { labels: labels("cpu", "batch") }),
        workload("Job", "elsewhere", { gpus: 1, namespace: "other", labels: labels("elsewhere", "batch") }),
      ]),
      [],
    );
  });

  it("reports a queue name the namespace does not have", async () => {
    const [message, ...rest] = await messages([
      LOCAL_QUEUE,
      workload("Job", "q", { gpus: 1, labels: queueLabel("q", "batch", "typo") }),
    ]);
    assert.deepEqual(rest, []);
    assert.match(message, /it names LocalQueue typo, which namespace ml does not have in the stack/);
  });

  it("accepts a serving Deployment on the queue, and reports one naming a queue the namespace lacks", async () => {
    const queued = workload("Deployment", "llm", {
      gpus: 1,
      replicas: 2,
      labels: queueLabel("llm", "model-server", "jobs"),
    });
    const typo = workload("Deployment", "chat", {
      gpus: 1,
      replicas: 1,
      labels: queueLabel("chat", "model-server", "typo"),
    });
    const v = await validateStack(gpuQueueCoverage, [LOCAL_QUEUE, queued, typo], {});
    assert.deepEqual(
      v.map((x) => x.urn),
      [typo.urn],
    );
    assert.match(
      v[0]?.message ?? "",
      /^Deployment ml\/chat: it names LocalQueue typo, which namespace ml does not have/,
    );
  });

  it("requires the queue label of every kind in queuedKinds, Deployments included when listed", async () => {
    const server = workload("Deployment", "llm", {
      gpus: 1,
      replicas: 2,
      labels: labels("llm", "model-server"),
    });
    const v = await validateStack(gpuQueueCoverage, [LOCAL_QUEUE, server], {
      queuedKinds: ["Job", "StatefulSet", "Deployment"],
    });
    assert.deepEqual(
      v.map((x) => x.urn),
      [server.urn],
    );
    assert.match(v[0]?.message ?? "", /a GPU Deployment in namespace ml, which Kueue manages, is not queued/);
  });
});
