import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import {
  AUTOSCALING_TYPE,
  Autoscaling,
  type AutoscalingArgs,
  buildHorizontalPodAutoscaler,
  buildPrometheusAdapterRule,
  buildScaledObject,
  claimAutoscalingTarget,
  DEFAULT_PROMETHEUS_ADDRESS,
  defaultPrometheusQuery,
  rateQuantity,
  validateAutoscalingArgs,
  withAutoscalingDefaults,
} from "../../components/autoscaling";
import { ValidationError } from "../../components/lib/validation";
import { findResource, registrations, resetRegistrations, useMocks, valueOf } from "./harness";

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access */

// A namespace of its own, so claims left by these tests never meet other test files' targets.
const ARGS = {
  namespace: "autoscaling-test",
  deploymentName: "llama",
  minReplicas: 2,
  maxReplicas: 10,
  targetCpuUtilizationPercent: 70,
  targetRequestsPerSecond: 1000,
  requestsPerSecondSource: "prometheus-adapter",
} satisfies AutoscalingArgs;

/** KEDA, whose prometheus trigger needs no adapter. */
const KEDA = { keda: true, requestsPerSecondSource: undefined } as const;

/** KEDA without Prometheus: woken by pods labelled k8s-ml-patterns/wakes=llama, scaled on CPU. */
const WAKE_UP = {
  ...KEDA,
  targetRequestsPerSecond: undefined,
  wakeUpPodSelector: "k8s-ml-patterns/wakes=llama",
} as const;

/** An HPA with no request-rate source: CPU only. */
const CPU_ONLY = { targetRequestsPerSecond: undefined, requestsPerSecondSource: undefined } as const;
const CPU_ONLY_WITH_TARGET = { requestsPerSecondSource: undefined } as const;

type PlainArgs = pulumi.Unwrap<AutoscalingArgs>;

const settings = (overrides: Partial<PlainArgs> = {}) =>
  withAutoscalingDefaults("llama", { ...ARGS, ...overrides });

function invalid(overrides: Partial<PlainArgs>, message: string): void {
  assert.throws(
    () => {
      validateAutoscalingArgs("llama", { ...ARGS, ...overrides });
    },
    (error: unknown) => {
      assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
      assert.equal(error.message, `Autoscaling "llama": invalid arguments: ${message}`);
      return true;
    },
  );
}

describe("Autoscaling spec builders", () => {
  it("applies the documented defaults", () => {
    assert.deepEqual(
      withAutoscalingDefaults("a", {
        namespace: "ns",
        deploymentName: "d",
        maxReplicas: 3,
      }),
      {
        name: "a",
        namespace: "ns",
        deploymentName: "d",
        keda: false,
        minReplicas: 1,
        maxReplicas: 3,
        targetCpuUtilizationPercent: 70,
        targetRequestsPerSecond: undefined,
        requestsPerSecondSource: undefined,
        requestsPerSecondMetric: "inference_requests_per_second",
        requestsTotalMetric: "inference_requests_total",
        waitingRequestsMetric: undefined,
        targetWaitingRequests: undefined,
        cacheUsageMetric: undefined,
        cpuContainerName: "model-server",
        scaleDownStabilizationSeconds: 300,
        scaleUpStabilizationSeconds: 0,
        scaleUpPodsPerMinute: 2,
        scaleDownPodsPerMinute: 1,
        prometheusServerAddress: "http://prometheus-operated.monitoring.svc:9090",
        prometheusQuery: defaultPrometheusQuery("ns", "d"),
        prometheusActivationThreshold: 0,
        wakeUpPodSelector: undefined,
        wakeUpPodsPerReplica: 1,
        kedaCpuTrigger: true,
        kedaPollingIntervalSeconds: 30,
        kedaCooldownSeconds: 300,
      },
    );
  });

  it("builds an autoscaling/v2 HPA on server CPU and requests per second per pod", () => {
    const { metadata, spec }: any = buildHorizontalPodAutoscaler(settings());
    assert.equal(metadata.name, "llama");
    assert.equal(metadata.namespace, "autoscaling-test");
    assert.deepEqual(spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "llama" });
    assert.equal(spec.minReplicas, 2);
    assert.equal(spec.maxReplicas, 10);
    assert.deepEqual(spec.metrics, [
      {
        type: "ContainerResource",
        containerResource: {
          name: "cpu",
          container: "model-server",
          target: { type: "Utilization", averageUtilization: 70 },
        },
      },
      {
        type: "Pods",
        pods: {
          metric: { name: "inference_requests_per_second" },
          target: { type: "AverageValue", averageValue: "1000" },
        },
      },
    ]);
    assert.deepEqual(spec.behavior, {
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: "Max",
        policies: [{ type: "Pods", value: 2, periodSeconds: 60 }],
      },
      scaleDown: {
        stabilizationWindowSeconds: 300,
        selectPolicy: "Max",
        policies: [{ type: "Pods", value: 1, periodSeconds: 60 }],
      },
    });
  });

  it("without a request-rate source, builds an HPA on server CPU only", () => {
    const { spec }: any = buildHorizontalPodAutoscaler(settings(CPU_ONLY));
    assert.deepEqual(spec.metrics, [
      {
        type: "ContainerResource",
        containerResource: {
          name: "cpu",
          container: "model-server",
          target: { type: "Utilization", averageUtilization: 70 },
        },
      },
    ]);
  });

  it("builds the prometheus-adapter rule that serves the per-pod rate from the request counter", () => {
    assert.deepEqual(buildPrometheusAdapterRule(settings()), {
      seriesQuery: 'inference_requests_total{namespace="autoscaling-test",pod=~"llama-[a-z0-9]+-[a-z0-9]+"}',
      resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
      name: { matches: "^inference_requests_total$", as: "inference_requests_per_second" },
      metricsQuery: "sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)",
    });
  });

  it("takes the stabilization window and rates from the arguments", () => {
    const { spec }: any = buildHorizontalPodAutoscaler(
      settings({ scaleDownStabilizationSeconds: 600, scaleUpPodsPerMinute: 4, targetRequestsPerSecond: 2.5 }),
    );
    assert.equal(spec.behavior.scaleDown.stabilizationWindowSeconds, 600);
    assert.equal(spec.behavior.scaleUp.policies[0].value, 4);
    assert.equal(spec.metrics[1].pods.target.averageValue, "2500m");
  });

  it("writes request rates as Kubernetes quantities", () => {
    assert.equal(rateQuantity(1000), "1000");
    assert.equal(rateQuantity(0.25), "250m");
  });

  it("builds a KEDA ScaledObject with prometheus and cpu triggers", () => {
    const so: any = buildScaledObject(settings({ ...KEDA, minReplicas: 1 }));
    assert.equal(so.apiVersion, "keda.sh/v1alpha1");
    assert.equal(so.kind, "ScaledObject");
    assert.equal(so.metadata.name, "llama");
    assert.deepEqual(so.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "llama" });
    assert.equal(so.spec.minReplicaCount, 1);
    assert.equal(so.spec.maxReplicaCount, 10);
    assert.equal(so.spec.pollingInterval, 30);
    assert.equal(so.spec.cooldownPeriod, 300);
    assert.equal(
      so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds,
      300,
    );
    assert.deepEqual(so.spec.triggers, [
      {
        type: "prometheus",
        metricType: "AverageValue",
        metadata: {
          serverAddress: DEFAULT_PROMETHEUS_ADDRESS,
          query:
            'sum(rate(inference_requests_total{namespace="autoscaling-test",pod=~"llama-[a-z0-9]+-[a-z0-9]+"}[2m]))',
          threshold: "1000",
          activationThreshold: "0",
        },
      },
      {
        type: "cpu",
        metricType: "Utilization",
        metadata: { value: "70", containerName: "model-server" },
      },
    ]);
  });

  it("scales to zero on an upstream query, keeping the prometheus trigger next to cpu", () => {
    const query = 'sum(rate(gateway_requests_total{route="llama"}[2m]))';
    const so: any = buildScaledObject(
      settings({ ...KEDA, minReplicas: 0, prometheusQuery: query, prometheusActivationThreshold: 0.5 }),
    );
    assert.equal(so.spec.minReplicaCount, 0);
    const triggerTypes = (object: any): string[] =>
      (object.spec.triggers as { type: string }[]).map((t) => t.type);
    assert.deepEqual(triggerTypes(so), ["prometheus", "cpu"]);
    assert.equal(so.spec.triggers[0].metadata.query, query);
    assert.equal(so.spec.triggers[0].metadata.activationThreshold, "0.5");
    const withoutCpu: any = buildScaledObject(settings({ ...KEDA, kedaCpuTrigger: false }));
    assert.deepEqual(triggerTypes(withoutCpu), ["prometheus"]);
  });

  it("scales to zero on a wake-up selector: the kubernetes-workload trigger, no prometheus trigger without a threshold", () => {
    const so: any = buildScaledObject(
      settings({
        ...WAKE_UP,
        minReplicas: 0,
        wakeUpPodsPerReplica: 4,
        kedaCooldownSeconds: 20,
        kedaPollingIntervalSeconds: 5,
      }),
    );
    assert.equal(so.spec.minReplicaCount, 0);
    assert.equal(so.spec.cooldownPeriod, 20);
    assert.equal(so.spec.pollingInterval, 5);
    assert.deepEqual(so.spec.triggers, [
      {
        type: "kubernetes-workload",
        metricType: "AverageValue",
        metadata: { podSelector: "k8s-ml-patterns/wakes=llama", value: "4", activationValue: "0" },
      },
      {
        type: "cpu",
        metricType: "Utilization",
        metadata: { value: "70", containerName: "model-server" },
      },
    ]);
    const all: any = buildScaledObject(settings({ ...KEDA, wakeUpPodSelector: "app in (batch)" }));
    assert.deepEqual(
      (all.spec.triggers as { type: string }[]).map((t) => t.type),
      ["prometheus", "kubernetes-workload", "cpu"],
    );
  });
});

describe("Autoscaling validation", () => {
  it("accepts the example arguments, for an HPA and for KEDA", () => {
    validateAutoscalingArgs("llama", ARGS);
    validateAutoscalingArgs("llama", { ...ARGS, ...CPU_ONLY });
    validateAutoscalingArgs("llama", { ...ARGS, ...KEDA });
    validateAutoscalingArgs("llama", { ...ARGS, ...KEDA, minReplicas: 0, prometheusQuery: "sum(up)" });
    validateAutoscalingArgs("llama", { ...ARGS, ...KEDA, targetRequestsPerSecond: undefined });
    validateAutoscalingArgs("llama", { ...ARGS, ...WAKE_UP, minReplicas: 0, wakeUpPodsPerReplica: 2 });
    validateAutoscalingArgs("llama", { ...ARGS, ...WAKE_UP, minReplicas: 0, kedaCpuTrigger: false });
    validateAutoscalingArgs("llama", { ...ARGS, ...KEDA, minReplicas: 0, wakeUpPodSelector: "!legacy,tier" });
  });

  const cases: [string, Partial<PlainArgs>, string][] = [
    [
      "an HPA and KEDA on one component",
      { hpa: true, ...KEDA },
      "keda must be false when hpa is true: an HPA and a KEDA ScaledObject (which drives an HPA of its own) on one Deployment would overwrite each other's replica count; got true",
    ],
    [
      "neither HPA nor KEDA",
      { hpa: false },
      "hpa must be true unless keda is true (an Autoscaling component with neither scales nothing); got false",
    ],
    [
      "min > max replicas",
      { minReplicas: 5, maxReplicas: 3 },
      "maxReplicas must be at least minReplicas (5); got 3",
    ],
    [
      "zero replicas with an HPA",
      { minReplicas: 0 },
      "minReplicas must be at least 1 with an HPA (scaling to zero needs keda: true); got 0",
    ],
    ["fractional replicas", { minReplicas: 1.5 }, "minReplicas must be a whole number at least 0; got 1.5"],
    [
      "zero max replicas",
      { minReplicas: 0, maxReplicas: 0, ...KEDA, prometheusQuery: "sum(up)" },
      "maxReplicas must be a whole number at least 1; got 0",
    ],
    [
      "utilization over 100",
      { targetCpuUtilizationPercent: 120 },
      "targetCpuUtilizationPercent must be a whole number between 1 and 100; got 120",
    ],
    [
      "utilization of 0",
      { targetCpuUtilizationPercent: 0 },
      "targetCpuUtilizationPercent must be a whole number between 1 and 100; got 0",
    ],
    [
      "a non-positive request rate",
      { targetRequestsPerSecond: 0 },
      "targetRequestsPerSecond must be a number greater than 0; got 0",
    ],
    [
      "a stabilization window over an hour",
      { scaleDownStabilizationSeconds: 7200 },
      "scaleDownStabilizationSeconds must be a whole number between 0 and 3600; got 7200",
    ],
    [
      "a zero scale-up rate",
      { scaleUpPodsPerMinute: 0 },
      "scaleUpPodsPerMinute must be a whole number at least 1; got 0",
    ],
    [
      "a request-rate target for an HPA with no source for it",
      CPU_ONLY_WITH_TARGET,
      'targetRequestsPerSecond must be unset unless requestsPerSecondSource says where the per-pod rate comes from (e.g. "prometheus-adapter") or keda is true: without a source the HPA scales on CPU only; got 1000',
    ],
    [
      "a request-rate source without a target",
      { targetRequestsPerSecond: undefined },
      "targetRequestsPerSecond must be set with requestsPerSecondSource (the per-pod rate the HPA aims at); got undefined",
    ],
    [
      "KEDA with no trigger at all",
      { ...KEDA, targetRequestsPerSecond: undefined, kedaCpuTrigger: false },
      "kedaCpuTrigger must be true unless targetRequestsPerSecond (the prometheus trigger) or wakeUpPodSelector gives the ScaledObject another trigger (KEDA needs at least one); got false",
    ],
    [
      "a prometheus key without the prometheus trigger",
      { ...KEDA, targetRequestsPerSecond: undefined, prometheusQuery: "sum(up)" },
      'prometheusQuery must be unset unless keda is true and targetRequestsPerSecond is set (it configures KEDA\'s prometheus trigger, which exists only then); got "sum(up)"',
    ],
    [
      "scale to zero with no trigger that can wake the Deployment",
      { ...KEDA, targetRequestsPerSecond: undefined, minReplicas: 0 },
      "minReplicas must be at least 1 unless a trigger can wake the Deployment from zero: wakeUpPodSelector (pods whose presence wakes it), or targetRequestsPerSecond with a prometheusQuery of demand measured upstream (CPU cannot be read with no pods); got 0",
    ],
    [
      "a wake-up selector without KEDA",
      { wakeUpPodSelector: "k8s-ml-patterns/wakes=llama" },
      'wakeUpPodSelector must be unset unless keda is true (it is KEDA\'s kubernetes-workload trigger); got "k8s-ml-patterns/wakes=llama"',
    ],
    [
      "a wake-up selector Kubernetes would not parse",
      { ...WAKE_UP, wakeUpPodSelector: "a=b=c" },
      'wakeUpPodSelector must be a non-empty label selector such as "k8s-ml-patterns/wakes=llama" or "app in (batch,gateway)"; got "a=b=c"',
    ],
    [
      "an empty wake-up selector (every pod, the server's own too)",
      { ...WAKE_UP, wakeUpPodSelector: " " },
      'wakeUpPodSelector must be a non-empty label selector such as "k8s-ml-patterns/wakes=llama" or "app in (batch,gateway)"; got " "',
    ],
    [
      "no pods per replica",
      { ...WAKE_UP, wakeUpPodsPerReplica: 0 },
      "wakeUpPodsPerReplica must be a number greater than 0; got 0",
    ],
    [
      "pods per replica without a wake-up selector",
      { ...KEDA, wakeUpPodsPerReplica: 2 },
      "wakeUpPodsPerReplica must be unset unless wakeUpPodSelector is set (the pods it counts); got 2",
    ],
    [
      "an unknown request-rate source",
      { requestsPerSecondSource: "datadog" as "prometheus-adapter" },
      'requestsPerSecondSource must be one of "prometheus-adapter"; got "datadog"',
    ],
    [
      "a request-rate source with KEDA",
      { keda: true, hpa: false },
      `requestsPerSecondSource must be unset with keda: true (KEDA's prometheus trigger queries Prometheus itself, no adapter involved); got "prometheus-adapter"`,
    ],
    [
      "a metric name for an HPA with no source",
      { ...CPU_ONLY, requestsPerSecondMetric: "rps" },
      'requestsPerSecondMetric must be unset unless requestsPerSecondSource is set (only the HPA\'s sourced per-pod metric has a name); got "rps"',
    ],
    [
      "an invalid metric name",
      { requestsPerSecondMetric: "requests-per-second" },
      'requestsPerSecondMetric must be a Prometheus metric name; got "requests-per-second"',
    ],
    [
      "an invalid namespace",
      { namespace: "Prod" },
      `namespace must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters); got "Prod"`,
    ],
    [
      "an invalid Deployment name",
      { deploymentName: "Llama" },
      `deploymentName must be a Deployment name (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters); got "Llama"`,
    ],
    [
      "a Prometheus address that is no URL",
      { ...KEDA, prometheusServerAddress: "prometheus:9090" },
      'prometheusServerAddress must be an http:// or https:// URL; got "prometheus:9090"',
    ],
    [
      "scale to zero on the servers' own metrics",
      { ...KEDA, minReplicas: 0 },
      "prometheusQuery must be set when minReplicas is 0 without wakeUpPodSelector: the default query reads the model servers' own metrics, which disappear with the last pod, so the Deployment would never wake up; query demand measured upstream (gateway or queue); got undefined",
    ],
    ["an empty query", { ...KEDA, prometheusQuery: " " }, 'prometheusQuery must be a PromQL query; got " "'],
    [
      "a negative activation threshold",
      { ...KEDA, prometheusActivationThreshold: -1 },
      "prometheusActivationThreshold must be a number of at least 0; got -1",
    ],
    [
      "a zero polling interval",
      { ...KEDA, kedaPollingIntervalSeconds: 0 },
      "kedaPollingIntervalSeconds must be a whole number at least 1; got 0",
    ],
  ];
  for (const [what, overrides, message] of cases) {
    it(`rejects ${what}`, () => {
      invalid(overrides, message);
    });
  }
});

describe("Autoscaling component", () => {
  // A new mocked program run per test: each starts without registrations or claims.
  beforeEach(async () => {
    resetRegistrations();
    await useMocks();
  });

  it("creates an HPA by default", async () => {
    const scaling = new Autoscaling("llama", ARGS);
    const all = await registrations();
    assert.deepEqual(all.map((r) => `${r.type}:${r.name}`).sort(), [
      "k8sml:index:Autoscaling:llama",
      "kubernetes:autoscaling/v2:HorizontalPodAutoscaler:llama-hpa",
    ]);
    assert.equal(AUTOSCALING_TYPE, "k8sml:index:Autoscaling");
    const hpa: any = findResource(
      all,
      "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
      "llama-hpa",
    ).inputs;
    assert.equal(hpa.spec.minReplicas, 2);
    assert.equal(hpa.spec.maxReplicas, 10);
    assert.equal(hpa.spec.metrics[1].pods.target.averageValue, "1000");
    assert.equal(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds, 300);
    assert.equal(await valueOf(scaling.autoscalerName), "llama");
    assert.equal(scaling.autoscalerKind, "HorizontalPodAutoscaler");
    assert.equal(scaling.scaledObject, undefined);
  });

  it("outputs the prometheus-adapter rule with that source, and an HPA on CPU only without one", async () => {
    const sourced = new Autoscaling("llama", ARGS);
    const cpuOnly = new Autoscaling("mistral", { ...ARGS, ...CPU_ONLY, deploymentName: "mistral" });
    const all = await registrations();
    assert.equal(
      ((await valueOf(sourced.prometheusAdapterRule as pulumi.Output<unknown>)) as any).name.as,
      "inference_requests_per_second",
    );
    assert.equal(cpuOnly.prometheusAdapterRule, undefined);
    const hpa: any = findResource(
      all,
      "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
      "mistral-hpa",
    ).inputs;
    assert.deepEqual(
      (hpa.spec.metrics as { type: string }[]).map((m) => m.type),
      ["ContainerResource"],
    );
  });

  it("creates only a KEDA ScaledObject when keda is true", async () => {
    const scaling = new Autoscaling("llama", {
      ...ARGS,
      ...KEDA,
      minReplicas: 0,
      prometheusQuery: 'sum(rate(gateway_requests_total{route="llama"}[2m]))',
    });
    const all = await registrations();
    assert.deepEqual(all.map((r) => `${r.type}:${r.name}`).sort(), [
      "k8sml:index:Autoscaling:llama",
      "kubernetes:keda.sh/v1alpha1:ScaledObject:llama-scaledobject",
    ]);
    const so: any = findResource(
      all,
      "kubernetes:keda.sh/v1alpha1:ScaledObject",
      "llama-scaledobject",
    ).inputs;
    assert.equal(so.spec.minReplicaCount, 0);
    assert.equal(so.spec.triggers[0].type, "prometheus");
    assert.equal(await valueOf(scaling.autoscalerName), "llama");
    assert.equal(scaling.autoscalerKind, "ScaledObject");
    assert.equal(scaling.horizontalPodAutoscaler, undefined);
  });

  it("rejects a second autoscaler on the same Deployment, before registering it", async () => {
    new Autoscaling("llama-hpa", ARGS);
    assert.throws(
      () => new Autoscaling("llama-keda", { ...ARGS, ...KEDA }),
      (error: unknown) =>
        error instanceof ValidationError &&
        error.message ===
          'Autoscaling "llama-keda": invalid arguments: deploymentName must be a Deployment no other autoscaler targets, but Autoscaling "llama-hpa" (an HPA) already scales it; got "autoscaling-test/llama"',
    );
    const all = await registrations();
    assert.deepEqual(
      all.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.name),
      ["llama-hpa-hpa"],
    );
  });

  it("lets autoscalers target different Deployments and namespaces", async () => {
    new Autoscaling("a", ARGS);
    new Autoscaling("b", { ...ARGS, deploymentName: "mistral" });
    new Autoscaling("c", { ...ARGS, namespace: "autoscaling-test-2" });
    const all = await registrations();
    assert.equal(all.filter((r) => r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").length, 3);
  });

  it("keeps claims per program run: a new run may scale the Deployment another run scaled", async () => {
    new Autoscaling("first-run", ARGS);
    await registrations();
    assert.throws(() => new Autoscaling("same-run", ARGS), /already scales it/);
    await useMocks(); // the next program run
    new Autoscaling("next-run", ARGS);
    const all = await registrations();
    assert.ok(all.some((r) => r.name === "next-run-hpa"));
  });

  it("checks the claim once Output arguments resolve", async () => {
    claimAutoscalingTarget("first", { ...ARGS, deploymentName: "late" });
    const second = new Autoscaling("second", { ...ARGS, deploymentName: pulumi.output("late") });
    // The HPA cannot be built from arguments that failed; its name never resolves.
    const internal = second.autoscalerName as unknown as { promise(): Promise<unknown> };
    await assert.rejects(
      internal.promise(),
      /deploymentName must be a Deployment no other autoscaler targets, but Autoscaling "first" \(an HPA\) already scales it/,
    );
  });

  it("builds from Output arguments", async () => {
    new Autoscaling("late", { ...ARGS, maxReplicas: pulumi.output(4) });
    const all = await registrations();
    const hpa: any = findResource(
      all,
      "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
      "late-hpa",
    ).inputs;
    assert.equal(hpa.spec.maxReplicas, 4);
  });
});
