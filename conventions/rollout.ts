/**
 * How many extra pods a Deployment's rolling update creates at once, as the Deployment
 * controller resolves `maxSurge`: an integer as it is, a percentage of the replica count rounded
 * up (default 25%); `Recreate` surges no pod. The config check and the pack size quota headroom
 * with this, at the Deployment's maximum replica count.
 */

/** Kubernetes' default `maxSurge` for a RollingUpdate Deployment. */
export const DEFAULT_MAX_SURGE = "25%";

const PERCENT = /^(\d+)%$/;

/**
 * Extra pods a rollout may create at `replicas` replicas, or undefined when `maxSurge` is neither
 * a non-negative integer nor a percentage such as "25%".
 */
export function surgePods(maxSurge: unknown, replicas: number): number | undefined {
  const value = maxSurge ?? DEFAULT_MAX_SURGE;
  if (typeof value === "number") return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const percent = PERCENT.exec(value.trim());
  if (percent?.[1] === undefined) return undefined;
  // intstr.GetScaledValueFromIntOrPercent with roundUp = true, as the controller does for maxSurge.
  return Math.ceil((Number(percent[1]) * replicas) / 100);
}

/** A Deployment strategy's surge at `replicas`: 0 for Recreate, maxSurge resolved otherwise. */
export function strategySurgePods(
  strategy: { readonly type?: unknown; readonly rollingUpdate?: { readonly maxSurge?: unknown } } | undefined,
  replicas: number,
): number | undefined {
  if (strategy?.type === "Recreate") return 0;
  return surgePods(strategy?.rollingUpdate?.maxSurge, replicas);
}
