/**
 * Server presets: the pure spec functions of each preset (ports, probes, token env, args, the
 * ServiceMonitor's port, the tenancy NetworkPolicy, the autoscaler's signals) and the
 * validation of every invalid preset or combination.
 */
import { strict as assert } from "node:assert";
import type * as pulumi from "@pulumi/pulumi";
import {
  buildHorizontalPodAutoscaler,
  buildPrometheusAdapterRules,
  buildScaledObject,
} from "../../components/autoscaling";
import { networkPolicySpecs, networkPolicyOptions } from "../../components/gpuTenancy";
import { ValidationError } from "../../components/lib/validation";
import {
  buildDeployment,
  buildLoaderContainer,
  buildServerContainer,
  buildService,
  conflictingArgs,
  type ModelServingArgs,
  modelSourceTokenEnv,
  SERVER_PRESET_NAMES,
  SERVER_PRESETS,
  serverPreset,
  validateModelServingArgs,
  withModelServingDefaults,
} from "../../components/modelServing";
import { buildModelServiceMonitor } from "../../components/monitoring";
import { METRICS_PORT_LABEL } from "../../conventions/labels";

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return */

type PlainArgs = pulumi.Unwrap<ModelServingArgs>;

const BASE: PlainArgs = {
  namespace: "ml",
  modelName: "llama",
  modelUri: "hf://meta-llama/Llama-3.1-8B-Instruct",
  image: "server:1.0",
  gpusPerPod: 2,
  gpuProducts: ["NVIDIA-H100-80GB-HBM3"],
  modelSourceTokenSecretName: "ml-model-source",
};

const settings = (overrides: Partial<PlainArgs> = {}) =>
  withModelServingDefaults("llama", { ...BASE, ...overrides });

function invalid(overrides: Partial<PlainArgs>, message: string): void {
  assert.throws(
    () => {
      validateModelServingArgs("llama", { ...BASE, ...overrides });
    },
    (error: unknown) => {
      assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
      assert.equal(error.message, `ModelServing "llama": invalid arguments: ${message}`);
      return true;
    },
  );
}

/** What each preset is expected to produce for BASE (2 GPUs, an hf:// source). */
const EXPECTED = {
  generic: {
    containerPorts: [
      ["http", 8000],
      ["metrics", 9090],
    ],
    servicePorts: ["http", "metrics"],
    probes: ["/health", "/health"],
    tokenEnv: "MODEL_SOURCE_TOKEN",
    presetArgs: [] as string[],
    monitoredPort: "metrics",
    podLabel: undefined,
  },
  vllm: {
    containerPorts: [["http", 8000]],
    servicePorts: ["http"],
    probes: ["/health", "/health"],
    tokenEnv: "HF_TOKEN",
    presetArgs: [
      "--model=/models/llama/",
      "--served-model-name=llama",
      "--port=8000",
      "--tensor-parallel-size=2",
    ],
    monitoredPort: "http",
    podLabel: "http",
  },
  tgi: {
    containerPorts: [["http", 8080]],
    servicePorts: ["http"],
    probes: ["/health", "/health"],
    tokenEnv: "HF_TOKEN",
    presetArgs: ["--model-id=/models/llama/", "--port=8080", "--num-shard=2"],
    monitoredPort: "http",
    podLabel: "http",
  },
} as const;

describe("server presets", () => {
  it("has one table entry per allowed name", () => {
    assert.deepEqual(Object.keys(SERVER_PRESETS).sort(), [...SERVER_PRESET_NAMES].sort());
  });

  it("generic is today's server: the settings are the same as without server", () => {
    assert.deepEqual(settings({ server: "generic" }), settings());
    assert.equal(settings().server, "generic");
    const container: any = buildServerContainer(settings({ args: ["--x"] }));
    assert.deepEqual(container.args, ["--x"]);
    assert.equal(buildServerContainer(settings()).args, undefined);
  });

  for (const name of SERVER_PRESET_NAMES) {
    describe(`"${name}"`, () => {
      const expected = EXPECTED[name];
      const s = settings({ server: name, monitoring: {} });

      it("declares its ports on the container and the Service", () => {
        const container: any = buildServerContainer(s);
        assert.deepEqual(
          container.ports.map((p: any) => [p.name, p.containerPort]),
          expected.containerPorts,
        );
        const service: any = buildService(s).spec;
        assert.deepEqual(
          service.ports.map((p: any) => p.name),
          expected.servicePorts,
        );
        assert.equal(s.metricsPort, expected.containerPorts.at(-1)?.[1]);
      });

      it("probes its health paths on the http port", () => {
        const container: any = buildServerContainer(s);
        assert.deepEqual(
          [container.livenessProbe.httpGet.path, container.readinessProbe.httpGet.path],
          expected.probes,
        );
        assert.equal(container.startupProbe.httpGet.path, expected.probes[0]);
        assert.equal(container.readinessProbe.httpGet.port, "http");
      });

      it("hands the loader the model-source token under the source's env name, from the Secret", () => {
        const loader: any = buildLoaderContainer(s);
        const token = loader.env.find((e: any) => e.valueFrom !== undefined);
        assert.deepEqual(token, {
          name: expected.tokenEnv,
          valueFrom: { secretKeyRef: { name: "ml-model-source", key: "MODEL_SOURCE_TOKEN" } },
        });
        const server: any = buildServerContainer(s);
        assert.equal(
          server.env.some((e: any) => e.valueFrom !== undefined),
          false,
        );
      });

      it("appends its flags, tensor parallel from gpusPerPod, after the user's args", () => {
        const container: any = buildServerContainer(settings({ server: name, args: ["--x=1"] }));
        const flags = (container.args as string[])
          .slice(1)
          .map((arg) => arg.replace(/llama\/\w+$/, "llama/"));
        assert.equal(container.args[0], "--x=1");
        assert.deepEqual(flags, expected.presetArgs);
      });

      it("scrapes the port /metrics is served on", () => {
        assert.ok(s.monitoring !== undefined);
        const monitor: any = buildModelServiceMonitor(s.monitoring);
        assert.equal(monitor.spec.endpoints[0].port, expected.monitoredPort);
      });

      it("labels the pods that serve metrics on http, and only those", () => {
        const spec: any = buildDeployment(s).spec;
        assert.equal(spec.template.metadata.labels[METRICS_PORT_LABEL], expected.podLabel);
        const selector: any = spec.selector.matchLabels;
        assert.equal(selector[METRICS_PORT_LABEL], undefined);
      });
    });
  }

  it("runs a CPU-only server (gpusPerPod 0) as one shard: no tensor-parallel flag", () => {
    for (const name of ["vllm", "tgi"]) {
      const container: any = buildServerContainer(settings({ server: name, gpusPerPod: 0, gpuProducts: [] }));
      assert.equal(
        (container.args as string[]).some((arg) => /tensor-parallel|num-shard/.test(arg)),
        false,
      );
    }
  });

  it("names the token MODEL_SOURCE_TOKEN for sources other than hf://, and for generic always", () => {
    assert.equal(modelSourceTokenEnv(serverPreset("vllm"), "s3://models/llama"), "MODEL_SOURCE_TOKEN");
    assert.equal(modelSourceTokenEnv(serverPreset("tgi"), "hf://org/model"), "HF_TOKEN");
    assert.equal(modelSourceTokenEnv(serverPreset("generic"), "hf://org/model"), "MODEL_SOURCE_TOKEN");
  });

  it("finds conflicting flags in both spellings and the aliases", () => {
    assert.deepEqual(
      conflictingArgs(serverPreset("vllm"), ["--tensor-parallel-size", "4", "-tp=2", "--dtype=auto"]),
      ["--tensor-parallel-size", "-tp=2"],
    );
    assert.deepEqual(conflictingArgs(serverPreset("tgi"), ["--num-shard=4", "--port", "80"]), [
      "--num-shard=4",
      "--port",
    ]);
    assert.deepEqual(conflictingArgs(serverPreset("generic"), ["--port=1"]), []);
  });

  it("keeps httpPort a user choice, and passes it to the server", () => {
    const container: any = buildServerContainer(settings({ server: "tgi", httpPort: 9000 }));
    assert.ok((container.args as string[]).includes("--port=9000"));
    assert.equal(container.ports[0].containerPort, 9000);
  });
});

describe("the tenancy NetworkPolicy for metrics on the API port", () => {
  it("lets monitoring reach http of the labelled model servers only, with apiPortMetrics", () => {
    const policies = networkPolicySpecs("ml", networkPolicyOptions({ apiPortMetrics: true }));
    const policy: any = policies.find((p) => p.key === "model-server-api-metrics");
    assert.ok(policy !== undefined);
    assert.deepEqual(policy.spec, {
      podSelector: {
        matchLabels: { "app.kubernetes.io/component": "model-server", [METRICS_PORT_LABEL]: "http" },
      },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
          ports: [{ protocol: "TCP", port: "http" }],
        },
      ],
    });
  });

  it("is not there by default (stacks without a preset keep their NetworkPolicies)", () => {
    const keys = networkPolicySpecs("ml", networkPolicyOptions({})).map((p) => p.key);
    assert.equal(keys.includes("model-server-api-metrics"), false);
  });
});

describe("the autoscaler of a preset", () => {
  const autoscaling = (server: string, extra: object = {}) =>
    settings({
      server,
      autoscaling: {
        maxReplicas: 4,
        requestsPerSecondSource: "prometheus-adapter",
        targetRequestsPerSecond: 5,
        ...extra,
      },
    }).autoscaling;

  it("vllm: rate from vllm:request_success_total, rules for waiting requests and KV cache, HPA on waiting requests", () => {
    const scaling = autoscaling("vllm", { targetWaitingRequests: 3 });
    assert.ok(scaling !== undefined);
    const rules = buildPrometheusAdapterRules(scaling);
    assert.deepEqual(
      rules.map((rule) => [rule.name.matches, rule.name.as]),
      [
        ["^vllm:request_success_total$", "inference_requests_per_second"],
        ["^vllm:num_requests_waiting$", "vllm_num_requests_waiting"],
        ["^vllm:gpu_cache_usage_perc$", "vllm_gpu_cache_usage_perc"],
      ],
    );
    assert.equal(
      rules[1]?.seriesQuery,
      'vllm:num_requests_waiting{namespace="ml",pod=~"llama-[a-z0-9]+-[a-z0-9]+"}',
    );
    assert.equal(rules[1]?.metricsQuery, "sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)");
    const metrics: any = buildHorizontalPodAutoscaler(scaling).spec.metrics;
    assert.deepEqual(
      metrics.map((m: any) => m.pods?.metric.name ?? m.containerResource.name),
      ["cpu", "inference_requests_per_second", "vllm_num_requests_waiting"],
    );
    assert.deepEqual(metrics[2].pods.target, { type: "AverageValue", averageValue: "3" });
  });

  it("tgi: rate from tgi_request_count, a rule for tgi_queue_size, no KV-cache gauge", () => {
    const scaling = autoscaling("tgi");
    assert.ok(scaling !== undefined);
    assert.deepEqual(
      buildPrometheusAdapterRules(scaling).map((rule) => rule.name.as),
      ["inference_requests_per_second", "tgi_queue_size"],
    );
    // Without targetWaitingRequests the HPA scales on CPU and the request rate.
    assert.equal((buildHorizontalPodAutoscaler(scaling).spec.metrics as unknown[]).length, 2);
  });

  it("generic: the one request-rate rule, as before", () => {
    const scaling = autoscaling("generic");
    assert.ok(scaling !== undefined);
    assert.deepEqual(
      buildPrometheusAdapterRules(scaling).map((rule) => rule.name.matches),
      ["^inference_requests_total$"],
    );
  });

  it("KEDA's default query reads the preset's request counter", () => {
    const scaling = settings({
      server: "vllm",
      autoscaling: { keda: true, maxReplicas: 4, targetRequestsPerSecond: 5 },
    }).autoscaling;
    assert.ok(scaling !== undefined);
    const spec: any = buildScaledObject(scaling).spec;
    assert.match(spec.triggers[0].metadata.query, /^sum\(rate\(vllm:request_success_total\{/);
  });
});

describe("server preset validation", () => {
  it("rejects an unknown server", () => {
    invalid({ server: "triton" }, 'server must be one of "generic", "vllm", "tgi"; got "triton"');
  });

  it("rejects metricsPort with a server that serves metrics on its API port", () => {
    invalid(
      { server: "vllm", metricsPort: 9090 },
      'metricsPort must be unset with server "vllm", which serves /metrics on its API port (httpPort); got 9090',
    );
  });

  it("rejects user args that set a flag the preset sets", () => {
    invalid(
      { server: "vllm", args: ["--tensor-parallel-size=4"] },
      'args must be free of the flags server "vllm" sets itself: --model, --served-model-name, --port, --tensor-parallel-size, -tp (--tensor-parallel-size comes from gpusPerPod); got ["--tensor-parallel-size=4"]',
    );
    invalid(
      { server: "tgi", args: ["--num-shard", "2"] },
      'args must be free of the flags server "tgi" sets itself: --model-id, --port, --num-shard, -p (--num-shard comes from gpusPerPod); got ["--num-shard"]',
    );
  });

  it("rejects tensor parallelism over MIG slices or time-sliced shares", () => {
    invalid(
      { server: "vllm", gpuResourceName: "nvidia.com/mig-1g.10gb" },
      'gpuResourceName must be "nvidia.com/gpu" when server "vllm" shards the model over gpusPerPod (2) GPUs: a process sees one MIG slice only, and time-sliced shares may be one GPU; got "nvidia.com/mig-1g.10gb"',
    );
    // One slice is one shard: nothing to refuse.
    validateModelServingArgs("llama", {
      ...BASE,
      server: "vllm",
      gpusPerPod: 1,
      gpuResourceName: "nvidia.com/mig-1g.10gb",
    });
  });

  it("rejects a ServiceMonitor on the metrics port with a server that has none", () => {
    invalid(
      { server: "tgi", monitoring: { metricsPortName: "metrics" } },
      'monitoring.metricsPortName must be "http" or unset with server "tgi", which serves /metrics on its API port; got "metrics"',
    );
  });

  it("rejects a loaderEnv that would override the token's env name", () => {
    invalid(
      { server: "vllm", loaderEnv: { HF_TOKEN: "x" } },
      'loaderEnv must be free of the names the component injects (MODEL_NAME, MODEL_DIR, MODEL_URI, MODEL_READY_FILE, MODEL_LOCK_STALE_MINUTES, LOADER_STAY_RUNNING, HF_TOKEN); got ["HF_TOKEN"]',
    );
  });

  it("rejects a token Secret name or key Kubernetes would refuse", () => {
    invalid(
      { modelSourceTokenSecretName: "Bad_Name" },
      `modelSourceTokenSecretName must be a Secret name (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters); got "Bad_Name"`,
    );
    invalid(
      { modelSourceTokenSecretKey: "a key" },
      `modelSourceTokenSecretKey must be a Secret key (letters, digits, '-', '_' and '.'); got "a key"`,
    );
  });

  it("rejects targetWaitingRequests without the adapter source", () => {
    invalid(
      { server: "vllm", autoscaling: { maxReplicas: 2, targetWaitingRequests: 3 } },
      'autoscaling.targetWaitingRequests must be unset unless requestsPerSecondSource is "prometheus-adapter" (the adapter serves the per-pod waiting requests; not with keda); got 3',
    );
  });

  it("rejects targetWaitingRequests for a server that exports no waiting-requests gauge", () => {
    invalid(
      {
        autoscaling: {
          maxReplicas: 2,
          requestsPerSecondSource: "prometheus-adapter",
          targetRequestsPerSecond: 5,
          targetWaitingRequests: 3,
        },
      },
      `autoscaling.targetWaitingRequests must be unset unless waitingRequestsMetric names the server's waiting-requests gauge (the "vllm" and "tgi" server presets set it); got 3`,
    );
  });

  it("accepts every preset with its defaults", () => {
    for (const server of SERVER_PRESET_NAMES) validateModelServingArgs("llama", { ...BASE, server });
  });
});
