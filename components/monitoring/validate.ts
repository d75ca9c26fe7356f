/** Validation, the one-DCGM-scraper claim, and the defaults of monitoring arguments. */
import { claimsOfThisRun, ExclusiveClaims } from "../lib/claims";
import type { Resolved } from "../lib/resolve";
import { ArgChecker, isDns1123Subdomain, isLabelValue } from "../lib/validation";
import {
  DEFAULT_DCGM_METRICS,
  MODEL_MONITORING_DEFAULTS,
  type ModelMonitoringArgs,
  type ModelMonitoringSettings,
  type MonitoringOptions,
} from "./args";

const DURATION = /^(\d+(ms|s|m|h))+$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Which ModelMonitoring scrapes the DCGM exporter of each namespace, in this program run. */
const DCGM_SCRAPERS = "DCGM exporter scrapers";

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
  checker: ArgChecker,
  property: string,
  labels: Readonly<Record<string, string>> | undefined,
  required: boolean,
): void {
  if (labels === undefined) return;
  const entries = Object.entries(labels);
  // An empty selector matches every Service (or every ServiceMonitor) there is.
  if (required) checker.check(entries.length > 0, property, labels, "a non-empty map of labels");
  const bad = entries.filter(([key, value]) => {
    const slash = key.indexOf("/");
    const prefixOk = slash < 0 || isDns1123Subdomain(key.slice(0, slash));
    const nameOfKey = key.slice(slash + 1);
    const keyOk = prefixOk && nameOfKey.length <= 63 && LABEL_NAME.test(nameOfKey);
    return !(keyOk && typeof value === "string" && isLabelValue(value));
  });
  checker.check(
    bad.length === 0,
    property,
    Object.fromEntries(bad),
    "a map of valid Kubernetes label keys to label values",
  );
}

function checkDuration(checker: ArgChecker, property: string, value: string | undefined): void {
  if (value === undefined) return;
  checker.check(
    DURATION.test(value) && durationMillis(value) > 0,
    property,
    value,
    'a Prometheus duration such as "30s" or "1m"',
  );
}

/** Checks ModelMonitoring arguments and throws one ValidationError naming every problem. */
export function validateModelMonitoringArgs(name: string, args: Resolved<ModelMonitoringArgs>): void {
  const checker = new ArgChecker(`ModelMonitoring "${name}"`);
  checker.dnsLabel("name", name);
  checker.dnsLabel("namespace", args.namespace);
  checkLabels(checker, "serviceSelectorLabels", args.serviceSelectorLabels, true);
  checkMonitoringOptions(checker, args);
  checker.throwIfInvalid();
}

/**
 * Records every problem of the monitoring options in `checker` (which may be scoped under
 * another component). What is scraped is not checked here: a ModelServing derives it from its
 * own name, which it checks itself, so a bad name is reported once.
 */
export function checkMonitoringOptions(checker: ArgChecker, args: Resolved<MonitoringOptions>): void {
  checker.dnsLabel("serviceMonitorNamespace", args.serviceMonitorNamespace);
  checker.dnsLabel("metricsPortName", args.metricsPortName, 15);
  if (args.metricsPath !== undefined) {
    checker.check(/^\/\S*$/.test(args.metricsPath), "metricsPath", args.metricsPath, "an absolute HTTP path");
  }
  checkDuration(checker, "scrapeInterval", args.scrapeInterval);
  checkDuration(checker, "scrapeTimeout", args.scrapeTimeout);
  const interval = args.scrapeInterval ?? MODEL_MONITORING_DEFAULTS.scrapeInterval;
  const timeout = args.scrapeTimeout ?? MODEL_MONITORING_DEFAULTS.scrapeTimeout;
  if (DURATION.test(interval) && DURATION.test(timeout)) {
    checker.check(
      durationMillis(timeout) <= durationMillis(interval),
      "scrapeTimeout",
      timeout,
      `at most scrapeInterval (${interval}); Prometheus rejects longer timeouts`,
    );
  }
  checkLabels(checker, "prometheusSelectorLabels", args.prometheusSelectorLabels, true);
  checker.dnsLabel("dcgmNamespace", args.dcgmNamespace);
  checkLabels(checker, "dcgmSelectorLabels", args.dcgmSelectorLabels, true);
  checker.dnsLabel("dcgmPortName", args.dcgmPortName, 15);
  if (args.dcgmMetrics !== undefined) {
    const bad = args.dcgmMetrics.filter((metric) => !METRIC_NAME.test(metric));
    checker.check(
      args.dcgmMetrics.length > 0 && bad.length === 0,
      "dcgmMetrics",
      args.dcgmMetrics,
      "a non-empty list of Prometheus metric names",
    );
  }
  checkDuration(checker, "dcgmScrapeInterval", args.dcgmScrapeInterval);
}

/** Only one ModelMonitoring per program run may scrape a DCGM exporter, or GPUs would be counted twice. */
export function claimDcgmExporter(name: string, args: Resolved<MonitoringOptions>): void {
  if (args.dcgmExporter !== true) return;
  const namespace = args.dcgmNamespace ?? MODEL_MONITORING_DEFAULTS.dcgmNamespace;
  const holder = claimsOfThisRun(DCGM_SCRAPERS).claim(
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

/** Applies the documented defaults to validated arguments. */
export function withModelMonitoringDefaults(
  name: string,
  args: Resolved<ModelMonitoringArgs>,
): ModelMonitoringSettings {
  const defaults = MODEL_MONITORING_DEFAULTS;
  return {
    name,
    namespace: args.namespace,
    serviceSelectorLabels: args.serviceSelectorLabels,
    serviceMonitorNamespace: args.serviceMonitorNamespace ?? args.namespace,
    metricsPortName: args.metricsPortName ?? defaults.metricsPortName,
    metricsPath: args.metricsPath ?? defaults.metricsPath,
    scrapeInterval: args.scrapeInterval ?? defaults.scrapeInterval,
    scrapeTimeout: args.scrapeTimeout ?? defaults.scrapeTimeout,
    prometheusSelectorLabels: args.prometheusSelectorLabels ?? defaults.prometheusSelectorLabels,
    dcgmExporter: args.dcgmExporter ?? defaults.dcgmExporter,
    dcgmNamespace: args.dcgmNamespace ?? defaults.dcgmNamespace,
    dcgmSelectorLabels: args.dcgmSelectorLabels ?? defaults.dcgmSelectorLabels,
    dcgmPortName: args.dcgmPortName ?? defaults.dcgmPortName,
    dcgmMetrics: args.dcgmMetrics ?? DEFAULT_DCGM_METRICS,
    dcgmScrapeInterval: args.dcgmScrapeInterval ?? defaults.dcgmScrapeInterval,
  };
}
