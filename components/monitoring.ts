/**
 * ModelMonitoring: prometheus-operator ServiceMonitors for a model server's metrics port and,
 * optionally, for NVIDIA's DCGM exporter (GPU utilization, memory, power).
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as pulumi from "@pulumi/pulumi";
import type { ChildOptions } from "./lib/childOptions";
import { ExclusiveClaims } from "./lib/claims";
import { createCustomResourceChild } from "./lib/customResourceChild";
import { ComponentRoles, LabelKeys } from "../conventions/labels";
import { PACKAGE, standardLabels } from "./lib/labels";
import { type Resolved, resolveArgs } from "./lib/resolve";
import { METRICS_PORT_NAME } from "./lib/serving";
import { ArgChecker, isDns1123Subdomain, isLabelValue } from "./lib/validation";

export const MODEL_MONITORING_TYPE = `${PACKAGE}:monitoring:ModelMonitoring`;

export const SERVICE_MONITOR_API_VERSION = "monitoring.coreos.com/v1";
export const SERVICE_MONITOR_KIND = "ServiceMonitor";

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

const DURATION = /^(\d+(ms|s|m|h))+$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export interface ModelMonitoringArgs {
  /** Namespace of the model server's Service. */
  readonly namespace: pulumi.Input<string>;
  /** Labels of the model server's Service to select, e.g. `ModelServing.selectorLabels`. Must not be empty. */
  readonly serviceSelectorLabels: pulumi.Input<Record<string, string>>;
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

type ResolvedModelMonitoringArgs = Resolved<ModelMonitoringArgs>;

/** Which ModelMonitoring scrapes the DCGM exporter of each namespace. */
const dcgmScrapers = new ExclusiveClaims();

/** Forgets the DCGM ServiceMonitor claims; for tests that build several programs in one process. */
export function resetDcgmScrapers(): void {
  dcgmScrapers.clear();
}

/** A Prometheus duration ("30s", "1m30s") in milliseconds. */
export function durationMillis(duration: string): number {
  const units: Readonly<Partial<Record<string, number>>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const [, amount = "0", unit = ""] of duration.matchAll(/(\d+)(ms|s|m|h)/g)) {
    total += Number(amount) * (units[unit] ?? 0);
  }
  return total;
}

function checkLabels(
  c: ArgChecker,
  property: string,
  labels: Readonly<Record<string, string>> | undefined,
  required: boolean,
): void {
  if (labels === undefined) return;
  const entries = Object.entries(labels);
  // An empty selector matches every Service (or every ServiceMonitor) there is.
  if (required) c.check(entries.length > 0, property, labels, "a non-empty map of labels");
  const bad = entries.filter(([key, value]) => {
    const slash = key.indexOf("/");
    const prefixOk = slash < 0 || isDns1123Subdomain(key.slice(0, slash));
    const nameOfKey = key.slice(slash + 1);
    const keyOk = prefixOk && nameOfKey.length <= 63 && LABEL_NAME.test(nameOfKey);
    return !(keyOk && typeof value === "string" && isLabelValue(value));
  });
  c.check(
    bad.length === 0,
    property,
    Object.fromEntries(bad),
    "a map of valid Kubernetes label keys to label values",
  );
}

function checkDuration(c: ArgChecker, property: string, value: string | undefined): void {
  if (value === undefined) return;
  c.check(
    DURATION.test(value) && durationMillis(value) > 0,
    property,
    value,
    'a Prometheus duration such as "30s" or "1m"',
  );
}

/** Checks ModelMonitoring arguments and throws one ValidationError naming every problem. */
export function validateModelMonitoringArgs(name: string, args: ResolvedModelMonitoringArgs): void {
  const c = new ArgChecker(`ModelMonitoring "${name}"`);
  checkModelMonitoringArgs(c, name, args);
  c.throwIfInvalid();
}

/** Records every problem of ModelMonitoring arguments in `c` (which may be scoped under another component). */
export function checkModelMonitoringArgs(
  c: ArgChecker,
  name: string,
  args: ResolvedModelMonitoringArgs,
): void {
  c.dnsLabel("name", name);
  c.dnsLabel("namespace", args.namespace);
  c.dnsLabel("serviceMonitorNamespace", args.serviceMonitorNamespace);
  checkLabels(c, "serviceSelectorLabels", args.serviceSelectorLabels, true);
  c.dnsLabel("metricsPortName", args.metricsPortName, 15);
  if (args.metricsPath !== undefined) {
    c.check(/^\/\S*$/.test(args.metricsPath), "metricsPath", args.metricsPath, "an absolute HTTP path");
  }
  checkDuration(c, "scrapeInterval", args.scrapeInterval);
  checkDuration(c, "scrapeTimeout", args.scrapeTimeout);
  const interval = args.scrapeInterval ?? "30s";
  const timeout = args.scrapeTimeout ?? "10s";
  if (DURATION.test(interval) && DURATION.test(timeout)) {
    c.check(
      durationMillis(timeout) <= durationMillis(interval),
      "scrapeTimeout",
      timeout,
      `at most scrapeInterval (${interval}); Prometheus rejects longer timeouts`,
    );
  }
  checkLabels(c, "prometheusSelectorLabels", args.prometheusSelectorLabels, true);
  c.dnsLabel("dcgmNamespace", args.dcgmNamespace);
  checkLabels(c, "dcgmSelectorLabels", args.dcgmSelectorLabels, true);
  c.dnsLabel("dcgmPortName", args.dcgmPortName, 15);
  if (args.dcgmMetrics !== undefined) {
    const bad = args.dcgmMetrics.filter((metric) => !METRIC_NAME.test(metric));
    c.check(
      args.dcgmMetrics.length > 0 && bad.length === 0,
      "dcgmMetrics",
      args.dcgmMetrics,
      "a non-empty list of Prometheus metric names",
    );
  }
  checkDuration(c, "dcgmScrapeInterval", args.dcgmScrapeInterval);
}

/** Only one ModelMonitoring per program may scrape a DCGM exporter, or GPUs would be counted twice. */
export function claimDcgmExporter(name: string, args: ResolvedModelMonitoringArgs): void {
  if (args.dcgmExporter !== true) return;
  const namespace = args.dcgmNamespace ?? DEFAULT_DCGM_NAMESPACE;
  const holder = dcgmScrapers.claim(
    ExclusiveClaims.key(namespace, "Service", "dcgm-exporter"),
    `ModelMonitoring "${name}"`,
  );
  new ArgChecker(`ModelMonitoring "${name}"`)
    .check(
      holder === undefined,
      "dcgmExporter",
      true,
      `false here, since ${holder ?? ""} already scrapes the DCGM exporter in ${namespace} (it is one per cluster; duplicate scrapes double GPU series)`,
    )
    .throwIfInvalid();
}

export function withModelMonitoringDefaults(
  name: string,
  args: ResolvedModelMonitoringArgs,
): ModelMonitoringSettings {
  return {
    name,
    namespace: args.namespace,
    serviceSelectorLabels: args.serviceSelectorLabels,
    serviceMonitorNamespace: args.serviceMonitorNamespace ?? args.namespace,
    metricsPortName: args.metricsPortName ?? METRICS_PORT_NAME,
    metricsPath: args.metricsPath ?? "/metrics",
    scrapeInterval: args.scrapeInterval ?? "30s",
    scrapeTimeout: args.scrapeTimeout ?? "10s",
    prometheusSelectorLabels: args.prometheusSelectorLabels ?? DEFAULT_PROMETHEUS_SELECTOR_LABELS,
    dcgmExporter: args.dcgmExporter ?? false,
    dcgmNamespace: args.dcgmNamespace ?? DEFAULT_DCGM_NAMESPACE,
    dcgmSelectorLabels: args.dcgmSelectorLabels ?? DEFAULT_DCGM_SELECTOR_LABELS,
    dcgmPortName: args.dcgmPortName ?? DEFAULT_DCGM_PORT_NAME,
    dcgmMetrics: args.dcgmMetrics ?? DEFAULT_DCGM_METRICS,
    dcgmScrapeInterval: args.dcgmScrapeInterval ?? "15s",
  };
}

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

/** The ServiceMonitors a ModelMonitoring or a ModelServing creates. */
export interface ServiceMonitorResources {
  readonly serviceMonitor: apiextensions.CustomResource;
  /** Only with `dcgmExporter`. */
  readonly dcgmServiceMonitor?: apiextensions.CustomResource;
}

/**
 * Creates `${name}-servicemonitor` and, with `dcgmExporter` (which must be known now),
 * `${name}-dcgm-servicemonitor`. Shared by ModelMonitoring and ModelServing, so both create the
 * very same objects.
 */
export function createServiceMonitors(
  name: string,
  dcgmExporter: boolean,
  settings: pulumi.Output<ModelMonitoringSettings>,
  childOptions: ChildOptions,
): ServiceMonitorResources {
  const customResource = (
    childName: string,
    build: (settings: ModelMonitoringSettings) => ServiceMonitorResource,
  ) =>
    createCustomResourceChild(
      childName,
      SERVICE_MONITOR_API_VERSION,
      SERVICE_MONITOR_KIND,
      settings,
      build,
      childOptions,
    );
  const serviceMonitor = customResource(`${name}-servicemonitor`, buildModelServiceMonitor);
  if (!dcgmExporter) return { serviceMonitor };
  return {
    serviceMonitor,
    dcgmServiceMonitor: customResource(`${name}-dcgm-servicemonitor`, buildDcgmServiceMonitor),
  };
}

/**
 * Prometheus scraping for one model server (a ServiceMonitor selecting its Service by the
 * selector labels) and, with `dcgmExporter`, for the cluster's DCGM exporter.
 * Needs the prometheus-operator CRDs installed.
 */
export class ModelMonitoring extends pulumi.ComponentResource {
  public readonly serviceMonitor: apiextensions.CustomResource;
  public readonly dcgmServiceMonitor?: apiextensions.CustomResource;

  public readonly serviceMonitorName: pulumi.Output<string>;
  /** Name of the DCGM ServiceMonitor, when there is one. */
  public readonly dcgmServiceMonitorName?: pulumi.Output<string>;

  constructor(name: string, args: ModelMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super(MODEL_MONITORING_TYPE, name, {}, opts);
    const resolved = resolveArgs(args, (a) => {
      validateModelMonitoringArgs(name, a);
      claimDcgmExporter(name, a);
    });
    const settings = resolved.apply((a) => withModelMonitoringDefaults(name, a));

    const monitors = createServiceMonitors(name, args.dcgmExporter === true, settings, () => ({
      parent: this,
    }));
    this.serviceMonitor = monitors.serviceMonitor;
    this.serviceMonitorName = this.serviceMonitor.metadata.name;
    if (monitors.dcgmServiceMonitor !== undefined) {
      this.dcgmServiceMonitor = monitors.dcgmServiceMonitor;
      this.dcgmServiceMonitorName = this.dcgmServiceMonitor.metadata.name;
    }

    this.registerOutputs({
      serviceMonitorName: this.serviceMonitorName,
      dcgmServiceMonitorName: this.dcgmServiceMonitorName,
    });
  }
}
