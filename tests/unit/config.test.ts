import { strict as assert } from "node:assert";
import { gpuDemand } from "../../config/gpuDemand";
import { readRawConfig, parseStackConfig } from "../../config/load";
import { ConfigError } from "../../config/problems";
import { CONFIG_KEYS, stackConfigSchema } from "../../config/schema";
import { projectFile, stackConfigText } from "./stackFiles";

const reserved = {
  models: ["MODEL_DIR"],
  trainingJobs: ["RANK", "WORLD_SIZE"],
  batchJobs: ["JOB_COMPLETION_INDEX"],
};

type Item = Record<string, unknown>;
/** The raw config as a test edits it: lists of loosely typed items. */
interface RawConfig extends Item {
  quota: Item;
  models: Item[];
  trainingJobs: Item[];
  batchJobs: Item[];
}

/** A small valid config that each invalid case changes in one place. */
function validRaw(): RawConfig {
  return {
    namespace: "ml-test",
    gpuNodes: { "NVIDIA-L40S": 4, "NVIDIA-H100-80GB-HBM3": 8 },
    quota: { gpus: 8, requestsCpu: "16", limitsCpu: "32", requestsMemory: "64Gi", limitsMemory: "128Gi" },
    models: [
      {
        name: "m1",
        image: "server:1.0",
        loaderImage: "loader:1.0",
        modelUri: "s3://m/1",
        gpuProduct: "NVIDIA-L40S",
        gpusPerPod: 1,
        autoscaling: { minReplicas: 1, maxReplicas: 2 },
      },
    ],
    trainingJobs: [
      { name: "t1", image: "trainer:1.0", workers: 2, gpuProduct: "NVIDIA-L40S", gpusPerWorker: 1 },
    ],
    batchJobs: [
      {
        name: "b1",
        image: "batch:1.0",
        parallelism: 2,
        completions: 4,
        gpuProduct: "NVIDIA-L40S",
        gpusPerPod: 1,
        inputUri: "s3://in",
        outputUri: "s3://out",
      },
    ],
  };
}

/** Applies `change` to a fresh valid config and returns the ConfigError message. */
function errorFor(change: (raw: RawConfig) => void): string {
  const raw = validRaw();
  change(raw);
  try {
    parseStackConfig("dev", raw, reserved);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.message;
  }
  assert.fail("the config was accepted");
}

describe("stack config", () => {
  it("accepts the small valid config and fills defaults", () => {
    const config = parseStackConfig("dev", validRaw(), reserved);
    assert.equal(config.models[0].cpu, "4");
    assert.equal(config.models[0].autoscaling?.targetCpuUtilization, 70);
    assert.equal(config.monitoring.enabled, true);
    assert.equal(config.priorityClassPrefix, "ml");
  });

  for (const stack of ["dev", "prod"]) {
    it(`accepts Pulumi.${stack}.yaml as the CLI hands it over`, () => {
      const config = parseStackConfig(stack, readRawConfig(stackConfigText(stack)), reserved);
      assert.equal(config.namespace, `ml-${stack}`);
      const demand = gpuDemand(config).reduce((sum, s) => sum + s.gpus, 0);
      assert.ok(demand <= config.quota.gpus, `demand ${demand} over quota ${config.quota.gpus}`);
    });
  }

  it("holds the figures each stack is documented with", () => {
    const dev = parseStackConfig("dev", readRawConfig(stackConfigText("dev")), reserved);
    assert.equal(dev.models.length, 1);
    assert.equal(dev.models[0].gpusPerPod, 1);
    assert.deepEqual(
      [dev.models[0].autoscaling?.minReplicas, dev.models[0].autoscaling?.maxReplicas],
      [1, 2],
    );
    assert.equal(dev.trainingJobs[0].workers, 2);
    assert.deepEqual([dev.batchJobs[0].parallelism, dev.batchJobs[0].completions], [2, 4]);
    assert.equal(dev.quota.gpus, 4);

    const prod = parseStackConfig("prod", readRawConfig(stackConfigText("prod")), reserved);
    const model = prod.models[0];
    assert.equal(model.replicas, 3);
    assert.deepEqual(
      [
        model.autoscaling?.minReplicas,
        model.autoscaling?.maxReplicas,
        model.autoscaling?.targetCpuUtilization,
      ],
      [2, 10, 70],
    );
    assert.equal(model.autoscaling?.targetRequestsPerSecond, 1000);
    assert.equal(prod.trainingJobs[0].workers, 4);
    assert.deepEqual([prod.batchJobs[0].parallelism, prod.batchJobs[0].completions], [3, 10]);
  });

  it("declares every key in Pulumi.yaml with the schema's defaults", () => {
    const declared = projectFile().config;
    assert.deepEqual(Object.keys(declared).sort(), [...CONFIG_KEYS].sort());
    const defaults = stackConfigSchema.parse({ quota: validRaw().quota });
    for (const [key, declaration] of Object.entries(declared)) {
      if (declaration.default !== undefined) {
        assert.deepEqual(declaration.default, defaults[key as keyof typeof defaults], `default of ${key}`);
      }
    }
  });

  describe("rejects with the stack, key, value and what is allowed", () => {
    const cases: [string, (raw: RawConfig) => void, string][] = [
      [
        "negative GPUs",
        (r) => (r.models[0].gpusPerPod = -1),
        "k8s-ml-patterns:models[0].gpusPerPod must be at least 0; got -1",
      ],
      [
        "fractional GPUs",
        (r) => (r.trainingJobs[0].gpusPerWorker = 0.5),
        "k8s-ml-patterns:trainingJobs[0].gpusPerWorker must be a whole number; got 0.5",
      ],
      [
        "min > max replicas",
        (r) => (r.models[0].autoscaling = { minReplicas: 3, maxReplicas: 2 }),
        "k8s-ml-patterns:models[0].autoscaling.minReplicas must be at most maxReplicas (2); got 3",
      ],
      [
        "an unknown GPU product",
        (r) => (r.models[0].gpuProduct = "NVIDIA-B300"),
        'k8s-ml-patterns:models[0].gpuProduct must be one of the GPU products in k8s-ml-patterns:gpuNodes (NVIDIA-L40S, NVIDIA-H100-80GB-HBM3); got "NVIDIA-B300"',
      ],
      [
        "GPUs per pod over the node size",
        (r) => (r.models[0].gpusPerPod = 5),
        "k8s-ml-patterns:models[0].gpusPerPod must be at most 4, the GPUs of one NVIDIA-L40S node; got 5",
      ],
      [
        "a GPU product that cannot be a node label value",
        (r) => (r.gpuNodes = { "NVIDIA H100": 8 }),
        "k8s-ml-patterns:gpuNodes.NVIDIA H100 must be a GPU product as a node label value",
      ],
      [
        "an untagged image",
        (r) => (r.models[0].image = "vllm/vllm-openai"),
        "k8s-ml-patterns:models[0].image must be an image pinned by a tag other than 'latest' or an @sha256 digest; got \"vllm/vllm-openai\"",
      ],
      [
        "a latest image",
        (r) => (r.batchJobs[0].image = "batch:latest"),
        "k8s-ml-patterns:batchJobs[0].image must be an image pinned",
      ],
      [
        "an invalid DNS-1123 name",
        (r) => (r.models[0].name = "Llama_3"),
        "k8s-ml-patterns:models[0].name must be a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters); got \"Llama_3\"",
      ],
      [
        "an invalid namespace",
        (r) => (r.namespace = "ML"),
        "k8s-ml-patterns:namespace must be a DNS-1123 label",
      ],
      [
        "GPU demand over the quota",
        (r) => (r.quota.gpus = 5),
        'k8s-ml-patterns:quota.gpus must be at least the stack\'s GPU demand at maximum scale, 6 (models "m1": 2 pods x 1 GPUs = 2; trainingJobs "t1": 2 pods x 1 GPUs = 2; batchJobs "b1": 2 pods x 1 GPUs = 2); got 5',
      ],
      [
        "conflicting autoscalers",
        (r) => (r.models[0].autoscaling = { minReplicas: 1, maxReplicas: 2, keda: true }),
        'k8s-ml-patterns:models[0].autoscaling must be one autoscaler per Deployment: set hpa: false when keda: true (both would fight over replicas); got {"hpa":true,"keda":true}',
      ],
      [
        "env overriding an injected name",
        (r) => (r.trainingJobs[0].env = { RANK: "3" }),
        'k8s-ml-patterns:trainingJobs[0].env.RANK must be unset: RANK is injected by the workload (reserved: RANK, WORLD_SIZE); got "3"',
      ],
      [
        "parallelism over completions",
        (r) => (r.batchJobs[0].parallelism = 5),
        "k8s-ml-patterns:batchJobs[0].parallelism must be at most completions (4); got 5",
      ],
      [
        "an invalid quantity",
        (r) => (r.quota.requestsMemory = "64 GB"),
        'k8s-ml-patterns:quota.requestsMemory must be a Kubernetes quantity such as "500m", "4" or "16Gi"; got "64 GB"',
      ],
      [
        "a misspelt key",
        (r) => (r.models[0].gpusPerNode = 1),
        "k8s-ml-patterns:models[0].gpusPerNode must be a known key (it is not one; check its spelling against Pulumi.yaml); got 1",
      ],
      [
        "a missing required key",
        (r) => delete (r as Item).quota,
        "k8s-ml-patterns:quota must be an object (a YAML map); got undefined",
      ],
      [
        "an unknown queueing mode",
        (r) => (r.queueing = { mode: "slurm" }),
        'k8s-ml-patterns:queueing.mode must be one of "quota", "kueue"; got "slurm"',
      ],
      [
        "kueue mode without GPU quotas",
        (r) => (r.queueing = { mode: "kueue" }),
        "k8s-ml-patterns:queueing.gpuQuotas must be a map of GPU product (from gpuNodes) to the GPUs the queue admits, when queueing.mode is kueue; got undefined",
      ],
      [
        "a queue quota for a product the cluster does not have",
        (r) => (r.queueing = { mode: "kueue", gpuQuotas: { "NVIDIA-L40S": 4, "NVIDIA-B300": 1 } }),
        'k8s-ml-patterns:queueing.gpuQuotas.NVIDIA-B300 must be keyed by a GPU product of k8s-ml-patterns:gpuNodes (NVIDIA-L40S, NVIDIA-H100-80GB-HBM3); "NVIDIA-B300" is not one; got 1',
      ],
      [
        "a queued job that never fits its queue",
        (r) => {
          r.trainingJobs[0].workers = 4;
          r.queueing = { mode: "kueue", gpuQuotas: { "NVIDIA-L40S": 3 } };
        },
        'k8s-ml-patterns:queueing.gpuQuotas.NVIDIA-L40S must be at least 4: trainingJobs "t1" needs 4 pods x 1 GPUs = 4 at once, or it is never admitted; got 3',
      ],
      [
        "a queued job whose product has no queue quota",
        (r) => (r.queueing = { mode: "kueue", gpuQuotas: { "NVIDIA-H100-80GB-HBM3": 2 } }),
        'k8s-ml-patterns:queueing.gpuQuotas must be a map with an entry for NVIDIA-L40S, the GPU product of trainingJobs "t1"; got {"NVIDIA-H100-80GB-HBM3":2}',
      ],
      [
        "a queue whose pods, with serving's, would outgrow the ResourceQuota",
        (r) => {
          r.quota.gpus = 5;
          r.queueing = { mode: "kueue", gpuQuotas: { "NVIDIA-L40S": 4 } };
        },
        "k8s-ml-patterns:quota.gpus must be at least 6: the ResourceQuota counts every pod that exists, so 2 for the workloads outside the queue at maximum scale, 2 for the training workers (they exist, gated, while queued) and 2 for the batch jobs Kueue may admit at once (at most the queue's 4 GPUs), or it refuses pods of admitted workloads; got 5",
      ],
      [
        "borrowing without a cohort",
        (r) => (r.queueing = { mode: "kueue", gpuQuotas: { "NVIDIA-L40S": 4 }, gpuBorrowingLimit: 1 }),
        "k8s-ml-patterns:queueing.gpuBorrowingLimit must be 0 unless queueing.cohort is set (a queue borrows only from its cohort); got 1",
      ],
      [
        "Kueue keys in quota mode",
        (r) => (r.queueing = { gpuQuotas: { "NVIDIA-L40S": 4 } }),
        'k8s-ml-patterns:queueing.gpuQuotas must be unset unless queueing.mode is kueue; got {"NVIDIA-L40S":4}',
      ],
      [
        "duplicate workload names",
        (r) => (r.batchJobs[0].name = "m1"),
        'k8s-ml-patterns:batchJobs[0].name must be a name not already used by models[0]; got "m1"',
      ],
    ];
    for (const [what, change, expected] of cases) {
      it(what, () => {
        const message = errorFor(change);
        assert.ok(message.startsWith('Invalid config for stack "dev":'), message);
        assert.ok(message.includes(expected), `expected\n  ${expected}\nin\n  ${message}`);
      });
    }

    it("in kueue mode, lets queued batch jobs exceed the quota together as long as each fits its queue", () => {
      const raw = validRaw();
      // Batch jobs of 2 + 2 GPUs: with training (2) and serving (2), 8 at once, over the quota of 7.
      raw.batchJobs.push({ ...raw.batchJobs[0], name: "b2" });
      raw.quota.gpus = 7;
      assert.throws(
        () => parseStackConfig("dev", raw, reserved),
        /quota\.gpus must be at least the stack's GPU demand/,
      );
      // A queue of 3 admits one batch job at a time: 2 + 2 + 3 fit the 7.
      raw.queueing = { mode: "kueue", gpuQuotas: { "NVIDIA-L40S": 3 } };
      const config = parseStackConfig("dev", raw, reserved);
      assert.deepEqual(config.queueing, {
        mode: "kueue",
        gpuQuotas: { "NVIDIA-L40S": 3 },
        gpuBorrowingLimit: 0,
        flavorPrefix: "k8sml",
        installFlavors: true,
      });
    });

    it("lists every problem of one config in one message", () => {
      const message = errorFor((r) => {
        r.models[0].gpusPerPod = -1;
        r.namespace = "ML";
      });
      assert.match(message, /\n {2}- k8s-ml-patterns:namespace must be/);
      assert.match(message, /\n {2}- k8s-ml-patterns:models\[0\]\.gpusPerPod must be/);
    });
  });
});
