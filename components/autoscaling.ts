/**
 * Autoscaling for a serving Deployment: an `autoscaling/v2` HorizontalPodAutoscaler on CPU and
 * on requests per second per pod, or, instead, a KEDA ScaledObject with cpu and prometheus
 * triggers that may scale to zero. Never both on one Deployment: KEDA drives its own HPA, and
 * two HPAs on one target overwrite each other's replica count.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as autoscalingv2 from "@pulumi/kubernetes/autoscaling/v2";
import * as pulumi from "@pulumi/pulumi";
import type { ChildOptions } from "./lib/childOptions";
import { ExclusiveClaims } from "./lib/claims";
import { createCustomResourceChild } from "./lib/customResourceChild";
import { ComponentRoles, MONITORING_NAMESPACE } from "../conventions/labels";
import { PACKAGE, standardLabels } from "./lib/labels";
import { fieldsOf, type Resolved, resolveArgs } from "./lib/resolve";
import { MODEL_SERVER_CONTAINER, REQUESTS_PER_SECOND_METRIC, REQUESTS_TOTAL_METRIC } from "./lib/serving";
import { ArgChecker } from "./lib/validation";

export const AUTOSCALING_TYPE = `${PACKAGE}:serving:Autoscaling`;

/** prometheus-operator's governing Service for the Prometheus pods in the monitoring namespace. */
export const DEFAULT_PROMETHEUS_ADDRESS = `http://prometheus-operated.${MONITORING_NAMESPACE}.svc:9090`;

export const KEDA_API_VERSION = "keda.sh/v1alpha1";
const HPA_TYPE = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
export const SCALED_OBJECT_KIND = "ScaledObject";

/** Kubernetes caps HPA stabilization windows at one hour. */
const MAX_STABILIZATION_SECONDS = 3600;

const PROMETHEUS_METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export interface AutoscalingArgs {
  /** Namespace of the Deployment (the autoscaler lives there too). */
  readonly namespace: pulumi.Input<string>;
  /** Name of the Deployment to scale, e.g. `ModelServing.deploymentName`. */
  readonly deploymentName: pulumi.Input<string>;
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
  /** Fewest replicas; at least 1 with an HPA, 0 (scale to zero) allowed with KEDA. @default 1 */
  readonly minReplicas?: pulumi.Input<number>;
  /** Most replicas; at least minReplicas. */
  readonly maxReplicas: pulumi.Input<number>;
  /** Target average CPU utilization of the server container, in percent of its request. @default 70 */
  readonly targetCpuUtilizationPercent?: pulumi.Input<number>;
  /** Target requests per second per pod (HPA AverageValue; KEDA prometheus threshold). */
  readonly targetRequestsPerSecond: pulumi.Input<number>;
  /** Per-pod custom metric the HPA reads (served by prometheus-adapter). @default "inference_requests_per_second" */
  readonly requestsPerSecondMetric?: pulumi.Input<string>;
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
  /** KEDA: Prometheus to query. @default "http://prometheus-operated.monitoring.svc:9090" */
  readonly prometheusServerAddress?: pulumi.Input<string>;
  /**
   * KEDA: PromQL giving the total request rate of the Deployment; KEDA divides it by the replica
   * count and compares with targetRequestsPerSecond. Required when minReplicas is 0: the default
   * query reads the model server's own metrics, which vanish with the last pod, so nothing would
   * ever scale the Deployment back up. Measure demand upstream instead (gateway, queue).
   * @default sum(rate(inference_requests_total{namespace=...,pod=~"<deployment>-..."}[2m]))
   */
  readonly prometheusQuery?: pulumi.Input<string>;
  /** KEDA: the query value above which a Deployment at zero is woken up. @default 0 */
  readonly prometheusActivationThreshold?: pulumi.Input<number>;
  /** KEDA: also scale on CPU (ignored for waking from zero, as KEDA requires). @default true */
  readonly kedaCpuTrigger?: pulumi.Input<boolean>;
  /** KEDA: seconds between trigger checks. @default 30 */
  readonly kedaPollingIntervalSeconds?: pulumi.Input<number>;
  /** KEDA: seconds without activity before scaling to zero. @default 300 */
  readonly kedaCooldownSeconds?: pulumi.Input<number>;
}

export interface AutoscalingSettings {
  readonly name: string;
  readonly namespace: string;
  readonly deploymentName: string;
  readonly keda: boolean;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly targetCpuUtilizationPercent: number;
  readonly targetRequestsPerSecond: number;
  readonly requestsPerSecondMetric: string;
  readonly cpuContainerName: string;
  readonly scaleDownStabilizationSeconds: number;
  readonly scaleUpStabilizationSeconds: number;
  readonly scaleUpPodsPerMinute: number;
  readonly scaleDownPodsPerMinute: number;
  readonly prometheusServerAddress: string;
  readonly prometheusQuery: string;
  readonly prometheusActivationThreshold: number;
  readonly kedaCpuTrigger: boolean;
  readonly kedaPollingIntervalSeconds: number;
  readonly kedaCooldownSeconds: number;
}

type ResolvedAutoscalingArgs = Resolved<AutoscalingArgs>;

/** Which autoscaler, if any, claimed each Deployment in this program. */
const autoscaledTargets = new ExclusiveClaims();

/** Forgets which Deployments have autoscalers; for tests that build several programs in one process. */
export function resetAutoscalingTargets(): void {
  autoscaledTargets.clear();
}

/** True when the arguments ask for a KEDA ScaledObject (and so no HPA of ours). */
export function usesKeda(args: Pick<AutoscalingArgs, "keda">): boolean {
  return args.keda === true;
}

/** The default KEDA query: the Deployment's total request rate, from the servers' own counter. */
export function defaultPrometheusQuery(namespace: string, deploymentName: string): string {
  // Deployment pods are named <deployment>-<pod-template-hash>-<suffix>.
  return `sum(rate(${REQUESTS_TOTAL_METRIC}{namespace="${namespace}",pod=~"${deploymentName}-[a-z0-9]+-[a-z0-9]+"}[2m]))`;
}

/** Checks Autoscaling arguments and throws one ValidationError naming every problem. */
export function validateAutoscalingArgs(name: string, args: ResolvedAutoscalingArgs): void {
  const c = new ArgChecker(`Autoscaling "${name}"`);
  checkAutoscalingArgs(c, name, args);
  c.throwIfInvalid();
}

/** Records every problem of Autoscaling arguments in `c` (which may be scoped under another component). */
export function checkAutoscalingArgs(c: ArgChecker, name: string, args: ResolvedAutoscalingArgs): void {
  c.dnsLabel("name", name);
  c.dnsLabel("namespace", args.namespace);
  c.dnsSubdomain("deploymentName", args.deploymentName, "a Deployment name");
  c.check(
    !(args.hpa === true && args.keda === true),
    "keda",
    args.keda,
    "false when hpa is true: an HPA and a KEDA ScaledObject (which drives an HPA of its own) on one Deployment would overwrite each other's replica count",
  );
  c.check(
    args.hpa !== false || args.keda === true,
    "hpa",
    args.hpa,
    "true unless keda is true (an Autoscaling component with neither scales nothing)",
  );

  const keda = usesKeda(args);
  const minReplicas = args.minReplicas ?? 1;
  c.wholeNumber("minReplicas", args.minReplicas, 0);
  c.check(
    keda || minReplicas !== 0,
    "minReplicas",
    minReplicas,
    "at least 1 with an HPA (scaling to zero needs keda: true)",
  );
  c.wholeNumber("maxReplicas", args.maxReplicas, 1);
  c.check(
    args.maxReplicas >= minReplicas,
    "maxReplicas",
    args.maxReplicas,
    `at least minReplicas (${minReplicas})`,
  );
  c.wholeNumber("targetCpuUtilizationPercent", args.targetCpuUtilizationPercent, 1, 100);
  c.check(
    typeof args.targetRequestsPerSecond === "number" &&
      Number.isFinite(args.targetRequestsPerSecond) &&
      args.targetRequestsPerSecond > 0,
    "targetRequestsPerSecond",
    args.targetRequestsPerSecond,
    "a number greater than 0",
  );
  if (args.requestsPerSecondMetric !== undefined) {
    c.check(
      PROMETHEUS_METRIC_NAME.test(args.requestsPerSecondMetric),
      "requestsPerSecondMetric",
      args.requestsPerSecondMetric,
      "a Prometheus metric name",
    );
  }
  c.dnsLabel("cpuContainerName", args.cpuContainerName);
  c.wholeNumber(
    "scaleDownStabilizationSeconds",
    args.scaleDownStabilizationSeconds,
    0,
    MAX_STABILIZATION_SECONDS,
  );
  c.wholeNumber(
    "scaleUpStabilizationSeconds",
    args.scaleUpStabilizationSeconds,
    0,
    MAX_STABILIZATION_SECONDS,
  );
  c.wholeNumber("scaleUpPodsPerMinute", args.scaleUpPodsPerMinute, 1);
  c.wholeNumber("scaleDownPodsPerMinute", args.scaleDownPodsPerMinute, 1);

  if (args.prometheusServerAddress !== undefined) {
    c.check(
      /^https?:\/\/[^\s/]+(\/\S*)?$/.test(args.prometheusServerAddress),
      "prometheusServerAddress",
      args.prometheusServerAddress,
      "an http:// or https:// URL",
    );
  }
  if (args.prometheusQuery !== undefined) {
    c.check(
      args.prometheusQuery.trim().length > 0,
      "prometheusQuery",
      args.prometheusQuery,
      "a PromQL query",
    );
  }
  if (keda && minReplicas === 0) {
    c.check(
      args.prometheusQuery !== undefined,
      "prometheusQuery",
      args.prometheusQuery,
      "set when minReplicas is 0: the default query reads the model servers' own metrics, which disappear with the last pod, so the Deployment would never wake up; query demand measured upstream (gateway or queue)",
    );
  }
  if (args.prometheusActivationThreshold !== undefined) {
    c.check(
      Number.isFinite(args.prometheusActivationThreshold) && args.prometheusActivationThreshold >= 0,
      "prometheusActivationThreshold",
      args.prometheusActivationThreshold,
      "a number of at least 0",
    );
  }
  c.wholeNumber("kedaPollingIntervalSeconds", args.kedaPollingIntervalSeconds, 1);
  c.wholeNumber("kedaCooldownSeconds", args.kedaCooldownSeconds, 0);
}

/**
 * Claims the target Deployment for this component, so that a second autoscaler on it in the
 * same program fails with a clear message instead of two controllers fighting in the cluster.
 */
export function claimAutoscalingTarget(name: string, args: ResolvedAutoscalingArgs): void {
  const kind = usesKeda(args) ? "a KEDA ScaledObject" : "an HPA";
  const owner = `Autoscaling "${name}" (${kind})`;
  const target = `${args.namespace}/${args.deploymentName}`;
  const holder = autoscaledTargets.claim(
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

export function withAutoscalingDefaults(name: string, args: ResolvedAutoscalingArgs): AutoscalingSettings {
  return {
    name,
    namespace: args.namespace,
    deploymentName: args.deploymentName,
    keda: usesKeda(args),
    minReplicas: args.minReplicas ?? 1,
    maxReplicas: args.maxReplicas,
    targetCpuUtilizationPercent: args.targetCpuUtilizationPercent ?? 70,
    targetRequestsPerSecond: args.targetRequestsPerSecond,
    requestsPerSecondMetric: args.requestsPerSecondMetric ?? REQUESTS_PER_SECOND_METRIC,
    cpuContainerName: args.cpuContainerName ?? MODEL_SERVER_CONTAINER,
    scaleDownStabilizationSeconds: args.scaleDownStabilizationSeconds ?? 300,
    scaleUpStabilizationSeconds: args.scaleUpStabilizationSeconds ?? 0,
    scaleUpPodsPerMinute: args.scaleUpPodsPerMinute ?? 2,
    scaleDownPodsPerMinute: args.scaleDownPodsPerMinute ?? 1,
    prometheusServerAddress: args.prometheusServerAddress ?? DEFAULT_PROMETHEUS_ADDRESS,
    prometheusQuery: args.prometheusQuery ?? defaultPrometheusQuery(args.namespace, args.deploymentName),
    prometheusActivationThreshold: args.prometheusActivationThreshold ?? 0,
    kedaCpuTrigger: args.kedaCpuTrigger ?? true,
    kedaPollingIntervalSeconds: args.kedaPollingIntervalSeconds ?? 30,
    kedaCooldownSeconds: args.kedaCooldownSeconds ?? 300,
  };
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

/**
 * Scales a serving Deployment with an HPA (default) or a KEDA ScaledObject. Create the
 * Deployment with `autoscaled: true` (ModelServing) so Pulumi leaves its replica count alone.
 */
/** The autoscaler an Autoscaling or a ModelServing creates: an HPA, or with KEDA a ScaledObject. */
export interface AutoscalerResources {
  readonly horizontalPodAutoscaler?: autoscalingv2.HorizontalPodAutoscaler;
  readonly scaledObject?: apiextensions.CustomResource;
  /** Name of the HPA or ScaledObject. */
  readonly name: pulumi.Output<string>;
  /** "HorizontalPodAutoscaler" or "ScaledObject". */
  readonly kind: string;
}

/**
 * Creates the autoscaler from settings, named `${name}-hpa` or `${name}-scaledobject`. `keda`
 * must be known now, since it decides the resource type. Shared by Autoscaling and ModelServing,
 * so both create the very same objects.
 */
export function createAutoscaler(
  name: string,
  keda: boolean,
  settings: pulumi.Output<AutoscalingSettings>,
  childOptions: ChildOptions,
): AutoscalerResources {
  if (keda) {
    const resource = createCustomResourceChild(
      `${name}-scaledobject`,
      KEDA_API_VERSION,
      SCALED_OBJECT_KIND,
      settings,
      buildScaledObject,
      childOptions,
    );
    return { scaledObject: resource, name: resource.metadata.name, kind: SCALED_OBJECT_KIND };
  }
  const childName = `${name}-hpa`;
  const resource = new autoscalingv2.HorizontalPodAutoscaler(
    childName,
    fieldsOf(settings, buildHorizontalPodAutoscaler, ["metadata", "spec"]),
    { deleteBeforeReplace: true, ...childOptions(childName, HPA_TYPE) },
  );
  return { horizontalPodAutoscaler: resource, name: resource.metadata.name, kind: "HorizontalPodAutoscaler" };
}

export class Autoscaling extends pulumi.ComponentResource {
  public readonly horizontalPodAutoscaler?: autoscalingv2.HorizontalPodAutoscaler;
  public readonly scaledObject?: apiextensions.CustomResource;

  /** Name of the HPA or ScaledObject. */
  public readonly autoscalerName: pulumi.Output<string>;
  /** "HorizontalPodAutoscaler" or "ScaledObject". */
  public readonly autoscalerKind: string;

  constructor(name: string, args: AutoscalingArgs, opts?: pulumi.ComponentResourceOptions) {
    super(AUTOSCALING_TYPE, name, {}, opts);
    const resolved = resolveArgs(args, (a) => {
      validateAutoscalingArgs(name, a);
      claimAutoscalingTarget(name, a);
    });
    const settings = resolved.apply((a) => withAutoscalingDefaults(name, a));

    const autoscaler = createAutoscaler(name, usesKeda(args), settings, () => ({ parent: this }));
    if (autoscaler.horizontalPodAutoscaler !== undefined)
      this.horizontalPodAutoscaler = autoscaler.horizontalPodAutoscaler;
    if (autoscaler.scaledObject !== undefined) this.scaledObject = autoscaler.scaledObject;
    this.autoscalerName = autoscaler.name;
    this.autoscalerKind = autoscaler.kind;

    this.registerOutputs({ autoscalerName: this.autoscalerName, autoscalerKind: this.autoscalerKind });
  }
}
