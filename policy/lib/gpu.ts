// GPU extended resources: which names count, and how many GPUs a container and a pod ask for.

import { containersOf, effectivePodAmount, type ContainerRef, type PodTemplate } from "./podTemplate";
import { isBuiltinGpuResource } from "../../conventions/gpu";
import { parseQuantity } from "../../conventions/quantity";
import { hasUnknown, memo, obj } from "./values";

const namesCache = new Map<string, GpuNames>();

/** A shared GpuNames for a list of extra names (so per-pod results can be cached). */
export function gpuNames(extraNames: readonly string[] = []): GpuNames {
  const key = extraNames.join("\u0000");
  let n = namesCache.get(key);
  if (!n) {
    n = new GpuNames(extraNames);
    if (namesCache.size < 64) namesCache.set(key, n);
  }
  return n;
}

export class GpuNames {
  /** Symbol under which per-pod results for this set of names are cached. */
  readonly cacheKey = Symbol("podGpus");
  private readonly extra: ReadonlySet<string>;
  constructor(extraNames: readonly string[] = []) {
    this.extra = new Set(extraNames);
  }
  isGpu(name: string): boolean {
    return isBuiltinGpuResource(name) || this.extra.has(name);
  }
}

/** The GPU amount a container gets: its limit, or its request when no limit is set (0 if invalid). */
export function containerGpuAmounts(ref: ContainerRef, names: GpuNames): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  const resources = obj(ref.container.resources);
  const limits = obj(resources?.limits) ?? {};
  const requests = obj(resources?.requests) ?? {};
  for (const key of new Set([...Object.keys(limits), ...Object.keys(requests)])) {
    if (!names.isGpu(key)) continue;
    const v = parseQuantity(key in limits ? limits[key] : requests[key]);
    out.set(key, v !== undefined && v > 0 ? v : 0);
  }
  return out;
}

export interface PodGpus {
  /** Effective pod amount per GPU resource name (only names with a positive amount). */
  readonly perResource: ReadonlyMap<string, number>;
  /** Sum over GPU resource names. */
  readonly total: number;
  /** True when a container's resources are unknown during preview, so the figures may be low. */
  readonly undecided: boolean;
}

/** The pod's GPUs (cached per template and GpuNames instance). */
export function podGpus(t: PodTemplate, names: GpuNames): PodGpus {
  return memo(t, names.cacheKey, () => computePodGpus(t, names));
}

function computePodGpus(t: PodTemplate, names: GpuNames): PodGpus {
  const { refs, undecided } = containersOf(t);
  const amounts = new Map<ContainerRef, ReadonlyMap<string, number>>();
  const all = new Set<string>();
  let unknown = undecided.length > 0;
  for (const ref of refs) {
    if (hasUnknown(ref.container.resources)) unknown = true;
    const a = containerGpuAmounts(ref, names);
    amounts.set(ref, a);
    for (const k of a.keys()) all.add(k);
  }
  const perResource = new Map<string, number>();
  let total = 0;
  for (const name of all) {
    const v = effectivePodAmount(refs, (r) => amounts.get(r)?.get(name) ?? 0);
    if (v > 0) {
      perResource.set(name, v);
      total += v;
    }
  }
  return { perResource, total, undecided: unknown };
}
