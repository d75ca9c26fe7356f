/** The Kubernetes objects of a ModelServing: Deployment, Service, PodDisruptionBudget, ServiceAccount. */
import type * as k8s from "@pulumi/kubernetes";
import { queuedAwaitAnnotations, queueLabels } from "../lib/queue";
import { HTTP_PORT_NAME, METRICS_PORT_NAME } from "../lib/serving";
import { type ModelServingSettings, SERVING_ROLLING_UPDATE } from "./args";
import { buildPodSpec, modelServingLabels, modelServingPodLabels, modelServingSelectorLabels } from "./pod";
import { podStartBudgetSeconds } from "./settings";

/** `<service>.<namespace>.svc.<cluster domain>` */
export function serviceDnsName(settings: ModelServingSettings): string {
  return `${settings.name}.${settings.namespace}.svc.${settings.clusterDomain}`;
}

/**
 * How `pulumi up` waits for the Deployment: for the rollout, within `rolloutTimeoutSeconds`
 * (Pulumi's 10-minute default is shorter than one slow model load); when queued, only until it
 * is observed (queuedAwaitAnnotations).
 */
export function deploymentAwaitAnnotations(settings: ModelServingSettings): Record<string, string> {
  return queuedAwaitAnnotations(settings, settings.rolloutTimeoutSeconds);
}

/** The Deployment: one pod at a time beyond the serving capacity, awaited as long as a model load. */
export function buildDeployment(settings: ModelServingSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: k8s.types.input.apps.v1.DeploymentSpec;
} {
  const labels = modelServingLabels(settings);
  return {
    metadata: {
      name: settings.name,
      namespace: settings.namespace,
      // Kueue's webhook copies the queue labels into the pod template; the pods' own labels
      // (and the selector) stay without them, so queueing never changes what the Service selects.
      labels: { ...labels, ...queueLabels(settings) },
      annotations: deploymentAwaitAnnotations(settings),
    },
    spec: {
      replicas: settings.replicas,
      selector: { matchLabels: modelServingSelectorLabels(settings) },
      // Never below the serving capacity: one extra pod (and its GPUs) at a time.
      strategy: { type: "RollingUpdate", rollingUpdate: { ...SERVING_ROLLING_UPDATE } },
      // The default 600 s would declare a rollout failed while a new pod is still loading.
      progressDeadlineSeconds: podStartBudgetSeconds(settings),
      revisionHistoryLimit: 5,
      template: { metadata: { labels: modelServingPodLabels(settings) }, spec: buildPodSpec(settings) },
    },
  };
}

/** The ClusterIP Service: the `http` and (unless metrics are on `http`) `metrics` ports of the pods. */
export function buildService(settings: ModelServingSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: k8s.types.input.core.v1.ServiceSpec;
} {
  return {
    metadata: {
      name: settings.name,
      namespace: settings.namespace,
      // Full labels, so a ServiceMonitor can select this Service by the selector labels.
      labels: modelServingLabels(settings),
      annotations: {
        // The Deployment's await already proves the pods ready. The Service's own await would wait
        // for ready endpoints: past its 10-minute default while a model loads, and forever once an
        // autoscaler has scaled to zero.
        "pulumi.com/skipAwait": "true",
      },
    },
    spec: {
      type: "ClusterIP",
      selector: modelServingSelectorLabels(settings),
      ports: [
        { name: HTTP_PORT_NAME, port: settings.httpPort, targetPort: HTTP_PORT_NAME, protocol: "TCP" },
        ...(settings.metricsOnHttpPort
          ? []
          : [
              {
                name: METRICS_PORT_NAME,
                port: settings.metricsPort,
                targetPort: METRICS_PORT_NAME,
                protocol: "TCP",
              },
            ]),
      ],
    },
  };
}

/** The PodDisruptionBudget: node drains stay possible, one replica at a time by default. */
export function buildPodDisruptionBudget(settings: ModelServingSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: k8s.types.input.policy.v1.PodDisruptionBudgetSpec;
} {
  return {
    metadata: { name: settings.name, namespace: settings.namespace, labels: modelServingLabels(settings) },
    spec: {
      selector: { matchLabels: modelServingSelectorLabels(settings) },
      ...(settings.pdbMinAvailable === undefined
        ? { maxUnavailable: 1 }
        : { minAvailable: settings.pdbMinAvailable }),
      // A pod that never became ready (e.g. stuck loading) must not block node drains.
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    },
  };
}

/** The server's own ServiceAccount; it mounts no token unless asked. */
export function buildServiceAccount(settings: ModelServingSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  automountServiceAccountToken: boolean;
} {
  return {
    metadata: {
      name: settings.name,
      namespace: settings.namespace,
      labels: modelServingLabels(settings),
      ...(Object.keys(settings.serviceAccountAnnotations).length === 0
        ? {}
        : { annotations: { ...settings.serviceAccountAnnotations } }),
    },
    automountServiceAccountToken: settings.automountServiceAccountToken,
  };
}
