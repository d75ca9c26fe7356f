/** The Kubernetes objects of an autoscaler, built from its settings: an HPA or a KEDA ScaledObject. */
import type * as k8s from "@pulumi/kubernetes";
import { ComponentRoles } from "../../conventions/labels";
import { standardLabels } from "../lib/labels";
import type { AutoscalingSettings } from "./args";

export const KEDA_API_VERSION = "keda.sh/v1alpha1";
export const SCALED_OBJECT_KIND = "ScaledObject";

/** The names of a Deployment's pods, <deployment>-<pod-template-hash>-<suffix>, as a regex. */
export function deploymentPodPattern(deploymentName: string): string {
  return `${deploymentName}-[a-z0-9]+-[a-z0-9]+`;
}

/** A request rate as a Kubernetes quantity ("1000", "2500m"). */
export function rateQuantity(perSecond: number): string {
  return Number.isInteger(perSecond) ? String(perSecond) : `${String(Math.round(perSecond * 1000))}m`;
}

function autoscalingLabels(settings: AutoscalingSettings): Record<string, string> {
  // Part of the model server it scales; the instance label keeps it apart from the serving objects.
  return standardLabels(settings.deploymentName, settings.name, ComponentRoles.modelServer);
}

function scaleTargetRef(settings: AutoscalingSettings): { apiVersion: string; kind: string; name: string } {
  return { apiVersion: "apps/v1", kind: "Deployment", name: settings.deploymentName };
}

/** Scaling behavior shared by the HPA and the HPA KEDA manages. */
export function buildScalingBehavior(
  settings: AutoscalingSettings,
): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerBehavior {
  return {
    scaleUp: {
      stabilizationWindowSeconds: settings.scaleUpStabilizationSeconds,
      selectPolicy: "Max",
      policies: [{ type: "Pods", value: settings.scaleUpPodsPerMinute, periodSeconds: 60 }],
    },
    scaleDown: {
      // Reloading a model costs minutes, so do not give pods up on a short lull.
      stabilizationWindowSeconds: settings.scaleDownStabilizationSeconds,
      selectPolicy: "Max",
      policies: [{ type: "Pods", value: settings.scaleDownPodsPerMinute, periodSeconds: 60 }],
    },
  };
}

/** The custom-metrics API name prometheus-adapter serves a server series as (`:` becomes `_`). */
export function customMetricName(series: string): string {
  return series.replace(/:/g, "_");
}

/** The validated target request rate; validation guarantees it wherever a spec reads it. */
function targetRate(settings: AutoscalingSettings): number {
  if (settings.targetRequestsPerSecond === undefined) {
    throw new Error(`Autoscaling "${settings.name}": no targetRequestsPerSecond`);
  }
  return settings.targetRequestsPerSecond;
}

/**
 * The metrics the HPA reads: CPU utilization of the server container (metrics.k8s.io, from
 * metrics-server) always; requests per second per pod (custom.metrics.k8s.io) only when the
 * settings name a source for it, since an unreadable metric stops every scale-down; and from
 * the same source waiting requests per pod when a target is set for them.
 */
export function buildHpaMetrics(settings: AutoscalingSettings): k8s.types.input.autoscaling.v2.MetricSpec[] {
  const cpu: k8s.types.input.autoscaling.v2.MetricSpec = {
    type: "ContainerResource",
    containerResource: {
      name: "cpu",
      container: settings.cpuContainerName,
      target: { type: "Utilization", averageUtilization: settings.targetCpuUtilizationPercent },
    },
  };
  if (settings.requestsPerSecondSource === undefined) return [cpu];
  const waiting = settings.waitingRequestsMetric;
  const waitingTarget = settings.targetWaitingRequests;
  return [
    cpu,
    {
      type: "Pods",
      pods: {
        metric: { name: settings.requestsPerSecondMetric },
        target: { type: "AverageValue", averageValue: rateQuantity(targetRate(settings)) },
      },
    },
    ...(waiting === undefined || waitingTarget === undefined
      ? []
      : [
          {
            type: "Pods",
            pods: {
              metric: { name: customMetricName(waiting) },
              target: { type: "AverageValue", averageValue: rateQuantity(waitingTarget) },
            },
          },
        ]),
  ];
}

/** The HPA: CPU utilization of the server container, and requests per second per pod when sourced. */
export function buildHorizontalPodAutoscaler(settings: AutoscalingSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec;
} {
  return {
    metadata: { name: settings.name, namespace: settings.namespace, labels: autoscalingLabels(settings) },
    spec: {
      scaleTargetRef: scaleTargetRef(settings),
      minReplicas: settings.minReplicas,
      maxReplicas: settings.maxReplicas,
      metrics: buildHpaMetrics(settings),
      behavior: buildScalingBehavior(settings),
    },
  };
}

/** A prometheus-adapter discovery rule (an item of `rules:` in its config). */
export interface PrometheusAdapterRule {
  readonly seriesQuery: string;
  readonly resources: PrometheusAdapterResources;
  readonly name: PrometheusAdapterName;
  readonly metricsQuery: string;
}

/** How a prometheus-adapter rule maps series labels to Kubernetes resources. */
export interface PrometheusAdapterResources {
  readonly overrides: Record<string, PrometheusAdapterOverride>;
}

/** The Kubernetes resource a series label names. */
export interface PrometheusAdapterOverride {
  readonly resource: string;
}

/** The series a prometheus-adapter rule matches and the metric name it serves. */
export interface PrometheusAdapterName {
  readonly matches: string;
  readonly as: string;
}

/**
 * The prometheus-adapter rule that serves the HPA's per-pod metric: the rate of the model
 * server's request counter over 2 minutes, per pod of the Deployment.
 */
export function buildPrometheusAdapterRule(settings: AutoscalingSettings): PrometheusAdapterRule {
  return adapterRule(
    settings,
    settings.requestsTotalMetric,
    settings.requestsPerSecondMetric,
    "sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)",
  );
}

function adapterRule(
  settings: AutoscalingSettings,
  series: string,
  as: string,
  metricsQuery: string,
): PrometheusAdapterRule {
  return {
    seriesQuery: `${series}{namespace="${settings.namespace}",pod=~"${deploymentPodPattern(settings.deploymentName)}"}`,
    resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
    name: { matches: `^${series}$`, as },
    metricsQuery,
  };
}

/**
 * Every prometheus-adapter rule of the autoscaler: the request rate, then each gauge the server
 * exports (waiting requests, KV-cache usage) per pod, under its custom-metric name. A pod's
 * gauges are summed over its series (one per served model name).
 */
export function buildPrometheusAdapterRules(settings: AutoscalingSettings): PrometheusAdapterRule[] {
  const gauges = [settings.waitingRequestsMetric, settings.cacheUsageMetric].filter(
    (series): series is string => series !== undefined,
  );
  return [
    buildPrometheusAdapterRule(settings),
    ...gauges.map((series) =>
      adapterRule(
        settings,
        series,
        customMetricName(series),
        "sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
      ),
    ),
  ];
}

/** A KEDA trigger: its type, metric type and metadata (KEDA reads every metadata value as text). */
export interface KedaTrigger {
  readonly type: string;
  readonly metricType: string;
  readonly metadata: Record<string, string>;
}

/**
 * The ScaledObject's triggers: the prometheus trigger when a request-rate threshold is set,
 * the kubernetes-workload trigger (pods matching wakeUpPodSelector) when set, and CPU unless
 * turned off. KEDA never wakes a Deployment from zero on CPU (no pods, no CPU) and accepts
 * minReplicaCount 0 only beside a trigger that is not cpu or memory; validation guarantees one.
 */
export function buildKedaTriggers(settings: AutoscalingSettings): KedaTrigger[] {
  const triggers: KedaTrigger[] = [];
  if (settings.targetRequestsPerSecond !== undefined) {
    triggers.push({
      type: "prometheus",
      metricType: "AverageValue",
      metadata: {
        serverAddress: settings.prometheusServerAddress,
        query: settings.prometheusQuery,
        threshold: String(settings.targetRequestsPerSecond),
        activationThreshold: String(settings.prometheusActivationThreshold),
      },
    });
  }
  if (settings.wakeUpPodSelector !== undefined) {
    // Active while at least one matching pod has not finished (activationValue 0).
    triggers.push({
      type: "kubernetes-workload",
      metricType: "AverageValue",
      metadata: {
        podSelector: settings.wakeUpPodSelector,
        value: String(settings.wakeUpPodsPerReplica),
        activationValue: "0",
      },
    });
  }
  if (settings.kedaCpuTrigger) {
    triggers.push({
      type: "cpu",
      metricType: "Utilization",
      metadata: {
        value: String(settings.targetCpuUtilizationPercent),
        containerName: settings.cpuContainerName,
      },
    });
  }
  return triggers;
}

/** A KEDA ScaledObject (keda.sh/v1alpha1) as CustomResource arguments. */
export function buildScaledObject(settings: AutoscalingSettings): {
  apiVersion: string;
  kind: string;
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: Record<string, unknown>;
} {
  return {
    apiVersion: KEDA_API_VERSION,
    kind: SCALED_OBJECT_KIND,
    metadata: { name: settings.name, namespace: settings.namespace, labels: autoscalingLabels(settings) },
    spec: {
      scaleTargetRef: scaleTargetRef(settings),
      minReplicaCount: settings.minReplicas,
      maxReplicaCount: settings.maxReplicas,
      pollingInterval: settings.kedaPollingIntervalSeconds,
      cooldownPeriod: settings.kedaCooldownSeconds,
      advanced: { horizontalPodAutoscalerConfig: { behavior: buildScalingBehavior(settings) } },
      triggers: buildKedaTriggers(settings),
    },
  };
}
