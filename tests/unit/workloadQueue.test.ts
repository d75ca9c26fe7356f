import { strict as assert } from "node:assert";
import { ValidationError } from "../../components/lib/validation";
import {
  clusterQueueSpec,
  gpuFlavorSpecs,
  localQueueSpec,
  withWorkloadQueueDefaults,
  WorkloadQueue,
  type WorkloadQueueArgs,
  workloadPriorityClassSpecs,
} from "../../components/workloadQueue";
import { registrations, resetRegistrations, useMocks, valueOf } from "./harness";

const BASE: WorkloadQueueArgs = {
  namespace: "ml-prod",
  gpuQuotas: { "NVIDIA-L40S": 4, "NVIDIA-H100-80GB-HBM3": 10 },
  cpu: "192",
  memory: "1Ti",
  prefix: "ml-prod",
};

function settings(args: Partial<WorkloadQueueArgs> = {}): ReturnType<typeof withWorkloadQueueDefaults> {
  return withWorkloadQueueDefaults("ml-prod", { ...BASE, ...args } as Parameters<
    typeof withWorkloadQueueDefaults
  >[1]);
}

async function assertRejected(args: Partial<WorkloadQueueArgs>, problem: string, name = "q"): Promise<void> {
  resetRegistrations();
  assert.throws(
    () => new WorkloadQueue(name, { ...BASE, ...args }),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.equal(error.message, `WorkloadQueue ${JSON.stringify(name)}: invalid arguments: ${problem}`);
      return true;
    },
  );
  assert.deepEqual(await registrations(), []);
}

describe("WorkloadQueue specs", () => {
  it("makes one ResourceFlavor per GPU product with its node label and the GPU taint's toleration", () => {
    const flavors = gpuFlavorSpecs(settings());
    assert.deepEqual(
      flavors.map((f) => [f.metadata.name, f.spec]),
      [
        [
          "k8sml-nvidia-h100-80gb-hbm3",
          {
            nodeLabels: { "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3" },
            tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
          },
        ],
        [
          "k8sml-nvidia-l40s",
          {
            nodeLabels: { "nvidia.com/gpu.product": "NVIDIA-L40S" },
            tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
          },
        ],
      ],
    );
  });

  it("caps GPUs per flavor and CPU and memory in one ClusterQueue for the namespace only", () => {
    const queue = clusterQueueSpec(settings());
    assert.equal(queue.metadata.name, "ml-prod");
    assert.deepEqual(queue.spec.namespaceSelector, {
      matchLabels: { "kubernetes.io/metadata.name": "ml-prod" },
    });
    assert.equal(queue.spec.cohortName, undefined);
    assert.equal(queue.spec.queueingStrategy, "BestEffortFIFO");
    assert.deepEqual(queue.spec.preemption, { withinClusterQueue: "LowerPriority" });
    assert.deepEqual(queue.spec.resourceGroups, [
      {
        coveredResources: ["nvidia.com/gpu"],
        flavors: [
          {
            name: "k8sml-nvidia-h100-80gb-hbm3",
            resources: [{ name: "nvidia.com/gpu", nominalQuota: 10 }],
          },
          { name: "k8sml-nvidia-l40s", resources: [{ name: "nvidia.com/gpu", nominalQuota: 4 }] },
        ],
      },
      {
        coveredResources: ["cpu", "memory"],
        flavors: [
          {
            name: "k8sml-cpu-memory",
            resources: [
              { name: "cpu", nominalQuota: "192" },
              { name: "memory", nominalQuota: "1Ti" },
            ],
          },
        ],
      },
    ]);
  });

  it("joins a cohort with a GPU borrowing limit, and can turn preemption off", () => {
    const queue = clusterQueueSpec(
      settings({ cohort: "ml-shared", gpuBorrowingLimit: 2, preemptLowerPriority: false }),
    );
    assert.equal(queue.spec.cohortName, "ml-shared");
    assert.deepEqual(queue.spec.preemption, { withinClusterQueue: "Never" });
    assert.deepEqual(
      queue.spec.resourceGroups[0]?.flavors.map((f) => f.resources),
      [
        [{ name: "nvidia.com/gpu", nominalQuota: 10, borrowingLimit: 2 }],
        [{ name: "nvidia.com/gpu", nominalQuota: 4, borrowingLimit: 2 }],
      ],
    );
  });

  it("points the LocalQueue at the ClusterQueue and ranks serving > training > batch", () => {
    assert.deepEqual(localQueueSpec(settings({ localQueueName: "jobs" })).spec, { clusterQueue: "ml-prod" });
    assert.equal(localQueueSpec(settings({ localQueueName: "jobs" })).metadata.namespace, "ml-prod");
    const classes = workloadPriorityClassSpecs(settings());
    assert.deepEqual(
      [classes.serving, classes.training, classes.batch].map((c) => [c.metadata.name, c.value]),
      [
        ["ml-prod-serving", 100000],
        ["ml-prod-training", 50000],
        ["ml-prod-batch", 10000],
      ],
    );
  });
});

describe("WorkloadQueue component", () => {
  before(() => useMocks());
  beforeEach(resetRegistrations);

  it("creates the flavors, the queues and the priority classes, and outputs their names", async () => {
    const queue = new WorkloadQueue("ml-prod", BASE);
    const all = (await registrations()).filter((r) => r.type.startsWith("kubernetes:"));
    assert.deepEqual(all.map((r) => `${r.type} ${r.name}`).sort(), [
      "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue ml-prod-cluster-queue",
      "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue ml-prod-local-queue",
      "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor ml-prod-flavor-cpu-memory",
      "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor ml-prod-flavor-nvidia-h100-80gb-hbm3",
      "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor ml-prod-flavor-nvidia-l40s",
      "kubernetes:kueue.x-k8s.io/v1beta2:WorkloadPriorityClass ml-prod-batch",
      "kubernetes:kueue.x-k8s.io/v1beta2:WorkloadPriorityClass ml-prod-serving",
      "kubernetes:kueue.x-k8s.io/v1beta2:WorkloadPriorityClass ml-prod-training",
    ]);
    const wpc = all.find((r) => r.name === "ml-prod-training");
    assert.equal(wpc?.inputs.value, 50000);
    assert.equal(await valueOf(queue.localQueueName), "ml-prod");
    assert.equal(await valueOf(queue.clusterQueueName), "ml-prod");
    assert.equal(await valueOf(queue.priorityClassNames.batch), "ml-prod-batch");
  });

  it("leaves the flavors to another stack when installFlavors is false", async () => {
    new WorkloadQueue("ml-prod", { ...BASE, installFlavors: false });
    const kinds = (await registrations()).map((r) => r.type);
    assert.ok(!kinds.some((t) => t.endsWith(":ResourceFlavor")), kinds.join(", "));
    assert.ok(kinds.some((t) => t.endsWith(":ClusterQueue")));
  });

  it("rejects bad arguments before registering anything", async () => {
    await assertRejected(
      { gpuQuotas: { "NVIDIA-L40S": -1 } },
      'gpuQuotas["NVIDIA-L40S"] must be a whole number of GPUs, at least 0; got -1',
    );
    await assertRejected({ gpuQuotas: {} }, "gpuQuotas must be a map with at least one GPU product; got {}");
    await assertRejected(
      { gpuQuotas: { GPU_X: 1 } },
      `gpuQuotas["GPU_X"] must be a product whose flavor name "k8sml-gpu_x" is a DNS-1123 subdomain (no '_'); got "GPU_X"`,
    );
    await assertRejected(
      { gpuBorrowingLimit: 2 },
      "gpuBorrowingLimit must be 0 unless cohort is set (a queue borrows only from its cohort); got 2",
    );
    await assertRejected(
      { batchValue: 60000 },
      "batchValue must be below trainingValue (50000), so that serving outranks training and training outranks batch; got 60000",
    );
    await assertRejected(
      { cpu: "0" },
      'cpu must be a positive Kubernetes quantity such as "500m", "4" or "16Gi"; got "0"',
    );
  });
});
