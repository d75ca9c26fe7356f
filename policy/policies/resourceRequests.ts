import { fieldPath } from "../lib/paths";
import { containersOf, type PodTemplate } from "../lib/podTemplate";
import { definePodPolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import { parseQuantity } from "../../conventions/quantity";
import { isUnknown, obj, show } from "../lib/values";
import { render } from "../../conventions/admission/message";
import { ruleDefaults } from "../../conventions/admission/rule";
import { resourceRequestsRule } from "../../conventions/admission/rules/resourceRequests";

const MESSAGES = resourceRequestsRule.messages;

/** Settings of resource-requests (its entry in policy-config/<env>.json). */
export interface ResourceRequestsConfig {
  readonly requireCpuLimit: boolean;
  readonly requireMemoryLimit: boolean;
}

/**
 * resource-requests: name, advisory by default, and whether CPU and memory limits are required as
 * well (both by default); requests are always required.
 */
export const resourceRequestsMeta: PolicyMeta<ResourceRequestsConfig> = {
  name: "resource-requests",
  description:
    "Every container, init container and sidecar sets CPU and memory requests and limits, as valid quantities with request <= limit.",
  enforcementLevel: resourceRequestsRule.defaultLevel,
  severity: "medium",
  remediationSteps: "Set resources.requests.cpu/memory and resources.limits.cpu/memory on every container.",
  defaults: ruleDefaults(resourceRequestsRule) as unknown as ResourceRequestsConfig,
  properties: {
    requireCpuLimit: {
      type: "boolean",
      description: "Require resources.limits.cpu (requests are always required).",
    },
    requireMemoryLimit: { type: "boolean", description: "Require resources.limits.memory." },
  },
};

/** The resource-requests findings for one pod template, container by container. */
export function checkResourceRequests(template: PodTemplate, config: ResourceRequestsConfig): Finding[] {
  const findings: Finding[] = [];
  const resource = template.resource.ref;
  for (const ref of containersOf(template).refs) {
    const raw = ref.container.resources;
    if (isUnknown(raw)) continue;
    const resources = obj(raw) ?? {};
    const basePath = fieldPath(ref.path, "resources");
    const wanted: [section: "requests" | "limits", name: "cpu" | "memory"][] = [
      ["requests", "cpu"],
      ["requests", "memory"],
    ];
    if (config.requireCpuLimit) wanted.push(["limits", "cpu"]);
    if (config.requireMemoryLimit) wanted.push(["limits", "memory"]);
    const missing: string[] = [];
    for (const [section, name] of wanted) {
      const sectionValue = resources[section];
      if (isUnknown(sectionValue)) continue;
      const value = obj(sectionValue)?.[name];
      if (value === undefined || value === null) missing.push(`${section}.${name}`);
    }
    if (missing.length > 0) {
      findings.push(
        violation({
          resource,
          container: ref.label,
          problem: render(MESSAGES.missing, { fields: missing.join(", ") }),
          path: basePath,
          found: show(raw),
          fix: `set ${missing.map((field) => `${basePath}.${field}`).join(", ")} (requests drive scheduling, limits cap usage)`,
        }),
      );
    }
    const quantities: Partial<Record<string, number>> = {};
    for (const section of ["requests", "limits"] as const) {
      for (const name of ["cpu", "memory"] as const) {
        const value = obj(resources[section])?.[name];
        if (value === undefined || value === null || isUnknown(value)) continue;
        const quantity = parseQuantity(value);
        const path = fieldPath(basePath, section, name);
        if (quantity === undefined || quantity < 0) {
          findings.push(
            violation({
              resource,
              container: ref.label,
              problem: render(MESSAGES.invalid, { field: `${section}.${name}` }),
              path,
              found: show(value),
              fix: `use a Kubernetes quantity such as ${name === "cpu" ? '"500m" or "2"' : '"512Mi" or "8Gi"'}`,
            }),
          );
        } else quantities[`${section}.${name}`] = quantity;
      }
    }
    for (const name of ["cpu", "memory"] as const) {
      const requestValue = quantities[`requests.${name}`];
      const limitValue = quantities[`limits.${name}`];
      if (requestValue !== undefined && limitValue !== undefined && requestValue > limitValue) {
        const rawRequest = obj(resources.requests)?.[name];
        const rawLimit = obj(resources.limits)?.[name];
        findings.push(
          violation({
            resource,
            container: ref.label,
            problem: render(MESSAGES.requestAboveLimit, { name }),
            path: fieldPath(basePath, "requests", name),
            found: `${show(rawRequest)} (limit ${show(rawLimit)})`,
            fix: `lower requests.${name} to at most the limit, or raise limits.${name}`,
          }),
        );
      }
    }
  }
  return findings;
}

/**
 * Every container, init container and sidecar sets CPU and memory requests (and limits, unless
 * configured off) as valid quantities, with no request above its limit. Without requests the
 * scheduler cannot place pods by what they use, and pods with neither requests nor limits are the
 * first evicted under pressure; without a memory limit one leaking container can run the node out
 * of memory, taking its neighbours down with it.
 */
export const resourceRequests = definePodPolicy(resourceRequestsMeta, checkResourceRequests);
