import { gpuNames, podGpus, extraGpuResourcesSchema } from "../lib/gpu";
import { fieldPath } from "../lib/paths";
import { containersOf, type PodTemplate } from "../lib/podTemplate";
import { definePodPolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import { parseQuantity } from "../../conventions/quantity";
import { isUnknown, obj, show } from "../lib/values";
import { render } from "../../conventions/admission/message";
import { ruleDefaults } from "../../conventions/admission/rule";
import { gpuLimitsRule } from "../../conventions/admission/rules/gpuLimits";

const MESSAGES = gpuLimitsRule.messages;

/** Settings of gpu-limits (its entry in policy-config/<env>.json). */
export interface GpuLimitsConfig {
  /** GPU resource names beyond nvidia.com/gpu, nvidia.com/gpu.shared and nvidia.com/mig-<n>g.<m>gb. */
  readonly extraGpuResources: readonly string[];
  readonly maxGpusPerContainer: number;
  readonly maxGpusPerPod: number;
}

/**
 * gpu-limits: name, mandatory by default (the API server rejects most of what it reports, so a
 * preview is the cheap place to find it), and its settings: extra extended-resource names that
 * count as GPUs, and the per-container and per-pod maximums (8 by default; set them to what the
 * largest GPU node has, since a pod asking for more is never scheduled).
 */
export const gpuLimitsMeta: PolicyMeta<GpuLimitsConfig> = {
  name: "gpu-limits",
  description:
    "Containers that use a GPU set it in resources.limits as a whole number, requests (where set) equal the limit, within the per-container and per-pod maximums.",
  enforcementLevel: gpuLimitsRule.defaultLevel,
  severity: "high",
  remediationSteps:
    "Set resources.limits[<gpu resource>] to a whole number of GPUs; make any request equal to it. With enforcement level 'remediate' a missing limit is set to the request.",
  defaults: ruleDefaults(gpuLimitsRule) as unknown as GpuLimitsConfig,
  properties: {
    extraGpuResources: extraGpuResourcesSchema,
    maxGpusPerContainer: { type: "integer", minimum: 1, description: "Largest GPU limit of one container." },
    maxGpusPerPod: {
      type: "integer",
      minimum: 1,
      description:
        "Largest effective GPU amount of one pod (all GPU resources, init containers and sidecars counted).",
    },
  },
};

/** The gpu-limits findings for one pod template. */
export function checkGpuLimits(template: PodTemplate, config: GpuLimitsConfig): Finding[] {
  const findings: Finding[] = [];
  const names = gpuNames(config.extraGpuResources);
  const resource = template.resource.ref;
  for (const ref of containersOf(template).refs) {
    const resources = obj(ref.container.resources);
    if (!resources || isUnknown(resources.limits) || isUnknown(resources.requests)) continue;
    const limits = obj(resources.limits) ?? {};
    const requests = obj(resources.requests) ?? {};
    for (const name of new Set([...Object.keys(limits), ...Object.keys(requests)])) {
      if (!names.isGpu(name)) continue;
      const limit = limits[name];
      const request = requests[name];
      if (isUnknown(limit) || isUnknown(request)) continue;
      const limitPath = fieldPath(ref.path, "resources", "limits", name);
      const requestPath = fieldPath(ref.path, "resources", "requests", name);
      const common = { resource, container: ref.label };
      if (limit === undefined) {
        const requestValue = parseQuantity(request);
        const fix =
          requestValue !== undefined && Number.isInteger(requestValue) && requestValue >= 0
            ? `set ${limitPath} to ${show(request)}, equal to the request (enforcement level "remediate" does this)`
            : `set ${limitPath} and the request to the same whole number of GPUs`;
        findings.push(
          violation({
            ...common,
            problem: render(MESSAGES.noLimit, { name }),
            path: limitPath,
            found: `not set (${requestPath} = ${show(request)})`,
            fix,
          }),
        );
        continue;
      }
      const limitValue = parseQuantity(limit);
      if (limitValue === undefined || !Number.isInteger(limitValue) || limitValue < 0) {
        findings.push(
          violation({
            ...common,
            problem: render(MESSAGES.notWhole, { name }),
            path: limitPath,
            found: show(limit),
            fix: `set ${limitPath} to a whole number of GPUs (fractions need a shared or MIG resource such as nvidia.com/gpu.shared or nvidia.com/mig-1g.10gb)`,
          }),
        );
        continue;
      }
      if (request !== undefined && parseQuantity(request) !== limitValue) {
        findings.push(
          violation({
            ...common,
            problem: render(MESSAGES.requestDiffers, { name }),
            path: requestPath,
            found: `${show(request)} (limit ${show(limit)})`,
            fix: `set ${requestPath} to ${show(limit)}, equal to the limit, or remove it`,
          }),
        );
      }
      if (limitValue > config.maxGpusPerContainer) {
        findings.push(
          violation({
            ...common,
            problem: render(MESSAGES.aboveContainerMax, { name, max: config.maxGpusPerContainer }),
            path: limitPath,
            found: show(limit),
            fix: `use at most ${config.maxGpusPerContainer} GPUs per container, or raise maxGpusPerContainer in the gpu-limits config`,
          }),
        );
      }
    }
  }
  const pod = podGpus(template, names);
  if (!pod.undecided && pod.total > config.maxGpusPerPod) {
    const parts = [...pod.perResource].map(([name, amount]) => `${name}=${amount}`).join(", ");
    findings.push(
      violation({
        resource,
        problem: render(MESSAGES.abovePodMax, { total: pod.total, max: config.maxGpusPerPod }),
        path: template.specPath,
        found: `${parts} (effective pod amount over containers, init containers and sidecars)`,
        fix: `use at most ${config.maxGpusPerPod} GPUs per pod (split the work across pods), or raise maxGpusPerPod in the gpu-limits config`,
      }),
    );
  }
  return findings;
}

/** Sets a missing GPU limit to the GPU request when the request is a whole number. */
export function remediateGpuLimits(template: PodTemplate, config: GpuLimitsConfig): boolean {
  const names = gpuNames(config.extraGpuResources);
  let changed = false;
  for (const ref of containersOf(template).refs) {
    // `resources` and `limits` are edited in place: they belong to the remediation's private copy.
    const resources = obj(ref.container.resources);
    if (!resources || isUnknown(resources.limits)) continue;
    const requests = obj(resources.requests);
    if (!requests) continue;
    for (const [name, request] of Object.entries(requests)) {
      if (!names.isGpu(name) || isUnknown(request)) continue;
      const requestValue = parseQuantity(request);
      if (requestValue === undefined || !Number.isInteger(requestValue) || requestValue < 0) continue;
      let limits = obj(resources.limits);
      if (limits && name in limits) continue;
      if (!limits) {
        if (resources.limits !== undefined && resources.limits !== null) continue; // something odd: leave it alone
        limits = {};
        resources.limits = limits;
      }
      limits[name] = request;
      changed = true;
    }
  }
  return changed;
}

/**
 * Every GPU a container asks for is a whole-number limit, any request equals it, and a container or
 * pod stays within the maximums. GPUs cannot be shared or overcommitted through requests: the API
 * server rejects a GPU request without a limit, a different limit or a fraction, which would fail
 * `pulumi up` half-way; a pod asking for more GPUs than a node has is never scheduled. At level
 * "remediate" a missing limit is set to a whole-number request.
 */
export const gpuLimits = definePodPolicy(gpuLimitsMeta, checkGpuLimits, remediateGpuLimits);
