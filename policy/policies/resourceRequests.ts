import { fieldPath } from "../lib/paths";
import { containersOf, type PodTemplate } from "../lib/podTemplate";
import { definePodPolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import { parseQuantity } from "../../conventions/quantity";
import { isUnknown, obj, show } from "../lib/values";

export interface ResourceRequestsConfig {
  readonly requireCpuLimit: boolean;
  readonly requireMemoryLimit: boolean;
}

export const resourceRequestsMeta: PolicyMeta<ResourceRequestsConfig> = {
  name: "resource-requests",
  description:
    "Every container, init container and sidecar sets CPU and memory requests and limits, as valid quantities with request <= limit.",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps: "Set resources.requests.cpu/memory and resources.limits.cpu/memory on every container.",
  defaults: { requireCpuLimit: true, requireMemoryLimit: true },
  properties: {
    requireCpuLimit: {
      type: "boolean",
      description: "Require resources.limits.cpu (requests are always required).",
    },
    requireMemoryLimit: { type: "boolean", description: "Require resources.limits.memory." },
  },
};

export function checkResourceRequests(t: PodTemplate, cfg: ResourceRequestsConfig): Finding[] {
  const out: Finding[] = [];
  const resource = t.resource.ref;
  for (const ref of containersOf(t).refs) {
    const raw = ref.container.resources;
    if (isUnknown(raw)) continue;
    const r = obj(raw) ?? {};
    const basePath = fieldPath(ref.path, "resources");
    const wanted: [section: "requests" | "limits", res: "cpu" | "memory"][] = [
      ["requests", "cpu"],
      ["requests", "memory"],
    ];
    if (cfg.requireCpuLimit) wanted.push(["limits", "cpu"]);
    if (cfg.requireMemoryLimit) wanted.push(["limits", "memory"]);
    const missing: string[] = [];
    for (const [section, res] of wanted) {
      const s = r[section];
      if (isUnknown(s)) continue;
      const v = obj(s)?.[res];
      if (v === undefined || v === null) missing.push(`${section}.${res}`);
    }
    if (missing.length > 0) {
      out.push(
        violation({
          resource,
          container: ref.label,
          problem: `missing ${missing.join(", ")}`,
          path: basePath,
          found: show(raw),
          fix: `set ${missing.map((m) => `${basePath}.${m}`).join(", ")} (requests drive scheduling, limits cap usage)`,
        }),
      );
    }
    const values: Partial<Record<string, number>> = {};
    for (const section of ["requests", "limits"] as const) {
      for (const res of ["cpu", "memory"] as const) {
        const v = obj(r[section])?.[res];
        if (v === undefined || v === null || isUnknown(v)) continue;
        const q = parseQuantity(v);
        const path = fieldPath(basePath, section, res);
        if (q === undefined || q < 0) {
          out.push(
            violation({
              resource,
              container: ref.label,
              problem: `${section}.${res} is not a valid quantity`,
              path,
              found: show(v),
              fix: `use a Kubernetes quantity such as ${res === "cpu" ? '"500m" or "2"' : '"512Mi" or "8Gi"'}`,
            }),
          );
        } else values[`${section}.${res}`] = q;
      }
    }
    for (const res of ["cpu", "memory"] as const) {
      const rq = values[`requests.${res}`];
      const lim = values[`limits.${res}`];
      if (rq !== undefined && lim !== undefined && rq > lim) {
        const rqRaw = obj(r.requests)?.[res];
        const limRaw = obj(r.limits)?.[res];
        out.push(
          violation({
            resource,
            container: ref.label,
            problem: `the ${res} request is above the ${res} limit`,
            path: fieldPath(basePath, "requests", res),
            found: `${show(rqRaw)} (limit ${show(limRaw)})`,
            fix: `lower requests.${res} to at most the limit, or raise limits.${res}`,
          }),
        );
      }
    }
  }
  return out;
}

export const resourceRequests = definePodPolicy(resourceRequestsMeta, checkResourceRequests);
