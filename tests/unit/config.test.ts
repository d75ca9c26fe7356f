import { strict as assert } from "node:assert";
import { demandOf, GPUS, MEMORY, stackDemand } from "../../config/demand";
import { readRawConfig, parseStackConfig } from "../../config/load";
import { ConfigError } from "../../config/problems";
import { CONFIG_KEYS, stackConfigSchema } from "../../config/schema";
import { parseQuantity } from "../../conventions/quantity";
import { planStack, validatePlan } from "../../program/plan";
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
  gpuSharing?: Item;
  egress: { modelSource?: Item; objectStorage?: Item; proxy?: Item; nodeLocalDnsCidrs?: unknown };
  models: Item[];
  trainingJobs: Item[];
  batchJobs: Item[];
}

/** A small valid config that each invalid case changes in one place. */
function validRaw(): RawConfig {
  return {
    namespace: "ml-test",
    gpuNodes: { "NVIDIA-L40S": 4, "NVIDIA-H100-80GB-HBM3": 8 },
    quota: { gpus: 8, requestsCpu: "40", limitsCpu: "48", requestsMemory: "160Gi", limitsMemory: "192Gi" },
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
    egress: { modelSource: { cidrs: ["10.30.8.0/24"] }, objectStorage: { cidrs: ["10.30.8.0/24"] } },
  };
}

/** KEDA scaling to zero, woken by the pods of batch clients. */
const WAKE_ON_BATCH = {
  minReplicas: 0,
  maxReplicas: 2,
  keda: true,
  hpa: false,
  wakeUpPodSelector: "app=batch-client",
};

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
  it("takes shared and MIG GPUs by config, each capped by its own quota key", () => {
    const raw = validRaw();
    raw.gpuSharing = { enabled: true };
    raw.batchJobs[0].sharedGpu = true;
    raw.models[0].migProfile = "1g.10gb";
    raw.quota.sharedGpus = 2;
    raw.quota.migDevices = { "1g.10gb": 3 };
    // Only the training job's 2 whole GPUs count against quota.gpus now.
    raw.quota.gpus = 2;
    const config = parseStackConfig("dev", raw, reserved);
    const plan = planStack(config);
    assert.equal(plan.models[0]?.serving.gpuResourceName, "nvidia.com/mig-1g.10gb");
    assert.equal(plan.batchJobs[0]?.args.gpuResourceName, "nvidia.com/gpu.shared");
    assert.equal(plan.trainingJobs[0]?.args.gpuResourceName, undefined);
    assert.equal(plan.tenancy.sharedGpuQuota, 2);
    assert.equal(plan.models[0]?.serving.modelCacheClaimName, undefined);
    raw.models[0].modelCacheClaim = "model-cache";
    assert.equal(
      planStack(parseStackConfig("dev", raw, reserved)).models[0]?.serving.modelCacheClaimName,
      "model-cache",
    );
    assert.deepEqual(plan.tenancy.migQuotas, { "1g.10gb": 3 });
  });

  it("accepts a proxy instead of egress CIDRs", () => {
    const raw = validRaw();
    raw.egress = {
      proxy: {
        namespaceLabels: { "kubernetes.io/metadata.name": "egress-proxy" },
        podLabels: { "app.kubernetes.io/name": "egress-proxy" },
        port: 3128,
      },
    };
    const config = parseStackConfig("dev", raw, reserved);
    assert.equal(config.egress.proxy?.port, 3128);
    assert.deepEqual(config.egress.modelSource, { cidrs: [], ports: [443] });
  });

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
      const demands = stackDemand(config);
      const gpus = demandOf(demands, GPUS).total;
      assert.ok(gpus <= config.quota.gpus, `demand ${String(gpus)} over quota ${String(config.quota.gpus)}`);
      const memory = demandOf(demands, MEMORY).total;
      assert.ok(
        memory <= (parseQuantity(config.quota.requestsMemory) ?? 0),
        `memory demand ${String(memory)}`,
      );
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
    assert.equal(dev.quota.gpus, 5);
    assert.equal(dev.quota.requestsMemory, "112Gi");

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
    // No request-rate source on prod's cluster: its HPA scales on CPU only.
    assert.equal(model.autoscaling?.targetRequestsPerSecond, undefined);
    assert.equal(model.autoscaling?.requestsPerSecondSource, undefined);
    assert.equal(prod.trainingJobs[0].workers, 4);
    assert.deepEqual([prod.batchJobs[0].parallelism, prod.batchJobs[0].completions], [3, 10]);
  });

  it("plans a model's rollout timeout for its ModelServing only when the config sets one", () => {
    const raw = validRaw();
    assert.equal(
      planStack(parseStackConfig("dev", raw, reserved)).models[0].serving.rolloutTimeoutSeconds,
      undefined,
    );
    raw.models[0].rolloutTimeoutSeconds = 300;
    assert.equal(
      planStack(parseStackConfig("dev", raw, reserved)).models[0].serving.rolloutTimeoutSeconds,
      300,
    );
  });

  it("scales to zero with KEDA and a wake-up selector, planned for the model's ModelServing", () => {
    const raw = validRaw();
    raw.models[0].autoscaling = {
      ...WAKE_ON_BATCH,
      wakeUpPodsPerReplica: 3,
      kedaCooldownSeconds: 20,
      kedaPollingIntervalSeconds: 5,
    };
    const plan = planStack(parseStackConfig("dev", raw, reserved));
    const serving = plan.models[0].serving;
    assert.equal(serving.replicas, 1, "the Deployment starts with one replica; KEDA takes it to zero");
    assert.deepEqual(serving.autoscaling, {
      hpa: false,
      keda: true,
      minReplicas: 0,
      maxReplicas: 2,
      targetCpuUtilizationPercent: 70,
      scaleDownStabilizationSeconds: 300,
      wakeUpPodSelector: "app=batch-client",
      wakeUpPodsPerReplica: 3,
      kedaPollingIntervalSeconds: 5,
      kedaCooldownSeconds: 20,
    });
  });

  it("rejects a wake-up selector that matches the model server's own pods, before anything is registered", () => {
    const raw = validRaw();
    raw.models[0].autoscaling = { ...WAKE_ON_BATCH, wakeUpPodSelector: "app.kubernetes.io/instance=m1" };
    const plan = planStack(parseStackConfig("dev", raw, reserved));
    assert.throws(
      () => {
        validatePlan("dev", plan);
      },
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.ok(
          error.message.includes(
            'k8s-ml-patterns:models[0] is rejected by its component: ModelServing "m1": invalid arguments: autoscaling.wakeUpPodSelector must be a selector that does not match the model server\'s own pods (they would keep the Deployment from ever scaling to zero); got "app.kubernetes.io/instance=m1"',
          ),
          error.message,
        );
        return true;
      },
    );
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
        "a rollout timeout under a minute",
        (r) => (r.models[0].rolloutTimeoutSeconds = 30),
        "k8s-ml-patterns:models[0].rolloutTimeoutSeconds must be at least 60; got 30",
      ],
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
        "a scale-down window over an hour",
        (r) =>
          (r.models[0].autoscaling = { minReplicas: 1, maxReplicas: 2, scaleDownStabilizationSeconds: 7200 }),
        "k8s-ml-patterns:models[0].autoscaling.scaleDownStabilizationSeconds must be at most 3600; got 7200",
      ],
      [
        "a request-rate target without a source for it",
        (r) => (r.models[0].autoscaling = { minReplicas: 1, maxReplicas: 2, targetRequestsPerSecond: 100 }),
        'k8s-ml-patterns:models[0].autoscaling.targetRequestsPerSecond must be unset unless requestsPerSecondSource says where the per-pod request rate comes from (e.g. "prometheus-adapter") or keda is true: without a source the HPA scales on CPU only, since an HPA metric nobody serves stops every scale-down; got 100',
      ],
      [
        "a request-rate source without a target",
        (r) =>
          (r.models[0].autoscaling = {
            minReplicas: 1,
            maxReplicas: 2,
            requestsPerSecondSource: "prometheus-adapter",
          }),
        "k8s-ml-patterns:models[0].autoscaling.targetRequestsPerSecond must be set with requestsPerSecondSource (the per-pod request rate the HPA aims at); got undefined",
      ],
      [
        "an unknown request-rate source",
        (r) =>
          (r.models[0].autoscaling = {
            minReplicas: 1,
            maxReplicas: 2,
            requestsPerSecondSource: "datadog",
            targetRequestsPerSecond: 100,
          }),
        'k8s-ml-patterns:models[0].autoscaling.requestsPerSecondSource must be one of "prometheus-adapter"; got "datadog"',
      ],
      [
        "a request-rate source with KEDA",
        (r) =>
          (r.models[0].autoscaling = {
            minReplicas: 1,
            maxReplicas: 2,
            keda: true,
            hpa: false,
            requestsPerSecondSource: "prometheus-adapter",
            targetRequestsPerSecond: 100,
          }),
        `k8s-ml-patterns:models[0].autoscaling.requestsPerSecondSource must be unset with keda: true (KEDA's prometheus trigger queries Prometheus itself); got "prometheus-adapter"`,
      ],
      [
        "scale to zero with an HPA",
        (r) => (r.models[0].autoscaling = { minReplicas: 0, maxReplicas: 2 }),
        "k8s-ml-patterns:models[0].autoscaling.minReplicas must be at least 1 with an HPA (scaling to zero needs keda: true and wakeUpPodSelector); got 0",
      ],
      [
        "scale to zero with KEDA but nothing to wake the server",
        (r) => (r.models[0].autoscaling = { minReplicas: 0, maxReplicas: 2, keda: true, hpa: false }),
        "k8s-ml-patterns:models[0].autoscaling.minReplicas must be at least 1 unless wakeUpPodSelector names the pods whose presence wakes the server (nothing else can wake it from zero: CPU cannot be read with no pods); got 0",
      ],
      [
        "a negative minReplicas",
        (r) => (r.models[0].autoscaling = { minReplicas: -1, maxReplicas: 2 }),
        "k8s-ml-patterns:models[0].autoscaling.minReplicas must be at least 0; got -1",
      ],
      [
        "a wake-up selector without KEDA",
        (r) => (r.models[0].autoscaling = { minReplicas: 1, maxReplicas: 2, wakeUpPodSelector: "app=batch" }),
        'k8s-ml-patterns:models[0].autoscaling.wakeUpPodSelector must be unset unless keda is true (it configures the KEDA ScaledObject); got "app=batch"',
      ],
      [
        "a KEDA cooldown without KEDA",
        (r) => (r.models[0].autoscaling = { minReplicas: 1, maxReplicas: 2, kedaCooldownSeconds: 30 }),
        "k8s-ml-patterns:models[0].autoscaling.kedaCooldownSeconds must be unset unless keda is true (it configures the KEDA ScaledObject); got 30",
      ],
      [
        "a wake-up selector Kubernetes would not parse",
        (r) => (r.models[0].autoscaling = { ...WAKE_ON_BATCH, wakeUpPodSelector: "app in batch" }),
        'k8s-ml-patterns:models[0].autoscaling.wakeUpPodSelector must be a non-empty label selector such as "k8s-ml-patterns/wakes=llama" or "app in (batch,gateway)"; got "app in batch"',
      ],
      [
        "pods per replica without a wake-up selector",
        (r) =>
          (r.models[0].autoscaling = {
            minReplicas: 1,
            maxReplicas: 2,
            keda: true,
            hpa: false,
            wakeUpPodsPerReplica: 2,
          }),
        "k8s-ml-patterns:models[0].autoscaling.wakeUpPodsPerReplica must be unset unless wakeUpPodSelector is set (the pods it counts); got 2",
      ],
      [
        "a zero KEDA polling interval",
        (r) => (r.models[0].autoscaling = { ...WAKE_ON_BATCH, kedaPollingIntervalSeconds: 0 }),
        "k8s-ml-patterns:models[0].autoscaling.kedaPollingIntervalSeconds must be at least 1; got 0",
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
        'k8s-ml-patterns:quota.gpus must be at least the stack\'s GPU demand at maximum scale with rollout surge, 7 (models "m1": (2 + 1 rollout surge) pods x 1 GPUs = 3 GPUs; trainingJobs "t1": 2 pods x 1 GPUs = 2 GPUs; batchJobs "b1": 2 pods x 1 GPUs = 2 GPUs); got 5',
      ],
      [
        "a GPU quota that holds steady state but not a rollout's surge pod",
        (r) => (r.quota.gpus = 6),
        "k8s-ml-patterns:quota.gpus must be at least the stack's GPU demand at maximum scale with rollout surge, 7 (",
      ],
      [
        "memory requests without surge headroom",
        (r) => (r.quota.requestsMemory = "146Gi"),
        'k8s-ml-patterns:quota.requestsMemory must be at least the stack\'s memory demand at maximum scale with rollout surge, 147Gi (models "m1": (2 + 1 rollout surge) pods x 17Gi = 51Gi; trainingJobs "t1": 2 pods x 32Gi = 64Gi; batchJobs "b1": 2 pods x 16Gi = 32Gi); got "146Gi"',
      ],
      [
        "memory limits below the demand",
        (r) => {
          r.quota.requestsMemory = "147Gi";
          r.quota.limitsMemory = "146Gi";
        },
        "k8s-ml-patterns:quota.limitsMemory must be at least the stack's memory demand at maximum scale with rollout surge, 147Gi (",
      ],
      [
        "CPU requests below the demand at maximum scale",
        (r) => (r.quota.requestsCpu = "30"),
        'k8s-ml-patterns:quota.requestsCpu must be at least the stack\'s CPU demand at maximum scale with rollout surge, 39 (models "m1": (2 + 1 rollout surge) pods x 5 = 15; trainingJobs "t1": 2 pods x 8 = 16; batchJobs "b1": 2 pods x 4 = 8); got "30"',
      ],
      [
        "CPU limits below the demand at maximum scale",
        (r) => (r.quota.limitsCpu = "38500m"),
        "k8s-ml-patterns:quota.limitsCpu must be at least the stack's CPU demand at maximum scale with rollout surge, 39 (",
      ],
      [
        "a remote model with no model source egress",
        (r) => (r.egress = { objectStorage: { cidrs: ["10.30.8.0/24"] } }),
        'k8s-ml-patterns:egress.modelSource.cidrs must be at least one CIDR of the model source, or egress.proxy set: models "m1" loads s3://m/1 and the namespace denies all other egress; got []',
      ],
      [
        "a remote batch input with no object storage egress",
        (r) => (r.egress = { modelSource: { cidrs: ["10.30.8.0/24"] } }),
        'k8s-ml-patterns:egress.objectStorage.cidrs must be at least one CIDR of the object storage, or egress.proxy set: batchJobs "b1" uses s3://in and the namespace denies all other egress; got []',
      ],
      [
        "an egress CIDR with host bits",
        (r) => (r.egress.objectStorage = { cidrs: ["10.30.8.1/24"] }),
        'k8s-ml-patterns:egress.objectStorage.cidrs[0] must be a CIDR such as "10.0.0.0/16" with no host bits set; got "10.30.8.1/24"',
      ],
      [
        "an egress port out of range",
        (r) => (r.egress.modelSource = { cidrs: ["10.30.8.0/24"], ports: [70000] }),
        "k8s-ml-patterns:egress.modelSource.ports[0] must be at most 65535; got 70000",
      ],
      [
        "an empty egress port list",
        (r) => (r.egress.modelSource = { cidrs: ["10.30.8.0/24"], ports: [] }),
        "k8s-ml-patterns:egress.modelSource.ports must be a list with at least 1 item(s); got []",
      ],
      [
        "a proxy selected by no pod labels",
        (r) => (r.egress.proxy = { namespaceLabels: { team: "net" }, podLabels: {}, port: 3128 }),
        "k8s-ml-patterns:egress.proxy.podLabels must be a non-empty map of labels; got {}",
      ],
      [
        "a proxy without a port",
        (r) => (r.egress.proxy = { namespaceLabels: { team: "net" }, podLabels: { app: "squid" } }),
        "k8s-ml-patterns:egress.proxy.port must be a number; got undefined",
      ],
      [
        "a proxy label key that is not one",
        (r) =>
          (r.egress.proxy = { namespaceLabels: { "bad key": "x" }, podLabels: { app: "squid" }, port: 3128 }),
        "k8s-ml-patterns:egress.proxy.namespaceLabels.bad key must be a label key such as app.kubernetes.io/name",
      ],
      [
        "a NodeLocal DNS address that is not a CIDR",
        (r) => (r.egress.nodeLocalDnsCidrs = ["169.254.20.10"]),
        'k8s-ml-patterns:egress.nodeLocalDnsCidrs[0] must be a CIDR such as "10.0.0.0/16" with no host bits set; got "169.254.20.10"',
      ],
      [
        "a shared GPU without time-slicing",
        (r) => {
          r.batchJobs[0].sharedGpu = true;
          r.quota.sharedGpus = 2;
        },
        "k8s-ml-patterns:batchJobs[0].sharedGpu must be false unless k8s-ml-patterns:gpuSharing.enabled is true (the device plugin advertises nvidia.com/gpu.shared only with time-slicing on); got true",
      ],
      [
        "shared GPUs without a shared-GPU quota",
        (r) => {
          r.gpuSharing = { enabled: true };
          r.batchJobs[0].sharedGpu = true;
        },
        'k8s-ml-patterns:quota.sharedGpus must be at least the stack\'s nvidia.com/gpu.shared demand at maximum scale with rollout surge, 2 (batchJobs "b1": 2 pods x 1 GPUs = 2 GPUs); got undefined',
      ],
      [
        "a MIG model over its profile's quota, rollout surge included",
        (r) => {
          r.models[0].migProfile = "1g.10gb";
          r.quota.migDevices = { "1g.10gb": 2 };
        },
        'k8s-ml-patterns:quota.migDevices.1g.10gb must be at least the stack\'s nvidia.com/mig-1g.10gb demand at maximum scale with rollout surge, 3 (models "m1": (2 + 1 rollout surge) pods x 1 GPUs = 3 GPUs); got 2',
      ],
      [
        "both a shared GPU and a MIG profile",
        (r) => {
          r.gpuSharing = { enabled: true };
          r.trainingJobs[0].sharedGpu = true;
          r.trainingJobs[0].migProfile = "1g.10gb";
        },
        'k8s-ml-patterns:trainingJobs[0].migProfile must be unset when sharedGpu is true: a workload takes either a time-sliced share or a MIG slice; got "1g.10gb"',
      ],
      [
        "a MIG profile on a CPU-only workload",
        (r) => {
          r.batchJobs[0].gpusPerPod = 0;
          r.batchJobs[0].migProfile = "1g.10gb";
        },
        'k8s-ml-patterns:batchJobs[0].migProfile must be unset for a CPU-only workload (its GPUs per pod are 0); got "1g.10gb"',
      ],
      [
        "a MIG profile that is not one",
        (r) => (r.models[0].migProfile = "big"),
        'k8s-ml-patterns:models[0].migProfile must be a MIG profile such as "1g.10gb" or "3g.40gb"; got "big"',
      ],
      [
        "a model cache claim that is not a claim name",
        (r) => (r.models[0].modelCacheClaim = "Model Cache"),
        'k8s-ml-patterns:models[0].modelCacheClaim must be a PersistentVolumeClaim name (a DNS-1123 subdomain); got "Model Cache"',
      ],
      [
        "the former modelSourceEgressCidrs key",
        (r) => (r.modelSourceEgressCidrs = ["10.0.0.0/8"]),
        "k8s-ml-patterns:modelSourceEgressCidrs must be a known key",
      ],
      [
        "conflicting autoscalers",
        (r) =>
          (r.models[0].autoscaling = {
            minReplicas: 1,
            maxReplicas: 2,
            keda: true,
            targetRequestsPerSecond: 10,
          }),
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
        "k8s-ml-patterns:quota.gpus must be at least 7: the ResourceQuota counts every pod that exists, so 3 for the model servers at maximum scale (rollout surge included), 2 for the training workers (they exist, gated, while queued) and 2 for the batch jobs Kueue may admit at once (at most the queue's 4 GPUs), or it refuses pods of admitted workloads; got 5",
      ],
      [
        "borrowing without a cohort",
        (r) => (r.queueing = { mode: "kueue", gpuQuotas: { "NVIDIA-L40S": 4 }, gpuBorrowingLimit: 1 }),
        "k8s-ml-patterns:queueing.gpuBorrowingLimit must be 0 unless queueing.cohort is set (a queue borrows only from its cohort); got 1",
      ],
      [
        "an unknown server preset",
        (r) => (r.models[0].server = "triton"),
        'k8s-ml-patterns:models[0].server must be one of "generic", "vllm", "tgi"; got "triton"',
      ],
      [
        "server args that set a flag the preset sets",
        (r) => {
          r.models[0].server = "vllm";
          r.models[0].args = ["--max-model-len=8192", "--tensor-parallel-size=4"];
        },
        'k8s-ml-patterns:models[0].args must be free of the flags server "vllm" sets itself: --model, --served-model-name, --port, --tensor-parallel-size, -tp (--tensor-parallel-size comes from gpusPerPod); got ["--tensor-parallel-size=4"]',
      ],
      [
        "a waiting-requests target for a server without the gauge",
        (r) =>
          (r.models[0].autoscaling = {
            minReplicas: 1,
            maxReplicas: 2,
            requestsPerSecondSource: "prometheus-adapter",
            targetRequestsPerSecond: 5,
            targetWaitingRequests: 3,
          }),
        'k8s-ml-patterns:models[0].autoscaling.targetWaitingRequests must be unset with server "generic", which exports no waiting-requests gauge (servers "vllm" and "tgi" do); got 3',
      ],
      [
        "a waiting-requests target without the adapter source",
        (r) => {
          r.models[0].server = "tgi";
          r.models[0].autoscaling = { minReplicas: 1, maxReplicas: 2, targetWaitingRequests: 3 };
        },
        'k8s-ml-patterns:models[0].autoscaling.targetWaitingRequests must be unset unless requestsPerSecondSource is "prometheus-adapter" (the adapter serves the per-pod waiting requests; not with keda); got 3',
      ],
      [
        "a waiting-requests target that is not positive",
        (r) => {
          r.models[0].server = "tgi";
          r.models[0].autoscaling = { minReplicas: 1, maxReplicas: 2, targetWaitingRequests: 0 };
        },
        "k8s-ml-patterns:models[0].autoscaling.targetWaitingRequests must be greater than 0; got 0",
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
      // Batch jobs of 2 + 2 GPUs: with training (2) and serving (2 + 1 surge), 9 at once, over 8.
      raw.batchJobs.push({ ...raw.batchJobs[0], name: "b2" });
      raw.quota = {
        ...raw.quota,
        gpus: 8,
        requestsCpu: "64",
        limitsCpu: "64",
        requestsMemory: "256Gi",
        limitsMemory: "256Gi",
      };
      assert.throws(
        () => parseStackConfig("dev", raw, reserved),
        /quota\.gpus must be at least the stack's GPU demand/,
      );
      // A queue of 3 admits one batch job at a time: 3 + 2 + 3 fit the 8.
      raw.queueing = { mode: "kueue", gpuQuotas: { "NVIDIA-L40S": 3 } };
      const config = parseStackConfig("dev", raw, reserved);
      assert.deepEqual(config.queueing, {
        mode: "kueue",
        gpuQuotas: { "NVIDIA-L40S": 3 },
        gpuBorrowingLimit: 0,
        flavorPrefix: "k8sml",
        installFlavors: true,
        queueServing: false,
      });
    });

    it("with queueServing, a model server must fit its queue at maximum scale", () => {
      const raw = validRaw();
      raw.quota = { ...raw.quota, gpus: 8, requestsCpu: "64", limitsCpu: "64" };
      // Serving runs 2 + 1 surge pods of 1 GPU: a queue of 2 never admits the last one.
      raw.queueing = { mode: "kueue", gpuQuotas: { "NVIDIA-L40S": 2 }, queueServing: true };
      assert.equal(
        errorFor((r) => Object.assign(r, { quota: raw.quota, queueing: raw.queueing })),
        'Invalid config for stack "dev": k8s-ml-patterns:queueing.gpuQuotas.NVIDIA-L40S must be at least 3: models "m1" runs up to 3 pods x 1 GPUs = 3 at maximum scale (rollout surge included), or its last pods are never admitted; got 2',
      );
      raw.queueing = { mode: "kueue", gpuQuotas: { "NVIDIA-L40S": 3 }, queueServing: true };
      assert.equal(parseStackConfig("dev", raw, reserved).queueing.queueServing, true);
    });

    it("rejects a queueServing that is not a boolean", () => {
      assert.match(
        errorFor((r) => {
          r.queueing = { mode: "kueue", gpuQuotas: { "NVIDIA-L40S": 3 }, queueServing: "yes" };
        }),
        /k8s-ml-patterns:queueing\.queueServing must be .*boolean.*; got "yes"/,
      );
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
