import { formatBytes, formatCores, parseQuantity } from "../../conventions/quantity";
import { fieldPath } from "../lib/paths";
import { containersOf, effectivePodAmount, type ContainerRef, type PodTemplate } from "../lib/podTemplate";
import { defineStackPolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import type { K8sResource } from "../lib/resource";
import type { StackIndex } from "../lib/stackIndex";
import { arr, hasUnknown, obj, show, type Obj } from "../lib/values";
import { workloadScale } from "./gpuQuotaCoverage";

/** Settings of quota-headroom (its entry in policy-config/<env>.json). */
export interface QuotaHeadroomConfig {
  /** Nodes a DaemonSet is assumed to run on (its real count depends on the cluster). */
  readonly daemonSetNodes: number;
}

/** quota-headroom: name, mandatory by default, and how many nodes a DaemonSet counts for. */
export const quotaHeadroomMeta: PolicyMeta<QuotaHeadroomConfig> = {
  name: "quota-headroom",
  description:
    "In every namespace, the CPU and memory that workloads request (and limit) at maximum scale, Deployment rollout surge included, fit under each ResourceQuota cap on requests.cpu, limits.cpu, requests.memory and limits.memory.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Raise the ResourceQuota's CPU or memory caps to the demand at maximum scale plus one rollout's surge pods, or lower replicas, maxReplicas, maxSurge, parallelism or per-pod requests.",
  defaults: { daemonSetNodes: 1 },
  properties: {
    daemonSetNodes: {
      type: "integer",
      minimum: 0,
      description: "How many nodes a DaemonSet is assumed to run on.",
    },
  },
};

/** One capped dimension: which quota keys enforce it and how a container's amount is read. */
interface Dimension {
  /** What messages call it, e.g. "memory requests". */
  readonly label: string;
  /** Quota keys Kubernetes enforces for it (`cpu` and `memory` are the same as their `requests.` form). */
  readonly keys: readonly string[];
  readonly resource: "cpu" | "memory";
  /** Requests default to limits when unset, as the API server does; limits are read as set. */
  readonly side: "requests" | "limits";
  readonly format: (value: number) => string;
}

const DIMENSIONS: readonly Dimension[] = [
  {
    label: "CPU requests",
    keys: ["requests.cpu", "cpu"],
    resource: "cpu",
    side: "requests",
    format: formatCores,
  },
  { label: "CPU limits", keys: ["limits.cpu"], resource: "cpu", side: "limits", format: formatCores },
  {
    label: "memory requests",
    keys: ["requests.memory", "memory"],
    resource: "memory",
    side: "requests",
    format: formatBytes,
  },
  {
    label: "memory limits",
    keys: ["limits.memory"],
    resource: "memory",
    side: "limits",
    format: formatBytes,
  },
];

/** A container's amount of the dimension, or undefined when its resources are unknown during preview. */
function containerAmount(ref: ContainerRef, dimension: Dimension): number | undefined {
  const resources = ref.container.resources;
  if (hasUnknown(resources)) return undefined;
  const limits = obj(obj(resources)?.limits) ?? {};
  const requests = obj(obj(resources)?.requests) ?? {};
  const raw =
    dimension.side === "limits"
      ? limits[dimension.resource]
      : (requests[dimension.resource] ?? limits[dimension.resource]);
  const value = parseQuantity(raw);
  return value !== undefined && value > 0 ? value : 0;
}

/** The pod's amount of the dimension (KEP-753 for init containers and sidecars), or undefined if unknown. */
function podAmount(workload: PodTemplate, dimension: Dimension): number | undefined {
  const { refs, undecided } = containersOf(workload);
  if (undecided.length > 0) return undefined;
  const amounts = new Map<ContainerRef, number | undefined>(
    refs.map((ref) => [ref, containerAmount(ref, dimension)]),
  );
  if ([...amounts.values()].some((value) => value === undefined)) return undefined;
  return effectivePodAmount(refs, (ref) => amounts.get(ref) ?? 0);
}

interface Cap {
  readonly quota: K8sResource;
  readonly key: string;
  readonly rawValue: unknown;
  readonly value: number;
}

function isScoped(spec: Obj): boolean {
  return (
    (arr(spec.scopes) ?? []).length > 0 || (spec.scopeSelector !== undefined && spec.scopeSelector !== null)
  );
}

/** The lowest unscoped cap on the dimension in a namespace's quotas; undefined for none, null when unknown. */
function lowestCap(quotas: readonly K8sResource[], dimension: Dimension): Cap | undefined | null {
  let lowest: Cap | undefined;
  for (const quota of quotas) {
    const rawSpec = quota.object.spec;
    if (hasUnknown(rawSpec)) return null;
    const spec = obj(rawSpec) ?? {};
    if (isScoped(spec)) continue;
    const hard = obj(spec.hard) ?? {};
    for (const key of dimension.keys) {
      if (!(key in hard)) continue;
      const value = parseQuantity(hard[key]);
      if (value === undefined) continue;
      if (!lowest || value < lowest.value) lowest = { quota, key, rawValue: hard[key], value };
    }
  }
  return lowest;
}

/** The quota-headroom findings for a whole stack, namespace by namespace and dimension by dimension. */
export function checkQuotaHeadroom(index: StackIndex, config: QuotaHeadroomConfig): Finding[] {
  const findings: Finding[] = [];
  const scaleConfig = { extraGpuResources: [], daemonSetNodes: config.daemonSetNodes };
  for (const bucket of index.namespaces.values()) {
    if (bucket.resourceQuotas.length === 0 || bucket.workloads.length === 0) continue;
    for (const dimension of DIMENSIONS) {
      const cap = lowestCap(bucket.resourceQuotas, dimension);
      if (cap === undefined || cap === null) continue;
      let total = 0;
      let undecided = false;
      const shares: string[] = [];
      for (const workload of bucket.workloads) {
        const perPod = podAmount(workload, dimension);
        const scale = workloadScale(workload, index, scaleConfig);
        if (perPod === undefined || scale.pods === undefined) {
          undecided = true;
          continue;
        }
        if (perPod === 0) continue;
        total += scale.pods * perPod;
        shares.push(
          `${workload.resource.ref}: ${dimension.format(scale.pods * perPod)} = ${scale.how} x ${dimension.format(perPod)} per pod`,
        );
      }
      if (undecided || total <= cap.value) continue;
      const path = fieldPath("spec.hard", cap.key);
      findings.push(
        violation({
          resource: cap.quota.ref,
          problem: `${dimension.label} at maximum scale in namespace ${bucket.name}, rollout surge included, are ${dimension.format(total)}, over the quota of ${dimension.format(cap.value)}`,
          path,
          found: `${show(cap.rawValue)}; demand by workload: ${shares.join("; ")}`,
          fix: `raise ${path} to at least ${dimension.format(total)}, or lower replicas, maxReplicas, maxSurge, parallelism or per-pod ${dimension.label}`,
          urn: cap.quota.urn,
        }),
      );
    }
  }
  return findings;
}

/**
 * The CPU and memory that a namespace's workloads request and limit at maximum scale (replicas or
 * maxReplicas plus a Deployment's rollout surge, Job parallelism, DaemonSet nodes) fit under each
 * ResourceQuota cap. Sized to steady state only, a quota admits the workloads but refuses the
 * surge pod of a rollout at maximum scale, and `pulumi up` waits until the progress deadline.
 */
export const quotaHeadroom = defineStackPolicy(quotaHeadroomMeta, checkQuotaHeadroom);
