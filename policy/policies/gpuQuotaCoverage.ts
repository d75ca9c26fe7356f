import { gpuNames, podGpus, extraGpuResourcesSchema } from "../lib/gpu";
import { clusterQueueCap, clusterQueueOf } from "../lib/kueue";
import { fieldPath } from "../lib/paths";
import type { PodTemplate } from "../lib/podTemplate";
import {
  defineStackPolicy,
  violation,
  withCustomResources,
  type Finding,
  type PolicyMeta,
} from "../lib/policyKit";
import { parseQuantity } from "../../conventions/quantity";
import { strategySurgePods } from "../../conventions/rollout";
import { formatRef, type K8sResource } from "../lib/resource";
import type { StackIndex } from "../lib/stackIndex";
import { arr, hasUnknown, isUnknown, num, obj, show, type Obj } from "../lib/values";

/** Settings of gpu-quota-coverage (its entry in policy-config/<env>.json). */
export interface GpuQuotaCoverageConfig {
  readonly extraGpuResources: readonly string[];
  /** Nodes a GPU DaemonSet is assumed to run on (its real count depends on the cluster). */
  readonly daemonSetNodes: number;
}

/**
 * gpu-quota-coverage: name, mandatory by default, and its settings: extra GPU resource names, and
 * how many nodes a GPU DaemonSet counts for (1 by default; the stack cannot know the cluster's
 * size, so a DaemonSet's demand is an assumption the config states).
 */
export const gpuQuotaCoverageMeta: PolicyMeta<GpuQuotaCoverageConfig> = {
  name: "gpu-quota-coverage",
  description:
    "Every namespace that runs GPU workloads has a ResourceQuota capping requests.<gpu> (the only quota key Kubernetes enforces for an extended resource), and the GPU demand at maximum scale, Deployment rollout surge included, fits under the lowest such cap; Jobs queued in a Kueue ClusterQueue count for at most what that queue admits.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    'Add a ResourceQuota with spec.hard["requests.nvidia.com/gpu"] to each GPU namespace, at least the demand at maximum scale.',
  defaults: { extraGpuResources: [], daemonSetNodes: 1 },
  properties: {
    extraGpuResources: extraGpuResourcesSchema,
    daemonSetNodes: {
      type: "integer",
      minimum: 0,
      description: "How many nodes a GPU-requesting DaemonSet is assumed to run on.",
    },
  },
};

/** A workload's pod count at maximum scale, and how it was worked out. */
export interface WorkloadScale {
  /** Pods at maximum scale; undefined when a figure is unknown during preview. */
  readonly pods: number | undefined;
  /** How the figure was obtained, for messages. */
  readonly how: string;
}

/** A pod count field: the default when unset, undefined when unknown during preview or not a number. */
function count(raw: unknown, defaultValue: number): number | undefined {
  if (raw === undefined || raw === null) return defaultValue;
  if (isUnknown(raw)) return undefined;
  return num(raw);
}

function jobScale(spec: Obj | undefined, prefix: string): WorkloadScale {
  const parallelism = count(spec?.parallelism, 1);
  const rawCompletions = spec?.completions;
  const completions =
    rawCompletions === undefined || rawCompletions === null ? undefined : count(rawCompletions, 1);
  if (
    parallelism === undefined ||
    (rawCompletions !== undefined && rawCompletions !== null && completions === undefined)
  ) {
    return { pods: undefined, how: `${prefix}parallelism unknown` };
  }
  if (completions !== undefined && completions < parallelism) {
    return {
      pods: completions,
      how: `${prefix}min(parallelism ${parallelism}, completions ${completions})`,
    };
  }
  return { pods: parallelism, how: `${prefix}parallelism ${parallelism}` };
}

/** Pods of a workload at maximum scale. */
export function workloadScale(
  workload: PodTemplate,
  index: StackIndex,
  config: GpuQuotaCoverageConfig,
): WorkloadScale {
  // Custom resources: the replica counts of their table entry (customResources.ts).
  if (workload.scale) return workload.scale;
  const resource = workload.resource;
  const spec = obj(resource.object.spec);
  switch (resource.kind) {
    case "Pod":
      return { pods: 1, how: "1 pod" };
    case "DaemonSet":
      return { pods: config.daemonSetNodes, how: `${config.daemonSetNodes} node(s) (daemonSetNodes)` };
    case "Job":
      return jobScale(spec, "");
    case "CronJob":
      return jobScale(obj(obj(spec?.jobTemplate)?.spec), "per run: ");
    default: {
      const replicas = count(spec?.replicas, 1);
      const autoscalers = index.autoscalersOf(workload);
      if (autoscalers.length === 0) {
        return replicas === undefined
          ? { pods: undefined, how: "replicas unknown" }
          : withSurge(resource, spec, {
              pods: replicas,
              how: `${replicas} replica${replicas === 1 ? "" : "s"}`,
            });
      }
      let best: { readonly max: number; readonly ref: string } | undefined;
      for (const autoscaler of autoscalers) {
        if (autoscaler.max === undefined) {
          return { pods: undefined, how: `maxReplicas of ${autoscaler.resource.ref} unknown` };
        }
        if (!best || autoscaler.max > best.max) best = { max: autoscaler.max, ref: autoscaler.resource.ref };
      }
      if (replicas === undefined || !best) return { pods: undefined, how: "replicas unknown" };
      return withSurge(
        resource,
        spec,
        replicas > best.max
          ? { pods: replicas, how: `${replicas} replicas (above maxReplicas ${best.max} of ${best.ref})` }
          : { pods: best.max, how: `maxReplicas ${best.max} of ${best.ref}` },
      );
    }
  }
}

/**
 * A Deployment's scale plus the pods its rolling update adds at that scale (maxSurge resolved at
 * the maximum replica count, rounded up as the controller does); other kinds do not surge.
 */
function withSurge(resource: K8sResource, spec: Obj | undefined, scale: WorkloadScale): WorkloadScale {
  if (resource.kind !== "Deployment" || scale.pods === undefined) return scale;
  const strategy = spec?.strategy;
  if (hasUnknown(strategy)) return { pods: undefined, how: `${scale.how}; rollout strategy unknown` };
  const rolling = obj(obj(strategy)?.rollingUpdate);
  const surge = strategySurgePods(
    { type: obj(strategy)?.type, rollingUpdate: { maxSurge: rolling?.maxSurge } },
    scale.pods,
  );
  if (surge === undefined)
    return { pods: undefined, how: `${scale.how}; maxSurge ${show(rolling?.maxSurge)} unreadable` };
  if (surge === 0) return scale;
  const given =
    rolling?.maxSurge === undefined || rolling.maxSurge === null ? "default 25%" : show(rolling.maxSurge);
  return { pods: scale.pods + surge, how: `(${scale.how} + ${surge} rollout surge, maxSurge ${given})` };
}

interface Cap {
  readonly quota: K8sResource;
  readonly key: string;
  readonly rawValue: unknown;
  readonly value: number;
}

/** A namespace's GPU demand for one resource name, summed up workload by workload. */
interface Demand {
  total: number;
  shares: string[];
  workloads: PodTemplate[];
  undecided: boolean;
  /** Workloads queued in a Kueue ClusterQueue with a bounded quota, by ClusterQueue name. */
  queued: Map<string, { total: number; cap: number; shares: string[] }>;
}

/** Adds each ClusterQueue's queued demand, capped by what the queue admits at most. */
function addQueued(demand: Demand): void {
  for (const [name, queued] of demand.queued) {
    const counted = Math.min(queued.total, queued.cap);
    demand.total += counted;
    demand.shares.push(
      `queued in ClusterQueue ${name}, which admits at most ${queued.cap}: ${counted} of ${queued.total} (${queued.shares.join("; ")})`,
    );
  }
}

/** Names the unenforced keys a namespace's quotas set for `resource`, if any, so the message says why they do not count. */
function unenforcedNote(quotas: readonly K8sResource[], resource: string): string {
  const keys = new Set<string>();
  for (const quota of quotas) {
    const hard = obj(obj(quota.object.spec)?.hard) ?? {};
    for (const key of [resource, `limits.${resource}`]) if (key in hard) keys.add(key);
  }
  if (keys.size === 0) return "";
  return ` (${[...keys].join(" and ")} ${keys.size === 1 ? "is" : "are"} not enforced by Kubernetes for an extended resource)`;
}

function isScoped(spec: Obj): boolean {
  return (
    (arr(spec.scopes) ?? []).length > 0 || (spec.scopeSelector !== undefined && spec.scopeSelector !== null)
  );
}

/** The gpu-quota-coverage findings for a whole stack, namespace by namespace. */
export function checkGpuQuotaCoverage(index: StackIndex, config: GpuQuotaCoverageConfig): Finding[] {
  const findings: Finding[] = [];
  const names = gpuNames(config.extraGpuResources);
  for (const bucket of index.namespaces.values()) {
    const demands = new Map<string, Demand>();
    for (const workload of bucket.workloads) {
      const gpus = podGpus(workload, names);
      if (gpus.total === 0) continue;
      const scale = workloadScale(workload, index, config);
      for (const [resource, perPod] of gpus.perResource) {
        let demand = demands.get(resource);
        if (!demand) {
          demand = { total: 0, shares: [], workloads: [], undecided: false, queued: new Map() };
          demands.set(resource, demand);
        }
        demand.workloads.push(workload);
        if (scale.pods === undefined || gpus.undecided) {
          demand.undecided = true;
          demand.shares.push(`${workload.resource.ref}: unknown (${scale.how})`);
          continue;
        }
        const share = scale.pods * perPod;
        const text = `${workload.resource.ref}: ${share} = ${scale.how} x ${perPod} per pod`;
        // Kueue admits a queued workload only within its ClusterQueue's quota: that caps it.
        const clusterQueue = clusterQueueOf(workload, bucket, index);
        const cap = clusterQueue === undefined ? undefined : clusterQueueCap(clusterQueue, resource);
        if (clusterQueue !== undefined && cap !== undefined) {
          const queued = demand.queued.get(clusterQueue.name) ?? { total: 0, cap, shares: [] };
          queued.total += share;
          queued.shares.push(text);
          demand.queued.set(clusterQueue.name, queued);
          continue;
        }
        demand.total += share;
        demand.shares.push(text);
      }
    }
    if (demands.size === 0) continue;
    for (const demand of demands.values()) addQueued(demand);

    let quotasUnknown = false;
    const caps = new Map<string, Cap[]>();
    for (const quota of bucket.resourceQuotas) {
      const rawSpec = quota.object.spec;
      if (hasUnknown(rawSpec)) {
        quotasUnknown = true;
        continue;
      }
      const spec = obj(rawSpec) ?? {};
      if (isScoped(spec)) continue;
      const hard = obj(spec.hard) ?? {};
      for (const resource of demands.keys()) {
        // Kubernetes enforces only `requests.<name>` for an extended resource: a bare `<name>` or
        // `limits.<name>` key is accepted by the API server and caps nothing.
        const key = `requests.${resource}`;
        if (!(key in hard)) continue;
        const value = parseQuantity(hard[key]);
        if (value === undefined) continue;
        const resourceCaps = caps.get(resource) ?? [];
        resourceCaps.push({ quota, key, rawValue: hard[key], value });
        caps.set(resource, resourceCaps);
      }
    }
    if (quotasUnknown) continue;

    for (const [resource, demand] of demands) {
      const shares = demand.shares.join("; ");
      const resourceCaps = caps.get(resource) ?? [];
      if (resourceCaps.length === 0) {
        const first = demand.workloads.at(0);
        findings.push(
          violation({
            resource: formatRef("Namespace", "", bucket.name),
            problem: `namespace ${bucket.name} runs GPU workloads but no ResourceQuota caps requests.${resource}${unenforcedNote(bucket.resourceQuotas, resource)}`,
            path: `ResourceQuota spec.hard["requests.${resource}"]`,
            found: `no such quota; GPU demand at maximum scale ${demand.undecided ? "at least " : ""}${demand.total} (${shares})`,
            fix: `add a ResourceQuota in ${bucket.name} with spec.hard["requests.${resource}"] of at least ${demand.total}`,
            ...(first ? { urn: first.resource.urn } : {}),
          }),
        );
        continue;
      }
      if (demand.undecided) continue;
      const lowest = resourceCaps.reduce((lowestSoFar, cap) =>
        cap.value < lowestSoFar.value ? cap : lowestSoFar,
      );
      if (demand.total <= lowest.value) continue;
      findings.push(
        violation({
          resource: lowest.quota.ref,
          problem: `GPU demand at maximum scale in namespace ${bucket.name} is ${demand.total} ${resource}, over the quota of ${lowest.value}`,
          path: fieldPath("spec.hard", lowest.key),
          found: `${show(lowest.rawValue)}; demand by workload: ${shares}`,
          fix: `raise ${fieldPath("spec.hard", lowest.key)} to at least ${demand.total}, or lower replicas, maxReplicas, maxSurge, parallelism or GPUs per pod`,
          urn: lowest.quota.urn,
        }),
      );
    }
  }
  return findings;
}

/**
 * Every namespace that runs GPU workloads has a ResourceQuota capping requests.<gpu>, the only
 * key Kubernetes enforces for an extended resource (a bare `<gpu>` or `limits.<gpu>` key is
 * accepted and caps nothing), and its GPU demand at maximum scale (replicas or maxReplicas plus
 * a Deployment's rollout surge, Job parallelism, DaemonSet nodes) fits under the lowest cap. Without a quota one namespace's autoscaler can take
 * every GPU in the cluster; with one that is too small, scale-out fails at the quota exactly when
 * traffic peaks.
 */
export const gpuQuotaCoverage = defineStackPolicy(
  withCustomResources(gpuQuotaCoverageMeta),
  checkGpuQuotaCoverage,
);
