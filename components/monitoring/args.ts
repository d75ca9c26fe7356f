/**
 * The arguments of prometheus-operator ServiceMonitors for a model server (and optionally the
 * cluster's DCGM exporter), their defaults, and the settings the specs are built from.
 */
import type * as pulumi from "@pulumi/pulumi";
import { METRICS_PORT_NAME } from "../lib/serving";

/** Labels kube-prometheus-stack's Prometheus selects ServiceMonitors by (its release name). */
export const DEFAULT_PROMETHEUS_SELECTOR_LABELS: Readonly<Record<string, string>> = { release: "prometheus" };

/** Where the GPU operator runs the DCGM exporter, and how its Service is labelled and its port named. */
export const DEFAULT_DCGM_NAMESPACE = "gpu-operator";
export const DEFAULT_DCGM_SELECTOR_LABELS: Readonly<Record<string, string>> = { app: "nvidia-dcgm-exporter" };
export const DEFAULT_DCGM_PORT_NAME = "gpu-metrics";

/**
 * DCGM fields worth storing for inference: utilization, framebuffer memory, power, temperature,
 * clocks, errors and the profiling counters that show how busy the tensor cores really are.
 * Everything else the exporter emits is dropped at scrape time.
 */
export const DEFAULT_DCGM_METRICS: readonly string[] = [
  "DCGM_FI_DEV_GPU_UTIL",
  "DCGM_FI_DEV_MEM_COPY_UTIL",
  "DCGM_FI_DEV_FB_USED",
  "DCGM_FI_DEV_FB_FREE",
  "DCGM_FI_DEV_POWER_USAGE",
  "DCGM_FI_DEV_GPU_TEMP",
  "DCGM_FI_DEV_SM_CLOCK",
  "DCGM_FI_DEV_XID_ERRORS",
  "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
  "DCGM_FI_PROF_SM_ACTIVE",
  "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
  "DCGM_FI_PROF_DRAM_ACTIVE",
];

/**
 * How to scrape, apart from what: the arguments a ModelServing takes for its own ServiceMonitors
 * (which select its own Service).
 */
export interface MonitoringOptions {
  /**
   * Namespace the ServiceMonitor is created in; Prometheus must watch it
   * (serviceMonitorNamespaceSelector). @default namespace
   */
  readonly serviceMonitorNamespace?: pulumi.Input<string>;
  /** Name of the Service port to scrape. @default "metrics" */
  readonly metricsPortName?: pulumi.Input<string>;
  /** HTTP path of the metrics. @default "/metrics" */
  readonly metricsPath?: pulumi.Input<string>;
  /** Scrape interval (Prometheus duration). @default "30s" */
  readonly scrapeInterval?: pulumi.Input<string>;
  /** Scrape timeout; must not exceed the interval. @default "10s" */
  readonly scrapeTimeout?: pulumi.Input<string>;
  /** Labels Prometheus selects ServiceMonitors by (serviceMonitorSelector). @default { release: "prometheus" } */
  readonly prometheusSelectorLabels?: pulumi.Input<Record<string, string>>;
  /**
   * Also create a ServiceMonitor for the DCGM exporter. It is per cluster, so enable it on one
   * ModelMonitoring only (a second one for the same namespace is rejected). Must be known when
   * the component is constructed. @default false
   */
  readonly dcgmExporter?: boolean;
  /** Namespace of the DCGM exporter Service. @default "gpu-operator" */
  readonly dcgmNamespace?: pulumi.Input<string>;
  /** Labels of the DCGM exporter Service. @default { app: "nvidia-dcgm-exporter" } */
  readonly dcgmSelectorLabels?: pulumi.Input<Record<string, string>>;
  /** Port name of the DCGM exporter Service. @default "gpu-metrics" */
  readonly dcgmPortName?: pulumi.Input<string>;
  /** DCGM metrics to keep; all others are dropped. @default DEFAULT_DCGM_METRICS */
  readonly dcgmMetrics?: pulumi.Input<string[]>;
  /** Scrape interval of the DCGM exporter. @default "15s" */
  readonly dcgmScrapeInterval?: pulumi.Input<string>;
}

/** Arguments of the ModelMonitoring component: the options and the model server's Service. */
export interface ModelMonitoringArgs extends MonitoringOptions {
  /** Namespace of the model server's Service. */
  readonly namespace: pulumi.Input<string>;
  /** Labels of the model server's Service to select, e.g. `ModelServing.selectorLabels`. Must not be empty. */
  readonly serviceSelectorLabels: pulumi.Input<Record<string, string>>;
}

/** Every literal default of the monitoring options, in one place. */
export const MODEL_MONITORING_DEFAULTS = {
  metricsPortName: METRICS_PORT_NAME,
  metricsPath: "/metrics",
  scrapeInterval: "30s",
  scrapeTimeout: "10s",
  prometheusSelectorLabels: DEFAULT_PROMETHEUS_SELECTOR_LABELS,
  dcgmExporter: false,
  dcgmNamespace: DEFAULT_DCGM_NAMESPACE,
  dcgmSelectorLabels: DEFAULT_DCGM_SELECTOR_LABELS,
  dcgmPortName: DEFAULT_DCGM_PORT_NAME,
  dcgmScrapeInterval: "15s",
} as const;

/** ModelMonitoring arguments with every default applied. */
export interface ModelMonitoringSettings {
  readonly name: string;
  readonly namespace: string;
  readonly serviceSelectorLabels: Readonly<Record<string, string>>;
  readonly serviceMonitorNamespace: string;
  readonly metricsPortName: string;
  readonly metricsPath: string;
  readonly scrapeInterval: string;
  readonly scrapeTimeout: string;
  readonly prometheusSelectorLabels: Readonly<Record<string, string>>;
  readonly dcgmExporter: boolean;
  readonly dcgmNamespace: string;
  readonly dcgmSelectorLabels: Readonly<Record<string, string>>;
  readonly dcgmPortName: string;
  readonly dcgmMetrics: readonly string[];
  readonly dcgmScrapeInterval: string;
}
