import { gpuNames, podGpus } from "../lib/gpu";
import { fieldPath } from "../lib/paths";
import { containersOf, type PodTemplate } from "../lib/podTemplate";
import { definePodPolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import { parseQuantity } from "../../conventions/quantity";
import { isUnknown, obj, show } from "../lib/values";

export interface GpuLimitsConfig {
  /** GPU resource names beyond nvidia.com/gpu, nvidia.com/gpu.shared and nvidia.com/mig-<n>g.<m>gb. */
  readonly extraGpuResources: readonly string[];
  readonly maxGpusPerContainer: number;
  readonly maxGpusPerPod: number;
}

export const gpuLimitsMeta: PolicyMeta<GpuLimitsConfig> = {
  name: "gpu-limits",
  description:
    "Containers that use a GPU set it in resources.limits as a whole number, requests (where set) equal the limit, within the per-container and per-pod maximums.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Set resources.limits[<gpu resource>] to a whole number of GPUs; make any request equal to it. With enforcement level 'remediate' a missing limit is set to the request.",
  defaults: { extraGpuResources: [], maxGpusPerContainer: 8, maxGpusPerPod: 8 },
  properties: {
    extraGpuResources: {
      type: "array",
      items: { type: "string", minLength: 1 },
      uniqueItems: true,
      description: "Extra extended-resource names that count as GPUs (e.g. amd.com/gpu).",
    },
    maxGpusPerContainer: { type: "integer", minimum: 1, description: "Largest GPU limit of one container." },
    maxGpusPerPod: {
      type: "integer",
      minimum: 1,
      description:
        "Largest effective GPU amount of one pod (all GPU resources, init containers and sidecars counted).",
    },
  },
};

export function checkGpuLimits(t: PodTemplate, cfg: GpuLimitsConfig): Finding[] {
  const out: Finding[] = [];
  const names = gpuNames(cfg.extraGpuResources);
  const resource = t.resource.ref;
  for (const ref of containersOf(t).refs) {
    const resources = ref.container.resources;
    const r = obj(resources);
    if (!r || isUnknown(r.limits) || isUnknown(r.requests)) continue;
    const limits = obj(r.limits) ?? {};
    const requests = obj(r.requests) ?? {};
    for (const name of new Set([...Object.keys(limits), ...Object.keys(requests)])) {
      if (!names.isGpu(name)) continue;
      const limit = limits[name];
      const request = requests[name];
      if (isUnknown(limit) || isUnknown(request)) continue;
      const limitPath = fieldPath(ref.path, "resources", "limits", name);
      const requestPath = fieldPath(ref.path, "resources", "requests", name);
      const common = { resource, container: ref.label };
      if (limit === undefined) {
        const rq = parseQuantity(request);
        const fix =
          rq !== undefined && Number.isInteger(rq) && rq >= 0
            ? `set ${limitPath} to ${show(request)}, equal to the request (enforcement level "remediate" does this)`
            : `set ${limitPath} and the request to the same whole number of GPUs`;
        out.push(
          violation({
            ...common,
            problem: `requests GPU resource "${name}" without a limit`,
            path: limitPath,
            found: `not set (${requestPath} = ${show(request)})`,
            fix,
          }),
        );
        continue;
      }
      const lv = parseQuantity(limit);
      if (lv === undefined || !Number.isInteger(lv) || lv < 0) {
        out.push(
          violation({
            ...common,
            problem: `GPU limit "${name}" is not a whole number`,
            path: limitPath,
            found: show(limit),
            fix: `set ${limitPath} to a whole number of GPUs (fractions need a shared or MIG resource such as nvidia.com/gpu.shared or nvidia.com/mig-1g.10gb)`,
          }),
        );
        continue;
      }
      if (request !== undefined && parseQuantity(request) !== lv) {
        out.push(
          violation({
            ...common,
            problem: `GPU request "${name}" differs from its limit`,
            path: requestPath,
            found: `${show(request)} (limit ${show(limit)})`,
            fix: `set ${requestPath} to ${show(limit)}, equal to the limit, or remove it`,
          }),
        );
      }
      if (lv > cfg.maxGpusPerContainer) {
        out.push(
          violation({
            ...common,
            problem: `GPU limit "${name}" is above the per-container maximum of ${cfg.maxGpusPerContainer}`,
            path: limitPath,
            found: show(limit),
            fix: `use at most ${cfg.maxGpusPerContainer} GPUs per container, or raise maxGpusPerContainer in the gpu-limits config`,
          }),
        );
      }
    }
  }
  const pod = podGpus(t, names);
  if (!pod.undecided && pod.total > cfg.maxGpusPerPod) {
    const parts = [...pod.perResource].map(([k, v]) => `${k}=${v}`).join(", ");
    out.push(
      violation({
        resource,
        problem: `the pod uses ${pod.total} GPUs, above the per-pod maximum of ${cfg.maxGpusPerPod}`,
        path: t.specPath,
        found: `${parts} (effective pod amount over containers, init containers and sidecars)`,
        fix: `use at most ${cfg.maxGpusPerPod} GPUs per pod (split the work across pods), or raise maxGpusPerPod in the gpu-limits config`,
      }),
    );
  }
  return out;
}

/** Sets a missing GPU limit to the GPU request when the request is a whole number. */
export function remediateGpuLimits(t: PodTemplate, cfg: GpuLimitsConfig): boolean {
  const names = gpuNames(cfg.extraGpuResources);
  let changed = false;
  for (const ref of containersOf(t).refs) {
    const r = obj(ref.container.resources);
    if (!r || isUnknown(r.limits)) continue;
    const requests = obj(r.requests);
    if (!requests) continue;
    for (const [name, request] of Object.entries(requests)) {
      if (!names.isGpu(name) || isUnknown(request)) continue;
      const rq = parseQuantity(request);
      if (rq === undefined || !Number.isInteger(rq) || rq < 0) continue;
      let limits = obj(r.limits);
      if (limits && name in limits) continue;
      if (!limits) {
        if (r.limits !== undefined && r.limits !== null) continue; // something odd: leave it alone
        limits = {};
        r.limits = limits;
      }
      limits[name] = request;
      changed = true;
    }
  }
  return changed;
}

export const gpuLimits = definePodPolicy(gpuLimitsMeta, checkGpuLimits, remediateGpuLimits);
