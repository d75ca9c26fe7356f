import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import {
  buildDcgmServiceMonitor,
  buildModelServiceMonitor,
  DEFAULT_DCGM_METRICS,
  durationMillis,
  MODEL_MONITORING_TYPE,
  ModelMonitoring,
  type ModelMonitoringArgs,
  validateModelMonitoringArgs,
  withModelMonitoringDefaults,
} from "../../components/monitoring";
import { ModelServing } from "../../components/modelServing";
import { ValidationError } from "../../components/lib/validation";
import { findResource, registrations, resetRegistrations, useMocks, valueOf } from "./harness";

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument */

const SELECTOR = { "app.kubernetes.io/name": "llama-3-8b", "app.kubernetes.io/instance": "llama" };

const ARGS = {
  namespace: "ml-serving",
  serviceSelectorLabels: SELECTOR,
} satisfies ModelMonitoringArgs;

type PlainArgs = pulumi.Unwrap<ModelMonitoringArgs>;

const settings = (overrides: Partial<PlainArgs> = {}) =>
  withModelMonitoringDefaults("llama", { ...ARGS, ...overrides });

function invalid(overrides: Partial<PlainArgs>, message: string): void {
  assert.throws(
    () => {
      validateModelMonitoringArgs("llama", { ...ARGS, ...overrides });
    },
    (error: unknown) => {
      assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
      assert.equal(error.message, `ModelMonitoring "llama": invalid arguments: ${message}`);
      return true;
    },
  );
}

describe("ModelMonitoring spec builders", () => {
  it("selects the model server's Service and scrapes its metrics port", () => {
    const monitor: any = buildModelServiceMonitor(settings());
    assert.equal(monitor.apiVersion, "monitoring.coreos.com/v1");
    assert.equal(monitor.kind, "ServiceMonitor");
    assert.equal(monitor.metadata.name, "llama");
    assert.equal(monitor.metadata.namespace, "ml-serving");
    assert.equal(monitor.metadata.labels.release, "prometheus");
    assert.equal(monitor.metadata.labels["app.kubernetes.io/component"], "monitoring");
    assert.deepEqual(monitor.spec.selector, { matchLabels: SELECTOR });
    assert.deepEqual(monitor.spec.namespaceSelector, { matchNames: ["ml-serving"] });
    assert.deepEqual(monitor.spec.endpoints, [
      {
        port: "metrics",
        path: "/metrics",
        interval: "30s",
        scrapeTimeout: "10s",
        relabelings: [
          { sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node", action: "replace" },
        ],
      },
    ]);
  });

  it("carries the labels Prometheus selects by, and can live in another namespace", () => {
    const monitor: any = buildModelServiceMonitor(
      settings({
        serviceMonitorNamespace: "monitoring",
        prometheusSelectorLabels: { "prometheus.io/scrape-set": "ml" },
        scrapeInterval: "15s",
        scrapeTimeout: "5s",
      }),
    );
    assert.equal(monitor.metadata.namespace, "monitoring");
    assert.equal(monitor.metadata.labels["prometheus.io/scrape-set"], "ml");
    assert.equal(monitor.metadata.labels.release, undefined);
    assert.deepEqual(monitor.spec.namespaceSelector, { matchNames: ["ml-serving"] });
    assert.equal(monitor.spec.endpoints[0].interval, "15s");
    assert.equal(monitor.spec.endpoints[0].scrapeTimeout, "5s");
  });

  it("scrapes the DCGM exporter and keeps only the GPU metrics that matter", () => {
    const monitor: any = buildDcgmServiceMonitor(settings({ dcgmExporter: true }));
    assert.equal(monitor.kind, "ServiceMonitor");
    assert.equal(monitor.metadata.name, "llama-dcgm");
    assert.equal(monitor.metadata.namespace, "gpu-operator");
    assert.equal(monitor.metadata.labels.release, "prometheus");
    assert.deepEqual(monitor.spec.selector, { matchLabels: { app: "nvidia-dcgm-exporter" } });
    assert.deepEqual(monitor.spec.namespaceSelector, { matchNames: ["gpu-operator"] });
    const [endpoint] = monitor.spec.endpoints;
    assert.equal(endpoint.port, "gpu-metrics");
    assert.equal(endpoint.interval, "15s");
    assert.equal(endpoint.scrapeTimeout, "10s");
    assert.equal(endpoint.honorLabels, true);
    const [keep] = endpoint.metricRelabelings;
    assert.equal(keep.action, "keep");
    assert.deepEqual(keep.sourceLabels, ["__name__"]);
    const kept = new RegExp(`^${String(keep.regex)}$`);
    for (const metric of [
      "DCGM_FI_DEV_GPU_UTIL",
      "DCGM_FI_DEV_FB_USED",
      "DCGM_FI_DEV_FB_FREE",
      "DCGM_FI_DEV_POWER_USAGE",
      ...DEFAULT_DCGM_METRICS,
    ]) {
      assert.ok(kept.test(metric), metric);
    }
    assert.ok(!kept.test("DCGM_FI_DEV_PCIE_REPLAY_COUNTER"));
    assert.ok(!kept.test("DCGM_FI_DEV_GPU_UTIL_EXTRA"));
  });

  it("takes the DCGM namespace, selector, port and metrics from the arguments", () => {
    const monitor: any = buildDcgmServiceMonitor(
      settings({
        dcgmExporter: true,
        dcgmNamespace: "nvidia",
        dcgmSelectorLabels: { "app.kubernetes.io/name": "dcgm-exporter" },
        dcgmPortName: "metrics",
        dcgmMetrics: ["DCGM_FI_DEV_GPU_UTIL"],
        dcgmScrapeInterval: "5s",
      }),
    );
    assert.equal(monitor.metadata.namespace, "nvidia");
    assert.deepEqual(monitor.spec.selector.matchLabels, { "app.kubernetes.io/name": "dcgm-exporter" });
    assert.equal(monitor.spec.endpoints[0].port, "metrics");
    assert.equal(monitor.spec.endpoints[0].metricRelabelings[0].regex, "(DCGM_FI_DEV_GPU_UTIL)");
    // A timeout never exceeds its interval.
    assert.equal(monitor.spec.endpoints[0].scrapeTimeout, "5s");
  });

  it("reads Prometheus durations", () => {
    assert.equal(durationMillis("30s"), 30_000);
    assert.equal(durationMillis("1m30s"), 90_000);
    assert.equal(durationMillis("500ms"), 500);
  });
});

describe("ModelMonitoring validation", () => {
  it("accepts the example arguments", () => {
    validateModelMonitoringArgs("llama", { ...ARGS, dcgmExporter: true });
  });

  const cases: [string, Partial<PlainArgs>, string][] = [
    [
      "an empty Service selector",
      { serviceSelectorLabels: {} },
      "serviceSelectorLabels must be a non-empty map of labels; got {}",
    ],
    [
      "an invalid label value",
      { serviceSelectorLabels: { app: "not a label" } },
      'serviceSelectorLabels must be a map of valid Kubernetes label keys to label values; got {"app":"not a label"}',
    ],
    [
      "an empty Prometheus selector",
      { prometheusSelectorLabels: {} },
      "prometheusSelectorLabels must be a non-empty map of labels; got {}",
    ],
    [
      "an invalid namespace",
      { namespace: "ML" },
      `namespace must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters); got "ML"`,
    ],
    [
      "a port name too long for a container port",
      { metricsPortName: "metrics-port-name" },
      `metricsPortName must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 15 characters); got "metrics-port-name"`,
    ],
    [
      "a relative metrics path",
      { metricsPath: "metrics" },
      'metricsPath must be an absolute HTTP path; got "metrics"',
    ],
    [
      "a malformed interval",
      { scrapeInterval: "30" },
      'scrapeInterval must be a Prometheus duration such as "30s" or "1m"; got "30"',
    ],
    [
      "a timeout longer than the interval",
      { scrapeInterval: "10s", scrapeTimeout: "15s" },
      'scrapeTimeout must be at most scrapeInterval (10s); Prometheus rejects longer timeouts; got "15s"',
    ],
    [
      "an invalid DCGM metric",
      { dcgmMetrics: ["DCGM-FI"] },
      'dcgmMetrics must be a non-empty list of Prometheus metric names; got ["DCGM-FI"]',
    ],
    [
      "no DCGM metrics",
      { dcgmMetrics: [] },
      "dcgmMetrics must be a non-empty list of Prometheus metric names; got []",
    ],
  ];
  for (const [what, overrides, message] of cases) {
    it(`rejects ${what}`, () => {
      invalid(overrides, message);
    });
  }
});

describe("ModelMonitoring component", () => {
  // A new mocked program run per test: each starts without registrations or claims.
  beforeEach(async () => {
    resetRegistrations();
    await useMocks();
  });

  it("creates one ServiceMonitor, plus one for DCGM when asked", async () => {
    const monitoring = new ModelMonitoring("llama", { ...ARGS, dcgmExporter: true });
    const all = await registrations();
    assert.deepEqual(all.map((r) => `${r.type}:${r.name}`).sort(), [
      "k8sml:index:ModelMonitoring:llama",
      "kubernetes:monitoring.coreos.com/v1:ServiceMonitor:llama-dcgm-servicemonitor",
      "kubernetes:monitoring.coreos.com/v1:ServiceMonitor:llama-servicemonitor",
    ]);
    assert.equal(MODEL_MONITORING_TYPE, "k8sml:index:ModelMonitoring");
    assert.equal(await valueOf(monitoring.serviceMonitorName), "llama");
    assert.ok(monitoring.dcgmServiceMonitorName !== undefined);
    assert.equal(await valueOf(monitoring.dcgmServiceMonitorName), "llama-dcgm");
    const dcgm: any = findResource(
      all,
      "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
      "llama-dcgm-servicemonitor",
    ).inputs;
    assert.equal(dcgm.metadata.namespace, "gpu-operator");
  });

  it("creates no DCGM ServiceMonitor by default", async () => {
    const monitoring = new ModelMonitoring("llama", ARGS);
    const all = await registrations();
    assert.deepEqual(
      all.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.name),
      ["llama-servicemonitor"],
    );
    assert.equal(monitoring.dcgmServiceMonitor, undefined);
  });

  it("rejects a second DCGM scrape of the same exporter", () => {
    new ModelMonitoring("llama", { ...ARGS, dcgmExporter: true });
    assert.throws(() => new ModelMonitoring("mistral", { ...ARGS, dcgmExporter: true }), {
      name: "ValidationError",
      message:
        'ModelMonitoring "mistral": invalid arguments: dcgmExporter must be false here, since ModelMonitoring "llama" already scrapes the DCGM exporter in gpu-operator (it is one per cluster; duplicate scrapes double GPU series); got true',
    });
  });

  it("selects exactly the ModelServing Service, in its namespace, on its metrics port", async () => {
    const serving = new ModelServing("llama", {
      namespace: "ml-serving",
      modelName: "llama-3-8b",
      modelUri: ":s3,env_auth=true:models/llama-3-8b",
      image: "vllm/vllm-openai:v0.6.3",
      gpuProducts: ["NVIDIA-L40S"],
    });
    new ModelMonitoring("llama", {
      namespace: serving.namespace,
      serviceSelectorLabels: serving.selectorLabels,
    });
    const all = await registrations();
    const service: any = findResource(all, "kubernetes:core/v1:Service", "llama-svc").inputs;
    const monitor: any = findResource(
      all,
      "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
      "llama-servicemonitor",
    ).inputs;

    const matchLabels: Record<string, string> = monitor.spec.selector.matchLabels;
    assert.ok(Object.keys(matchLabels).length > 0);
    for (const [key, value] of Object.entries(matchLabels)) {
      assert.equal(service.metadata.labels[key], value, `Service label ${key}`);
    }
    assert.deepEqual(monitor.spec.namespaceSelector.matchNames, [service.metadata.namespace]);
    const portNames = (service.spec.ports as { name: string }[]).map((p) => p.name);
    assert.ok(portNames.includes(monitor.spec.endpoints[0].port));
    // And it selects no other Service of the program: the ModelServing's instance label is unique.
    assert.equal(matchLabels["app.kubernetes.io/instance"], "llama");
  });

  it("validates Output arguments once they resolve", async () => {
    const monitoring = new ModelMonitoring("late", { ...ARGS, serviceSelectorLabels: pulumi.output({}) });
    const internal = monitoring.serviceMonitorName as unknown as { promise(): Promise<unknown> };
    await assert.rejects(
      internal.promise(),
      /serviceSelectorLabels must be a non-empty map of labels; got \{\}/,
    );
  });
});
