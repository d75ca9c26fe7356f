import { gpuNames, podGpus } from "../lib/gpu";
import { fieldPath } from "../lib/paths";
import type { PodTemplate } from "../lib/podTemplate";
import { defineStackPolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import { parseQuantity } from "../../conventions/quantity";
import { formatRef, type K8sResource } from "../lib/resource";
import type { StackIndex } from "../lib/stackIndex";
import { arr, hasUnknown, isUnknown, num, obj, show, type Obj } from "../lib/values";

export interface GpuQuotaCoverageConfig {
  readonly extraGpuResources: readonly string[];
  /** Nodes a GPU DaemonSet is assumed to run on (its real count depends on the cluster). */
  readonly daemonSetNodes: number;
}

export const gpuQuotaCoverageMeta: PolicyMeta<GpuQuotaCoverageConfig> = {
  name: "gpu-quota-coverage",
  description:
    "Every namespace that runs GPU workloads has a ResourceQuota capping requests.<gpu> (or limits.<gpu>), and the GPU demand at maximum scale fits under the lowest such cap.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    'Add a ResourceQuota with spec.hard["requests.nvidia.com/gpu"] to each GPU namespace, at least the demand at maximum scale.',
  defaults: { extraGpuResources: [], daemonSetNodes: 1 },
  properties: {
    extraGpuResources: {
      type: "array",
      items: { type: "string", minLength: 1 },
      uniqueItems: true,
      description: "Extra extended-resource names that count as GPUs.",
    },
    daemonSetNodes: {
      type: "integer",
      minimum: 0,
      description: "How many nodes a GPU-requesting DaemonSet is assumed to run on.",
    },
  },
};

export interface WorkloadScale {
  /** Pods at maximum scale; undefined when a figure is unknown during preview. */
  readonly pods: number | undefined;
  /** How the figure was obtained, for messages. */
  readonly how: string;
}

function count(v: unknown, dflt: number): number | undefined {
  if (v === undefined || v === null) return dflt;
  if (isUnknown(v)) return undefined;
  return num(v);
}

function jobScale(spec: Obj | undefined, prefix: string): WorkloadScale {
  const p = count(spec?.parallelism, 1);
  const cRaw = spec?.completions;
  const c = cRaw === undefined || cRaw === null ? undefined : count(cRaw, 1);
  if (p === undefined || (cRaw !== undefined && cRaw !== null && c === undefined)) {
    return { pods: undefined, how: `${prefix}parallelism unknown` };
  }
  if (c !== undefined && c < p) return { pods: c, how: `${prefix}min(parallelism ${p}, completions ${c})` };
  return { pods: p, how: `${prefix}parallelism ${p}` };
}

/** Pods of a workload at maximum scale. */
export function workloadScale(w: PodTemplate, index: StackIndex, cfg: GpuQuotaCoverageConfig): WorkloadScale {
  const res = w.resource;
  const spec = obj(res.object.spec);
  switch (res.kind) {
    case "Pod":
      return { pods: 1, how: "1 pod" };
    case "DaemonSet":
      return { pods: cfg.daemonSetNodes, how: `${cfg.daemonSetNodes} node(s) (daemonSetNodes)` };
    case "Job":
      return jobScale(spec, "");
    case "CronJob":
      return jobScale(obj(obj(spec?.jobTemplate)?.spec), "per run: ");
    default: {
      const replicas = count(spec?.replicas, 1);
      const scalers = index.autoscalersOf(w);
      if (scalers.length === 0) {
        return replicas === undefined
          ? { pods: undefined, how: "replicas unknown" }
          : { pods: replicas, how: `${replicas} replica${replicas === 1 ? "" : "s"}` };
      }
      let best: { max: number; ref: string } | undefined;
      for (const a of scalers) {
        if (a.max === undefined) return { pods: undefined, how: `maxReplicas of ${a.resource.ref} unknown` };
        if (!best || a.max > best.max) best = { max: a.max, ref: a.resource.ref };
      }
      if (replicas === undefined || !best) return { pods: undefined, how: "replicas unknown" };
      return replicas > best.max
        ? { pods: replicas, how: `${replicas} replicas (above maxReplicas ${best.max} of ${best.ref})` }
        : { pods: best.max, how: `maxReplicas ${best.max} of ${best.ref}` };
    }
  }
}

interface Cap {
  readonly quota: K8sResource;
  readonly key: string;
  readonly raw: unknown;
  readonly value: number;
}

/** A namespace's GPU demand for one resource name, summed up workload by workload. */
interface Demand {
  total: number;
  shares: string[];
  workloads: PodTemplate[];
  undecided: boolean;
}

function isScoped(spec: Obj): boolean {
  return (
    (arr(spec.scopes) ?? []).length > 0 || (spec.scopeSelector !== undefined && spec.scopeSelector !== null)
  );
}

export function checkGpuQuotaCoverage(index: StackIndex, cfg: GpuQuotaCoverageConfig): Finding[] {
  const out: Finding[] = [];
  const names = gpuNames(cfg.extraGpuResources);
  for (const bucket of index.namespaces.values()) {
    const demands = new Map<string, Demand>();
    for (const w of bucket.workloads) {
      const gpus = podGpus(w, names);
      if (gpus.total === 0) continue;
      const scale = workloadScale(w, index, cfg);
      for (const [resource, perPod] of gpus.perResource) {
        let d = demands.get(resource);
        if (!d) {
          d = { total: 0, shares: [], workloads: [], undecided: false };
          demands.set(resource, d);
        }
        d.workloads.push(w);
        if (scale.pods === undefined || gpus.undecided) {
          d.undecided = true;
          d.shares.push(`${w.resource.ref}: unknown (${scale.how})`);
          continue;
        }
        const share = scale.pods * perPod;
        d.total += share;
        d.shares.push(`${w.resource.ref}: ${share} = ${scale.how} x ${perPod} per pod`);
      }
    }
    if (demands.size === 0) continue;

    let quotasUnknown = false;
    const caps = new Map<string, Cap[]>();
    for (const q of bucket.resourceQuotas) {
      const specRaw = q.object.spec;
      if (hasUnknown(specRaw)) {
        quotasUnknown = true;
        continue;
      }
      const spec = obj(specRaw) ?? {};
      if (isScoped(spec)) continue;
      const hard = obj(spec.hard) ?? {};
      for (const resource of demands.keys()) {
        for (const key of [`requests.${resource}`, `limits.${resource}`]) {
          if (!(key in hard)) continue;
          const value = parseQuantity(hard[key]);
          if (value === undefined) continue;
          const list = caps.get(resource) ?? [];
          list.push({ quota: q, key, raw: hard[key], value });
          caps.set(resource, list);
        }
      }
    }
    if (quotasUnknown) continue;

    for (const [resource, d] of demands) {
      const shares = d.shares.join("; ");
      const list = caps.get(resource) ?? [];
      if (list.length === 0) {
        const first = d.workloads.at(0);
        out.push(
          violation({
            resource: formatRef("Namespace", "", bucket.name),
            problem: `namespace ${bucket.name} runs GPU workloads but no ResourceQuota caps requests.${resource} or limits.${resource}`,
            path: `ResourceQuota spec.hard["requests.${resource}"]`,
            found: `no such quota; GPU demand at maximum scale ${d.undecided ? "at least " : ""}${d.total} (${shares})`,
            fix: `add a ResourceQuota in ${bucket.name} with spec.hard["requests.${resource}"] of at least ${d.total}`,
            ...(first ? { urn: first.resource.urn } : {}),
          }),
        );
        continue;
      }
      if (d.undecided) continue;
      const lowest = list.reduce((a, b) => (b.value < a.value ? b : a));
      if (d.total <= lowest.value) continue;
      out.push(
        violation({
          resource: lowest.quota.ref,
          problem: `GPU demand at maximum scale in namespace ${bucket.name} is ${d.total} ${resource}, over the quota of ${lowest.value}`,
          path: fieldPath("spec.hard", lowest.key),
          found: `${show(lowest.raw)}; demand by workload: ${shares}`,
          fix: `raise ${fieldPath("spec.hard", lowest.key)} to at least ${d.total}, or lower replicas, maxReplicas, parallelism or GPUs per pod`,
          urn: lowest.quota.urn,
        }),
      );
    }
  }
  return out;
}

export const gpuQuotaCoverage = defineStackPolicy(gpuQuotaCoverageMeta, checkGpuQuotaCoverage);
