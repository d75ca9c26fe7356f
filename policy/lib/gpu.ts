/** GPU extended resources: which names count, and how many GPUs a container and a pod ask for. */

import { containersOf, effectivePodAmount, type ContainerRef, type PodTemplate } from "./podTemplate";
import { isBuiltinGpuResource } from "../../conventions/gpu";
import { parseQuantity } from "../../conventions/quantity";
import type { JsonSchema } from "./jsonSchema";
import { hasUnknown, memo, obj } from "./values";

/** The configSchema of extraGpuResources, the same for every policy that counts GPUs. */
export const extraGpuResourcesSchema: JsonSchema = {
  type: "array",
  items: { type: "string", minLength: 1 },
  uniqueItems: true,
  description:
    "Extra extended-resource names that count as GPUs, beyond the NVIDIA, AMD and Intel names known by default.",
};

const namesCache = new Map<string, GpuNames>();

/** A shared GpuNames for a list of extra names (so per-pod results can be cached). */
export function gpuNames(extraNames: readonly string[] = []): GpuNames {
  const key = extraNames.join("\u0000");
  let names = namesCache.get(key);
  if (!names) {
    names = new GpuNames(extraNames);
    if (namesCache.size < 64) namesCache.set(key, names);
  }
  return names;
}

/** The resource names that count as GPUs: NVIDIA's (whole, shared and MIG) plus configured extras. */
export class GpuNames {
  /** Symbol under which per-pod results for this set of names are cached. */
  readonly cacheKey = Symbol("podGpus");
  private readonly extraNames: ReadonlySet<string>;
  constructor(extraNames: readonly string[] = []) {
    this.extraNames = new Set(extraNames);
  }
  /** Whether `name` is a GPU extended resource. */
  isGpu(name: string): boolean {
    return isBuiltinGpuResource(name) || this.extraNames.has(name);
  }
}

/** The GPU amount a container gets: its limit, or its request when no limit is set (0 if invalid). */
export function containerGpuAmounts(ref: ContainerRef, names: GpuNames): ReadonlyMap<string, number> {
  const amounts = new Map<string, number>();
  const resources = obj(ref.container.resources);
  const limits = obj(resources?.limits) ?? {};
  const requests = obj(resources?.requests) ?? {};
  for (const name of new Set([...Object.keys(limits), ...Object.keys(requests)])) {
    if (!names.isGpu(name)) continue;
    const amount = parseQuantity(name in limits ? limits[name] : requests[name]);
    amounts.set(name, amount !== undefined && amount > 0 ? amount : 0);
  }
  return amounts;
}

/** How many GPUs a pod takes, per resource name and in total. */
export interface PodGpus {
  /** Effective pod amount per GPU resource name (only names with a positive amount). */
  readonly perResource: ReadonlyMap<string, number>;
  /** Sum over GPU resource names. */
  readonly total: number;
  /** True when a container's resources are unknown during preview, so the figures may be low. */
  readonly undecided: boolean;
}

/** The pod's GPUs (cached per template and GpuNames instance). */
export function podGpus(template: PodTemplate, names: GpuNames): PodGpus {
  return memo(template, names.cacheKey, () => computePodGpus(template, names));
}

function computePodGpus(template: PodTemplate, names: GpuNames): PodGpus {
  const { refs, undecided } = containersOf(template);
  const amountsByContainer = new Map<ContainerRef, ReadonlyMap<string, number>>();
  const gpuResourceNames = new Set<string>();
  let unknown = undecided.length > 0;
  for (const ref of refs) {
    if (hasUnknown(ref.container.resources)) unknown = true;
    const amounts = containerGpuAmounts(ref, names);
    amountsByContainer.set(ref, amounts);
    for (const name of amounts.keys()) gpuResourceNames.add(name);
  }
  const perResource = new Map<string, number>();
  let total = 0;
  for (const name of gpuResourceNames) {
    const amount = effectivePodAmount(refs, (ref) => amountsByContainer.get(ref)?.get(name) ?? 0);
    if (amount > 0) {
      perResource.set(name, amount);
      total += amount;
    }
  }
  return { perResource, total, undecided: unknown };
}
