import { strict as assert } from "node:assert";
import { batchJob, withBatchInferenceDefaults } from "../../components/batchInference";
import { trainingStatefulSet, withDistributedTrainingDefaults } from "../../components/distributedTraining";
import { ValidationError } from "../../components/lib/validation";
import { DistributedTraining } from "../../components/distributedTraining";
import { buildDeployment, ModelServing, withModelServingDefaults } from "../../components/modelServing";
import { captureOptions } from "./captureOptions";
import { planStack, validatePlan } from "../../program/plan";
import { parseStackConfig, readRawConfig } from "../../config/load";
import { registrations, resetRegistrations, useMocks } from "./harness";
import { stackConfigText } from "./stackFiles";

const QUEUE = { queueName: "ml-queue", workloadPriorityClassName: "ml-training" };
const BATCH = {
  namespace: "ml",
  image: "scorer:1.0",
  completions: 4,
  parallelism: 2,
  inputUri: "s3://in",
  outputUri: "s3://out",
};

const SERVER = {
  namespace: "ml",
  modelName: "chat",
  modelUri: "s3://models/chat",
  image: "server:1.0",
  gpuProducts: ["NVIDIA-L40S"],
};

describe("queued training, batch and serving workloads", () => {
  it("label a queued StatefulSet with its queue and priority, and wait only until it is observed", () => {
    const queued = trainingStatefulSet(
      withDistributedTrainingDefaults("t", { namespace: "ml", image: "trainer:1.0", workers: 4, ...QUEUE }),
    );
    const labels = queued.metadata.labels as Record<string, string>;
    assert.equal(labels["kueue.x-k8s.io/queue-name"], "ml-queue");
    assert.equal(labels["kueue.x-k8s.io/priority-class"], "ml-training");
    const annotations = queued.metadata.annotations as Record<string, string>;
    assert.equal(annotations["pulumi.com/waitFor"], "jsonpath={.status.observedGeneration}");
    const plain = trainingStatefulSet(
      withDistributedTrainingDefaults("t", { namespace: "ml", image: "trainer:1.0", workers: 4 }),
    );
    assert.equal(plain.metadata.labels?.["kueue.x-k8s.io/queue-name" as never], undefined);
    assert.equal(plain.metadata.annotations?.["pulumi.com/waitFor" as never], undefined);
  });

  it("label a queued Job and wait only until the API server holds it, not for its start", () => {
    const queued = batchJob(withBatchInferenceDefaults("b", { ...BATCH, queueName: "ml-queue" }));
    assert.equal(queued.metadata.labels?.["kueue.x-k8s.io/queue-name" as never], "ml-queue");
    assert.deepEqual(queued.metadata.annotations, { "pulumi.com/waitFor": "jsonpath={.spec.suspend}" });
    // The Job is not written suspended: Kueue's webhook suspends it, so a later `pulumi up`
    // never suspends a Job Kueue has admitted.
    assert.equal((queued.spec as { suspend?: boolean }).suspend, undefined);
    const plain = batchJob(withBatchInferenceDefaults("b", BATCH));
    assert.deepEqual(plain.metadata.annotations, { "pulumi.com/waitFor": "jsonpath={.status.startTime}" });
  });

  it("rejects a priority class without a queue, before registering anything", async () => {
    await useMocks();
    resetRegistrations();
    assert.throws(
      () =>
        new DistributedTraining("t", {
          namespace: "ml",
          image: "trainer:1.0",
          workers: 2,
          workloadPriorityClassName: "ml-training",
        }),
      (error: unknown) =>
        error instanceof ValidationError &&
        error.message ===
          'DistributedTraining "t": invalid arguments: workloadPriorityClassName must be unset unless queueName is set (only Kueue reads it); got "ml-training"',
    );
    assert.deepEqual(await registrations(), []);
  });

  it("prod queues training and batch and keeps serving outside; dev stays on the quota", () => {
    const prod = planStack(parseStackConfig("prod", readRawConfig(stackConfigText("prod"))));
    validatePlan("prod", prod);
    const queue = prod.queue;
    assert.ok(queue !== undefined);
    assert.deepEqual(queue.args.gpuQuotas, { "NVIDIA-H100-80GB-HBM3": 10, "NVIDIA-L40S": 4 });
    assert.equal(queue.args.cpu, "192");
    for (const job of [...prod.trainingJobs, ...prod.batchJobs])
      assert.equal(job.args.queueName, "ml-prod-queue");
    assert.equal(prod.trainingJobs[0]?.args.workloadPriorityClassName, "ml-prod-training");
    assert.equal(prod.batchJobs[0]?.args.workloadPriorityClassName, "ml-prod-batch");
    assert.ok(!("queueName" in (prod.models[0]?.serving ?? {})));
    const dev = planStack(parseStackConfig("dev", readRawConfig(stackConfigText("dev"))));
    assert.equal(dev.queue, undefined);
    assert.equal(dev.trainingJobs[0]?.args.queueName, undefined);
  });

  it("label a queued Deployment (not its pods' selector) and wait only until it is observed", () => {
    const queued = buildDeployment(
      withModelServingDefaults("chat", {
        ...SERVER,
        queueName: "ml-queue",
        workloadPriorityClassName: "ml-serving",
      }),
    );
    const labels = queued.metadata.labels as Record<string, string>;
    assert.equal(labels["kueue.x-k8s.io/queue-name"], "ml-queue");
    assert.equal(labels["kueue.x-k8s.io/priority-class"], "ml-serving");
    const annotations = queued.metadata.annotations as Record<string, string>;
    assert.equal(annotations["pulumi.com/waitFor"], "jsonpath={.status.observedGeneration}");
    assert.match(annotations["pulumi.com/timeoutSeconds"] ?? "", /^\d+$/);
    const spec = queued.spec as { selector: { matchLabels: Record<string, string> } };
    assert.equal(spec.selector.matchLabels["kueue.x-k8s.io/queue-name"], undefined);
    const plain = buildDeployment(withModelServingDefaults("chat", SERVER));
    assert.equal(plain.metadata.labels?.["kueue.x-k8s.io/queue-name" as never], undefined);
    assert.equal(plain.metadata.annotations?.["pulumi.com/waitFor" as never], undefined);
  });

  it("replace a model server's Deployment, delete first, when it moves onto or off a queue", async () => {
    await useMocks();
    resetRegistrations();
    const capture = captureOptions("kubernetes:apps/v1:Deployment");
    new ModelServing(
      "chat",
      { ...SERVER, queueName: "ml-queue" },
      { transformations: capture.transformations },
    );
    await registrations();
    const options = capture.options();
    assert.deepEqual(options.replaceOnChanges, ['metadata.labels["kueue.x-k8s.io/queue-name"]']);
    assert.equal(options.deleteBeforeReplace, true);
  });

  it("rejects a model server's priority class without a queue, before registering anything", async () => {
    await useMocks();
    resetRegistrations();
    assert.throws(
      () => new ModelServing("chat", { ...SERVER, workloadPriorityClassName: "ml-serving" }),
      (error: unknown) =>
        error instanceof ValidationError &&
        error.message ===
          'ModelServing "chat": invalid arguments: workloadPriorityClassName must be unset unless queueName is set (only Kueue reads it); got "ml-serving"',
    );
    assert.deepEqual(await registrations(), []);
  });

  it("with queueing.queueServing, prod puts its model servers on the queue at the serving priority", () => {
    const raw = readRawConfig(stackConfigText("prod"));
    const queueing = raw.queueing as { gpuQuotas: Record<string, number> };
    // llama-70b runs up to 10 pods + 1 rollout surge of 1 H100: the queue must hold 11.
    raw.queueing = {
      ...queueing,
      gpuQuotas: { ...queueing.gpuQuotas, "NVIDIA-H100-80GB-HBM3": 11 },
      queueServing: true,
    };
    const prod = planStack(parseStackConfig("prod", raw));
    validatePlan("prod", prod);
    for (const model of prod.models) {
      assert.equal(model.serving.queueName, "ml-prod-queue");
      assert.equal(model.serving.workloadPriorityClassName, "ml-prod-serving");
    }
    assert.equal(prod.trainingJobs[0]?.args.queueName, "ml-prod-queue");
  });
});
