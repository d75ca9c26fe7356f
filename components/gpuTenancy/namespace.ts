/** The namespace's own objects: the Namespace (restricted Pod Security), ResourceQuota and LimitRange. */
import type * as k8s from "@pulumi/kubernetes";
import { GPU_RESOURCE, SHARED_GPU_RESOURCE } from "../../conventions/gpu";
import { ComponentRoles } from "../../conventions/labels";
import { standardLabels } from "../lib/labels";
import { GPU_TENANCY_APP_NAME, type GpuTenancySettings } from "./args";

/** Labels that put a namespace under the "restricted" Pod Security Standard, enforced, audited and warned. */
export function podSecurityLabels(): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ["enforce", "audit", "warn"]) {
    labels[`pod-security.kubernetes.io/${mode}`] = "restricted";
    labels[`pod-security.kubernetes.io/${mode}-version`] = "latest";
  }
  return labels;
}

/** Labels of every guardrail object of the tenancy `name`. */
export function guardrailLabels(name: string): Record<string, string> {
  return standardLabels(GPU_TENANCY_APP_NAME, name, ComponentRoles.guardrails);
}

/** Metadata and spec of a namespaced object, before the namespace is known. */
export interface NamespacedObject<Spec> {
  readonly metadata: { readonly name: string; readonly labels: Record<string, string> };
  readonly spec: Spec;
}

/** The Namespace's metadata. */
export function namespaceMetadata(
  name: string,
  settings: Pick<GpuTenancySettings, "namespace">,
): { name: string; labels: Record<string, string> } {
  return { name: settings.namespace, labels: { ...guardrailLabels(name), ...podSecurityLabels() } };
}

/** The ResourceQuota: GPUs (whole, and shared and MIG when capped), CPU and memory, and optionally pods and Jobs. */
export function resourceQuotaSpec(
  name: string,
  settings: GpuTenancySettings,
): NamespacedObject<k8s.types.input.core.v1.ResourceQuotaSpec> {
  const gpus = String(settings.gpuQuota);
  const hard: Record<string, string> = {
    // The only quota key Kubernetes enforces for an extended resource: a `limits.nvidia.com/gpu`
    // or bare `nvidia.com/gpu` key is accepted and caps nothing (GPU requests equal limits anyway).
    [`requests.${GPU_RESOURCE}`]: gpus,
    ...(settings.sharedGpuQuota === undefined
      ? {}
      : { [`requests.${SHARED_GPU_RESOURCE}`]: String(settings.sharedGpuQuota) }),
    ...Object.fromEntries(
      Object.entries(settings.migQuotas).map(([profile, count]) => [
        `requests.nvidia.com/mig-${profile}`,
        String(count),
      ]),
    ),
    "requests.cpu": settings.requestsCpu,
    ...(settings.limitsCpu === undefined ? {} : { "limits.cpu": settings.limitsCpu }),
    "requests.memory": settings.requestsMemory,
    "limits.memory": settings.limitsMemory,
  };
  if (settings.maxPods !== undefined) hard.pods = String(settings.maxPods);
  if (settings.maxJobs !== undefined) hard["count/jobs.batch"] = String(settings.maxJobs);
  return { metadata: { name: `${name}-quota`, labels: guardrailLabels(name) }, spec: { hard } };
}

/**
 * The LimitRange: CPU and memory defaults so that containers without explicit values are
 * admitted under the quota, and a per-container GPU maximum.
 *
 * The GPU default is 0 on purpose: for a Container LimitRange the API server fills a missing
 * `default` from `max`, so a bare `max: {nvidia.com/gpu: N}` would hand N GPUs to every
 * container that asks for none. A default (and defaultRequest, which must equal it for
 * resources that cannot be overcommitted) of 0 keeps CPU-only containers GPU-free; a request
 * of 0 for an extended resource is ignored by the scheduler and the device plugin.
 */
export function limitRangeSpec(
  name: string,
  settings: GpuTenancySettings,
): NamespacedObject<k8s.types.input.core.v1.LimitRangeSpec> {
  return {
    metadata: { name: `${name}-limits`, labels: guardrailLabels(name) },
    spec: {
      limits: [
        {
          type: "Container",
          defaultRequest: {
            cpu: settings.defaultCpuRequest,
            memory: settings.defaultMemoryRequest,
            [GPU_RESOURCE]: "0",
          },
          default: {
            ...(settings.defaultCpuLimit === undefined ? {} : { cpu: settings.defaultCpuLimit }),
            memory: settings.defaultMemoryLimit,
            [GPU_RESOURCE]: "0",
          },
          max: { [GPU_RESOURCE]: String(settings.maxGpusPerContainer) },
        },
      ],
    },
  };
}
