/** The ServiceMonitors of a model server and of the DCGM exporter, built from the settings. */
import type * as k8s from "@pulumi/kubernetes";
import { ComponentRoles, LabelKeys } from "../../conventions/labels";
import { standardLabels } from "../lib/labels";
import type { ModelMonitoringSettings } from "./args";
import { durationMillis } from "./validate";

export const SERVICE_MONITOR_API_VERSION = "monitoring.coreos.com/v1";
export const SERVICE_MONITOR_KIND = "ServiceMonitor";

function monitoringLabels(settings: ModelMonitoringSettings): Record<string, string> {
  const appName = settings.serviceSelectorLabels[LabelKeys.name] ?? settings.name;
  return {
    ...standardLabels(appName, settings.name, ComponentRoles.monitoring),
    // Last, so that Prometheus's selector labels always hold.
    ...settings.prometheusSelectorLabels,
  };
}

/** Adds the node name to every series, so GPU and server metrics can be joined per node. */
const NODE_RELABELING = {
  sourceLabels: ["__meta_kubernetes_pod_node_name"],
  targetLabel: "node",
  action: "replace",
};

export interface ServiceMonitorResource {
  apiVersion: string;
  kind: string;
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: Record<string, unknown>;
}

/** ServiceMonitor for the model server's metrics port. */
export function buildModelServiceMonitor(settings: ModelMonitoringSettings): ServiceMonitorResource {
  return {
    apiVersion: SERVICE_MONITOR_API_VERSION,
    kind: SERVICE_MONITOR_KIND,
    metadata: {
      name: settings.name,
      namespace: settings.serviceMonitorNamespace,
      labels: monitoringLabels(settings),
    },
    spec: {
      selector: { matchLabels: { ...settings.serviceSelectorLabels } },
      namespaceSelector: { matchNames: [settings.namespace] },
      endpoints: [
        {
          port: settings.metricsPortName,
          path: settings.metricsPath,
          interval: settings.scrapeInterval,
          scrapeTimeout: settings.scrapeTimeout,
          relabelings: [NODE_RELABELING],
        },
      ],
    },
  };
}

/** ServiceMonitor for NVIDIA's DCGM exporter, keeping only the listed GPU metrics. */
export function buildDcgmServiceMonitor(settings: ModelMonitoringSettings): ServiceMonitorResource {
  const interval = settings.dcgmScrapeInterval;
  return {
    apiVersion: SERVICE_MONITOR_API_VERSION,
    kind: SERVICE_MONITOR_KIND,
    metadata: {
      name: `${settings.name}-dcgm`,
      namespace: settings.dcgmNamespace,
      labels: monitoringLabels(settings),
    },
    spec: {
      selector: { matchLabels: { ...settings.dcgmSelectorLabels } },
      namespaceSelector: { matchNames: [settings.dcgmNamespace] },
      endpoints: [
        {
          port: settings.dcgmPortName,
          path: "/metrics",
          interval,
          scrapeTimeout: durationMillis(interval) < durationMillis("10s") ? interval : "10s",
          // The exporter labels each GPU series with the pod, namespace and container using the
          // GPU; honoring them keeps them from being renamed to exported_pod and so on.
          honorLabels: true,
          relabelings: [NODE_RELABELING],
          metricRelabelings: [
            {
              sourceLabels: ["__name__"],
              regex: `(${settings.dcgmMetrics.join("|")})`,
              action: "keep",
            },
          ],
        },
      ],
    },
  };
}
