/** Validation, the one-autoscaler-per-Deployment claim, and the defaults of autoscaler arguments. */
import { claimsOfThisRun, ExclusiveClaims } from "../lib/claims";
import type { Resolved } from "../lib/resolve";
import { parseLabelSelector } from "../lib/labelSelectorString";
import { REQUESTS_TOTAL_METRIC } from "../lib/serving";
import { ArgChecker } from "../lib/validation";
import { deploymentPodPattern } from "./specs";
import {
  AUTOSCALING_DEFAULTS,
  REQUESTS_PER_SECOND_SOURCES,
  type AutoscalerOptions,
  type AutoscalingArgs,
  type AutoscalingSettings,
} from "./args";

/** Kubernetes caps HPA stabilization windows at one hour. */
const MAX_STABILIZATION_SECONDS = 3600;

const PROMETHEUS_METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Which autoscaler claimed each Deployment, in this program run. */
const AUTOSCALED_DEPLOYMENTS = "autoscaled Deployments";

/** True when the arguments ask for a KEDA ScaledObject (and so no HPA of ours). */
export function usesKeda(args: Pick<AutoscalerOptions, "keda">): boolean {
  return args.keda === true;
}

/** The default KEDA query: the Deployment's total request rate, from the servers' own counter. */
export function defaultPrometheusQuery(
  namespace: string,
  deploymentName: string,
  requestsTotalMetric: string = REQUESTS_TOTAL_METRIC,
): string {
  return `sum(rate(${requestsTotalMetric}{namespace="${namespace}",pod=~"${deploymentPodPattern(deploymentName)}"}[2m]))`;
}

/** Checks Autoscaling arguments and throws one ValidationError naming every problem. */
export function validateAutoscalingArgs(name: string, args: Resolved<AutoscalingArgs>): void {
  const checker = new ArgChecker(`Autoscaling "${name}"`);
  checker.dnsLabel("name", name);
  checker.dnsLabel("namespace", args.namespace);
  checker.dnsSubdomain("deploymentName", args.deploymentName, "a Deployment name");
  checkAutoscalerOptions(checker, args);
  checker.throwIfInvalid();
}

/**
 * Records every problem of the autoscaler options in `checker` (which may be scoped under
 * another component). The target is not checked here: a ModelServing derives it from its own
 * name, which it checks itself, so a bad name is reported once.
 */
export function checkAutoscalerOptions(checker: ArgChecker, args: Resolved<AutoscalerOptions>): void {
  checker.check(
    !(args.hpa === true && args.keda === true),
    "keda",
    args.keda,
    "false when hpa is true: an HPA and a KEDA ScaledObject (which drives an HPA of its own) on one Deployment would overwrite each other's replica count",
  );
  checker.check(
    args.hpa !== false || args.keda === true,
    "hpa",
    args.hpa,
    "true unless keda is true (an Autoscaling component with neither scales nothing)",
  );

  const keda = usesKeda(args);
  const minReplicas = args.minReplicas ?? AUTOSCALING_DEFAULTS.minReplicas;
  checker.wholeNumber("minReplicas", args.minReplicas, 0);
  checker.check(
    keda || minReplicas !== 0,
    "minReplicas",
    minReplicas,
    "at least 1 with an HPA (scaling to zero needs keda: true)",
  );
  checker.check(
    !keda ||
      minReplicas !== 0 ||
      args.wakeUpPodSelector !== undefined ||
      args.targetRequestsPerSecond !== undefined,
    "minReplicas",
    minReplicas,
    SCALE_TO_ZERO_NEEDS_WAKE_UP,
  );
  checker.wholeNumber("maxReplicas", args.maxReplicas, 1);
  checker.check(
    args.maxReplicas >= minReplicas,
    "maxReplicas",
    args.maxReplicas,
    `at least minReplicas (${minReplicas})`,
  );
  checker.wholeNumber("targetCpuUtilizationPercent", args.targetCpuUtilizationPercent, 1, 100);
  checkRequestRateOptions(checker, args, keda);
  checkServerSignalOptions(checker, args, keda);
  checker.dnsLabel("cpuContainerName", args.cpuContainerName);
  for (const property of ["scaleDownStabilizationSeconds", "scaleUpStabilizationSeconds"] as const) {
    checker.wholeNumber(property, args[property], 0, MAX_STABILIZATION_SECONDS);
  }
  checker.wholeNumber("scaleUpPodsPerMinute", args.scaleUpPodsPerMinute, 1);
  checker.wholeNumber("scaleDownPodsPerMinute", args.scaleDownPodsPerMinute, 1);
  checkKedaOptions(checker, args, keda, keda && minReplicas === 0);
}

/**
 * The request-rate keys: an HPA reads a per-pod rate only from a declared source (an HPA with
 * a metric nobody serves never scales down), KEDA's prometheus trigger always needs its
 * threshold, and a key nothing reads is refused rather than silently ignored.
 */
function checkRequestRateOptions(
  checker: ArgChecker,
  args: Resolved<AutoscalerOptions>,
  keda: boolean,
): void {
  const source = args.requestsPerSecondSource;
  if (source !== undefined) {
    checker.check(
      (REQUESTS_PER_SECOND_SOURCES as readonly string[]).includes(source),
      "requestsPerSecondSource",
      source,
      `one of ${REQUESTS_PER_SECOND_SOURCES.map((s) => `"${s}"`).join(", ")}`,
    );
    checker.check(
      !keda,
      "requestsPerSecondSource",
      source,
      "unset with keda: true (KEDA's prometheus trigger queries Prometheus itself, no adapter involved)",
    );
  }
  const readsRate = keda || source !== undefined;
  if (args.targetRequestsPerSecond === undefined) {
    checker.check(
      keda || source === undefined,
      "targetRequestsPerSecond",
      args.targetRequestsPerSecond,
      "set with requestsPerSecondSource (the per-pod rate the HPA aims at)",
    );
  } else {
    checker.check(
      typeof args.targetRequestsPerSecond === "number" &&
        Number.isFinite(args.targetRequestsPerSecond) &&
        args.targetRequestsPerSecond > 0,
      "targetRequestsPerSecond",
      args.targetRequestsPerSecond,
      "a number greater than 0",
    );
    checker.check(
      readsRate,
      "targetRequestsPerSecond",
      args.targetRequestsPerSecond,
      'unset unless requestsPerSecondSource says where the per-pod rate comes from (e.g. "prometheus-adapter") or keda is true: without a source the HPA scales on CPU only',
    );
  }
  if (args.requestsPerSecondMetric !== undefined) {
    checker.check(
      PROMETHEUS_METRIC_NAME.test(args.requestsPerSecondMetric),
      "requestsPerSecondMetric",
      args.requestsPerSecondMetric,
      "a Prometheus metric name",
    );
    checker.check(
      source !== undefined,
      "requestsPerSecondMetric",
      args.requestsPerSecondMetric,
      "unset unless requestsPerSecondSource is set (only the HPA's sourced per-pod metric has a name)",
    );
  }
}

/** What scaling to zero needs, phrased to follow "must be" (component and stack config). */
export const SCALE_TO_ZERO_NEEDS_WAKE_UP =
  "at least 1 unless a trigger can wake the Deployment from zero: wakeUpPodSelector (pods whose presence wakes it), or targetRequestsPerSecond with a prometheusQuery of demand measured upstream (CPU cannot be read with no pods)";

/** What wakeUpPodSelector must be, phrased to follow "must be" (component and stack config). */
export const WAKE_UP_SELECTOR_ALLOWED =
  'a non-empty label selector such as "k8s-ml-patterns/wakes=llama" or "app in (batch,gateway)"';

/** True for a selector Kubernetes parses that does not select every pod. */
export function isWakeUpSelector(value: unknown): boolean {
  return typeof value === "string" && parseLabelSelector(value) !== undefined;
}

/** What targetWaitingRequests needs, phrased to follow "must be" (component and stack config). */
export const WAITING_REQUESTS_NEED_ADAPTER =
  'unset unless requestsPerSecondSource is "prometheus-adapter" (the adapter serves the per-pod waiting requests; not with keda)';

/**
 * The server's own signals: metric names, and the waiting-requests target, which an HPA reads
 * only from the adapter (like the request rate) and only for a server that exports the gauge.
 */
function checkServerSignalOptions(
  checker: ArgChecker,
  args: Resolved<AutoscalerOptions>,
  keda: boolean,
): void {
  for (const property of ["requestsTotalMetric", "waitingRequestsMetric", "cacheUsageMetric"] as const) {
    const value = args[property];
    if (value === undefined) continue;
    checker.check(
      typeof value === "string" && PROMETHEUS_METRIC_NAME.test(value),
      property,
      value,
      "a Prometheus metric name",
    );
  }
  const target = args.targetWaitingRequests;
  if (target === undefined) return;
  checker.check(
    typeof target === "number" && Number.isFinite(target) && target > 0,
    "targetWaitingRequests",
    target,
    "a number greater than 0",
  );
  checker.check(
    !keda && args.requestsPerSecondSource !== undefined,
    "targetWaitingRequests",
    target,
    WAITING_REQUESTS_NEED_ADAPTER,
  );
  checker.check(
    args.waitingRequestsMetric !== undefined,
    "targetWaitingRequests",
    target,
    'unset unless waitingRequestsMetric names the server\'s waiting-requests gauge (the "vllm" and "tgi" server presets set it)',
  );
}

/** KEDA's keys: each trigger's own keys only with that trigger, and at least one trigger. */
function checkKedaOptions(
  checker: ArgChecker,
  args: Resolved<AutoscalerOptions>,
  keda: boolean,
  scalesToZero: boolean,
): void {
  const prometheus = keda && args.targetRequestsPerSecond !== undefined;
  const wakeUp = args.wakeUpPodSelector !== undefined;
  checker.check(
    !keda || prometheus || wakeUp || args.kedaCpuTrigger !== false,
    "kedaCpuTrigger",
    args.kedaCpuTrigger,
    "true unless targetRequestsPerSecond (the prometheus trigger) or wakeUpPodSelector gives the ScaledObject another trigger (KEDA needs at least one)",
  );
  for (const property of [
    "prometheusServerAddress",
    "prometheusQuery",
    "prometheusActivationThreshold",
  ] as const) {
    checker.check(
      args[property] === undefined || prometheus,
      property,
      args[property],
      "unset unless keda is true and targetRequestsPerSecond is set (it configures KEDA's prometheus trigger, which exists only then)",
    );
  }
  if (wakeUp) {
    checker.check(
      keda,
      "wakeUpPodSelector",
      args.wakeUpPodSelector,
      "unset unless keda is true (it is KEDA's kubernetes-workload trigger)",
    );
    checker.check(
      isWakeUpSelector(args.wakeUpPodSelector),
      "wakeUpPodSelector",
      args.wakeUpPodSelector,
      WAKE_UP_SELECTOR_ALLOWED,
    );
  }
  if (args.wakeUpPodsPerReplica !== undefined) {
    checker.check(
      typeof args.wakeUpPodsPerReplica === "number" &&
        Number.isFinite(args.wakeUpPodsPerReplica) &&
        args.wakeUpPodsPerReplica > 0,
      "wakeUpPodsPerReplica",
      args.wakeUpPodsPerReplica,
      "a number greater than 0",
    );
    checker.check(
      wakeUp,
      "wakeUpPodsPerReplica",
      args.wakeUpPodsPerReplica,
      "unset unless wakeUpPodSelector is set (the pods it counts)",
    );
  }
  if (args.prometheusServerAddress !== undefined) {
    checker.check(
      /^https?:\/\/[^\s/]+(\/\S*)?$/.test(args.prometheusServerAddress),
      "prometheusServerAddress",
      args.prometheusServerAddress,
      "an http:// or https:// URL",
    );
  }
  if (args.prometheusQuery !== undefined) {
    checker.check(
      args.prometheusQuery.trim().length > 0,
      "prometheusQuery",
      args.prometheusQuery,
      "a PromQL query",
    );
  }
  if (scalesToZero && prometheus && !wakeUp) {
    checker.check(
      args.prometheusQuery !== undefined,
      "prometheusQuery",
      args.prometheusQuery,
      "set when minReplicas is 0 without wakeUpPodSelector: the default query reads the model servers' own metrics, which disappear with the last pod, so the Deployment would never wake up; query demand measured upstream (gateway or queue)",
    );
  }
  if (args.prometheusActivationThreshold !== undefined) {
    checker.check(
      Number.isFinite(args.prometheusActivationThreshold) && args.prometheusActivationThreshold >= 0,
      "prometheusActivationThreshold",
      args.prometheusActivationThreshold,
      "a number of at least 0",
    );
  }
  checker.wholeNumber("kedaPollingIntervalSeconds", args.kedaPollingIntervalSeconds, 1);
  checker.wholeNumber("kedaCooldownSeconds", args.kedaCooldownSeconds, 0);
}

/**
 * Claims the target Deployment for this autoscaler, so that a second autoscaler on it in the
 * same program run fails with a clear message instead of two controllers fighting in the cluster.
 */
export function claimAutoscalingTarget(name: string, args: Resolved<AutoscalingArgs>): void {
  const kind = usesKeda(args) ? "a KEDA ScaledObject" : "an HPA";
  const owner = `Autoscaling "${name}" (${kind})`;
  const target = `${args.namespace}/${args.deploymentName}`;
  const holder = claimsOfThisRun(AUTOSCALED_DEPLOYMENTS).claim(
    ExclusiveClaims.key(args.namespace, "Deployment", args.deploymentName),
    owner,
  );
  new ArgChecker(`Autoscaling "${name}"`)
    .check(
      holder === undefined,
      "deploymentName",
      target,
      `a Deployment no other autoscaler targets, but ${holder ?? ""} already scales it`,
    )
    .throwIfInvalid();
}

/** Applies the documented defaults to validated arguments. */
export function withAutoscalingDefaults(name: string, args: Resolved<AutoscalingArgs>): AutoscalingSettings {
  const defaults = AUTOSCALING_DEFAULTS;
  return {
    name,
    namespace: args.namespace,
    deploymentName: args.deploymentName,
    keda: usesKeda(args),
    minReplicas: args.minReplicas ?? defaults.minReplicas,
    maxReplicas: args.maxReplicas,
    targetCpuUtilizationPercent: args.targetCpuUtilizationPercent ?? defaults.targetCpuUtilizationPercent,
    targetRequestsPerSecond: args.targetRequestsPerSecond,
    requestsPerSecondSource: args.requestsPerSecondSource,
    requestsPerSecondMetric: args.requestsPerSecondMetric ?? defaults.requestsPerSecondMetric,
    requestsTotalMetric: args.requestsTotalMetric ?? defaults.requestsTotalMetric,
    waitingRequestsMetric: args.waitingRequestsMetric,
    targetWaitingRequests: args.targetWaitingRequests,
    cacheUsageMetric: args.cacheUsageMetric,
    cpuContainerName: args.cpuContainerName ?? defaults.cpuContainerName,
    scaleDownStabilizationSeconds:
      args.scaleDownStabilizationSeconds ?? defaults.scaleDownStabilizationSeconds,
    scaleUpStabilizationSeconds: args.scaleUpStabilizationSeconds ?? defaults.scaleUpStabilizationSeconds,
    scaleUpPodsPerMinute: args.scaleUpPodsPerMinute ?? defaults.scaleUpPodsPerMinute,
    scaleDownPodsPerMinute: args.scaleDownPodsPerMinute ?? defaults.scaleDownPodsPerMinute,
    prometheusServerAddress: args.prometheusServerAddress ?? defaults.prometheusServerAddress,
    prometheusQuery:
      args.prometheusQuery ??
      defaultPrometheusQuery(
        args.namespace,
        args.deploymentName,
        args.requestsTotalMetric ?? defaults.requestsTotalMetric,
      ),
    prometheusActivationThreshold:
      args.prometheusActivationThreshold ?? defaults.prometheusActivationThreshold,
    wakeUpPodSelector: args.wakeUpPodSelector,
    wakeUpPodsPerReplica: args.wakeUpPodsPerReplica ?? defaults.wakeUpPodsPerReplica,
    kedaCpuTrigger: args.kedaCpuTrigger ?? defaults.kedaCpuTrigger,
    kedaPollingIntervalSeconds: args.kedaPollingIntervalSeconds ?? defaults.kedaPollingIntervalSeconds,
    kedaCooldownSeconds: args.kedaCooldownSeconds ?? defaults.kedaCooldownSeconds,
  };
}
