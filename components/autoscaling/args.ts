/**
 * The arguments of an autoscaler for a serving Deployment, their defaults, and the settings
 * (arguments with every default applied) the specs are built from.
 */
import type * as pulumi from "@pulumi/pulumi";
import { MONITORING_NAMESPACE } from "../../conventions/labels";
import { MODEL_SERVER_CONTAINER, REQUESTS_PER_SECOND_METRIC, REQUESTS_TOTAL_METRIC } from "../lib/serving";

/** The sources an HPA's per-pod request-rate metric may come from. */
export const RequestsPerSecondSource = {
  /** A prometheus-adapter serving the metric from the server's request counter. */
  PrometheusAdapter: "prometheus-adapter",
} as const;
export type RequestsPerSecondSource = (typeof RequestsPerSecondSource)[keyof typeof RequestsPerSecondSource];
export const REQUESTS_PER_SECOND_SOURCES: readonly RequestsPerSecondSource[] =
  Object.values(RequestsPerSecondSource);

/** prometheus-operator's governing Service for the Prometheus pods in the monitoring namespace. */
export const DEFAULT_PROMETHEUS_ADDRESS = `http://prometheus-operated.${MONITORING_NAMESPACE}.svc:9090`;

/**
 * What an autoscaler does, apart from its target: the arguments a ModelServing takes for its own
 * autoscaler (whose target is its Deployment).
 */
export interface AutoscalerOptions {
  /**
   * Create an HPA. Must be known when the component is constructed.
   * @default true unless keda is true
   */
  readonly hpa?: boolean;
  /**
   * Create a KEDA ScaledObject instead of an HPA (needs KEDA installed). Must be known when the
   * component is constructed. @default false
   */
  readonly keda?: boolean;
  /**
   * Fewest replicas; at least 1 with an HPA. 0 (scale to zero) only with KEDA and a trigger that
   * can wake the Deployment from zero: `wakeUpPodSelector`, or the prometheus trigger with a
   * `prometheusQuery` of demand measured upstream. @default 1
   */
  readonly minReplicas?: pulumi.Input<number>;
  /** Most replicas; at least minReplicas. */
  readonly maxReplicas: pulumi.Input<number>;
  /** Target average CPU utilization of the server container, in percent of its request. @default 70 */
  readonly targetCpuUtilizationPercent?: pulumi.Input<number>;
  /**
   * Target requests per second per pod: the HPA's second metric (AverageValue of the per-pod
   * custom metric) when `requestsPerSecondSource` is set (and required then); with `keda`, the
   * threshold of KEDA's prometheus trigger, which the ScaledObject has only when this is set.
   * Refused otherwise: an HPA never reads it then. @default none
   */
  readonly targetRequestsPerSecond?: pulumi.Input<number>;
  /**
   * Where the HPA's per-pod request rate comes from. `"prometheus-adapter"`: the custom metrics
   * API (custom.metrics.k8s.io) served by a prometheus-adapter whose config holds the rule this
   * component outputs (`prometheusAdapterRule`), which derives the rate from the model server's
   * request counter. Without a source the HPA scales on CPU only, since Kubernetes refuses to
   * scale down while any metric of an HPA cannot be read. Not used with `keda` (KEDA queries
   * Prometheus itself). Must be known when the component is constructed. @default none
   */
  readonly requestsPerSecondSource?: RequestsPerSecondSource;
  /**
   * Per-pod custom metric the HPA reads, named by the prometheus-adapter rule; only with
   * `requestsPerSecondSource`. @default "inference_requests_per_second"
   */
  readonly requestsPerSecondMetric?: pulumi.Input<string>;
  /**
   * The model server's request counter the per-pod request rate is derived from (the
   * prometheus-adapter rule and KEDA's default query). A ModelServing sets it from its `server`
   * preset. @default "inference_requests_total"
   */
  readonly requestsTotalMetric?: pulumi.Input<string>;
  /**
   * The server's gauge of requests waiting to be scheduled (e.g. `vllm:num_requests_waiting`).
   * With `requestsPerSecondSource` the adapter rules also serve it per pod, as a custom metric
   * named like it with `:` replaced by `_`. A ModelServing sets it from its `server` preset.
   * @default none
   */
  readonly waitingRequestsMetric?: pulumi.Input<string>;
  /**
   * Target average of waiting requests per pod: a further HPA metric (AverageValue of
   * `waitingRequestsMetric`, custom.metrics.k8s.io). Only with `requestsPerSecondSource` and
   * `waitingRequestsMetric`. @default none
   */
  readonly targetWaitingRequests?: pulumi.Input<number>;
  /**
   * The server's gauge of KV-cache usage, 0 to 1 (e.g. `vllm:gpu_cache_usage_perc`). With
   * `requestsPerSecondSource` the adapter rules serve it per pod for dashboards and HPAs of your
   * own; it drives no HPA here, since it sits near 1 under any load a server batches well.
   * A ModelServing sets it from its `server` preset. @default none
   */
  readonly cacheUsageMetric?: pulumi.Input<string>;
  /**
   * Container whose CPU counts. Measuring the server container alone keeps an idle loader
   * sidecar from diluting the utilization. @default "model-server"
   */
  readonly cpuContainerName?: pulumi.Input<string>;
  /** How long load must stay low before scaling down. @default 300 */
  readonly scaleDownStabilizationSeconds?: pulumi.Input<number>;
  /** How long load must stay high before scaling up. @default 0 */
  readonly scaleUpStabilizationSeconds?: pulumi.Input<number>;
  /** Most pods added per minute: GPU pods are scarce and slow to start, so grow in steps. @default 2 */
  readonly scaleUpPodsPerMinute?: pulumi.Input<number>;
  /** Most pods removed per minute. @default 1 */
  readonly scaleDownPodsPerMinute?: pulumi.Input<number>;
  /**
   * KEDA: Prometheus to query; only with targetRequestsPerSecond (the prometheus trigger).
   * @default "http://prometheus-operated.monitoring.svc:9090"
   */
  readonly prometheusServerAddress?: pulumi.Input<string>;
  /**
   * KEDA: PromQL giving the total request rate of the Deployment; KEDA divides it by the replica
   * count and compares with targetRequestsPerSecond. Required when minReplicas is 0: the default
   * query reads the model server's own metrics, which vanish with the last pod, so nothing would
   * ever scale the Deployment back up. Measure demand upstream instead (gateway, queue).
   * @default sum(rate(inference_requests_total{namespace=...,pod=~"<deployment>-..."}[2m]))
   */
  readonly prometheusQuery?: pulumi.Input<string>;
  /**
   * KEDA: the query value above which a Deployment at zero is woken up; only with
   * targetRequestsPerSecond. @default 0
   */
  readonly prometheusActivationThreshold?: pulumi.Input<number>;
  /**
   * KEDA: a label selector (e.g. `k8s-ml-patterns/wakes=llama`) of pods in the namespace whose
   * presence wakes the Deployment and keeps it up: KEDA's kubernetes-workload trigger, which
   * counts the matching pods that have not finished and needs nothing outside the cluster. Label
   * the pods that use the model (batch clients, a gateway's warm-up Job) with it. It must not
   * match the model server's own pods, or the Deployment never scales to zero. @default none
   */
  readonly wakeUpPodSelector?: pulumi.Input<string>;
  /**
   * KEDA: matching pods per replica the kubernetes-workload trigger aims at (its `value`): with
   * N matching pods it asks for ceil(N / wakeUpPodsPerReplica) replicas, within the bounds.
   * Only with wakeUpPodSelector. @default 1
   */
  readonly wakeUpPodsPerReplica?: pulumi.Input<number>;
  /** KEDA: also scale on CPU (ignored for waking from zero, as KEDA requires). @default true */
  readonly kedaCpuTrigger?: pulumi.Input<boolean>;
  /** KEDA: seconds between trigger checks. @default 30 */
  readonly kedaPollingIntervalSeconds?: pulumi.Input<number>;
  /** KEDA: seconds without activity before scaling to zero. @default 300 */
  readonly kedaCooldownSeconds?: pulumi.Input<number>;
}

/** Arguments of the Autoscaling component: the options and the Deployment they scale. */
export interface AutoscalingArgs extends AutoscalerOptions {
  /** Namespace of the Deployment (the autoscaler lives there too). */
  readonly namespace: pulumi.Input<string>;
  /** Name of the Deployment to scale, e.g. `ModelServing.deploymentName`. */
  readonly deploymentName: pulumi.Input<string>;
}

/** Every literal default of the autoscaler options, in one place. */
export const AUTOSCALING_DEFAULTS = {
  keda: false,
  minReplicas: 1,
  targetCpuUtilizationPercent: 70,
  requestsPerSecondMetric: REQUESTS_PER_SECOND_METRIC,
  requestsTotalMetric: REQUESTS_TOTAL_METRIC,
  cpuContainerName: MODEL_SERVER_CONTAINER,
  scaleDownStabilizationSeconds: 300,
  scaleUpStabilizationSeconds: 0,
  scaleUpPodsPerMinute: 2,
  scaleDownPodsPerMinute: 1,
  prometheusServerAddress: DEFAULT_PROMETHEUS_ADDRESS,
  prometheusActivationThreshold: 0,
  wakeUpPodsPerReplica: 1,
  kedaCpuTrigger: true,
  kedaPollingIntervalSeconds: 30,
  kedaCooldownSeconds: 300,
} as const;

/** Autoscaling arguments with every default applied. */
export interface AutoscalingSettings {
  readonly name: string;
  readonly namespace: string;
  readonly deploymentName: string;
  readonly keda: boolean;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly targetCpuUtilizationPercent: number;
  /** Undefined unless the HPA has a request-rate source or KEDA a prometheus threshold. */
  readonly targetRequestsPerSecond: number | undefined;
  readonly requestsPerSecondSource: RequestsPerSecondSource | undefined;
  readonly requestsPerSecondMetric: string;
  readonly requestsTotalMetric: string;
  readonly waitingRequestsMetric: string | undefined;
  /** Undefined unless the HPA also scales on waiting requests. */
  readonly targetWaitingRequests: number | undefined;
  readonly cacheUsageMetric: string | undefined;
  readonly cpuContainerName: string;
  readonly scaleDownStabilizationSeconds: number;
  readonly scaleUpStabilizationSeconds: number;
  readonly scaleUpPodsPerMinute: number;
  readonly scaleDownPodsPerMinute: number;
  readonly prometheusServerAddress: string;
  readonly prometheusQuery: string;
  readonly prometheusActivationThreshold: number;
  /** Undefined unless KEDA also scales on the count of matching pods. */
  readonly wakeUpPodSelector: string | undefined;
  readonly wakeUpPodsPerReplica: number;
  readonly kedaCpuTrigger: boolean;
  readonly kedaPollingIntervalSeconds: number;
  readonly kedaCooldownSeconds: number;
}
