/** The Kubernetes objects of an autoscaler, built from its settings: an HPA or a KEDA ScaledObject. */
import type * as k8s from "@pulumi/kubernetes";
import { ComponentRoles } from "../../conventions/labels";
import { standardLabels } from "../lib/labels";
import type { AutoscalingSettings } from "./args";

export const KEDA_API_VERSION = "keda.sh/v1alpha1";
export const SCALED_OBJECT_KIND = "ScaledObject";

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

/** The HPA: CPU utilization of the server container and requests per second per pod. */
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
      metrics: [
        {
          type: "ContainerResource",
          containerResource: {
            name: "cpu",
            container: settings.cpuContainerName,
            target: { type: "Utilization", averageUtilization: settings.targetCpuUtilizationPercent },
          },
        },
        {
          type: "Pods",
          pods: {
            metric: { name: settings.requestsPerSecondMetric },
            target: { type: "AverageValue", averageValue: rateQuantity(settings.targetRequestsPerSecond) },
          },
        },
      ],
      behavior: buildScalingBehavior(settings),
    },
  };
}

/** A KEDA ScaledObject (keda.sh/v1alpha1) as CustomResource arguments. */
export function buildScaledObject(settings: AutoscalingSettings): {
  apiVersion: string;
  kind: string;
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: Record<string, unknown>;
} {
  const prometheus = {
    type: "prometheus",
    metricType: "AverageValue",
    metadata: {
      serverAddress: settings.prometheusServerAddress,
      query: settings.prometheusQuery,
      threshold: String(settings.targetRequestsPerSecond),
      activationThreshold: String(settings.prometheusActivationThreshold),
    },
  };
  // KEDA never wakes a Deployment from zero on cpu (no pods, no CPU) and accepts minReplicaCount 0
  // only next to a trigger that is not cpu or memory: the prometheus trigger is always present.
  const cpu = {
    type: "cpu",
    metricType: "Utilization",
    metadata: {
      value: String(settings.targetCpuUtilizationPercent),
      containerName: settings.cpuContainerName,
    },
  };
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
      triggers: settings.kedaCpuTrigger ? [prometheus, cpu] : [prometheus],
    },
  };
}
