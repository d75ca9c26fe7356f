// HorizontalPodAutoscaler (autoscaling/v1, v2) and KEDA ScaledObject (keda.sh/v1alpha1) bounds.

import type { K8sResource } from "./resource";
import { isUnknown, num, obj, str } from "./values";

export interface Autoscaler {
  readonly resource: K8sResource;
  readonly flavor: "HorizontalPodAutoscaler" | "ScaledObject";
  /** scaleTargetRef.kind (KEDA defaults it to Deployment). */
  readonly targetKind: string;
  /** scaleTargetRef.name; undefined when missing or unknown. */
  readonly targetName: string | undefined;
  /** Effective minimum (HPA default 1, KEDA default 0); undefined when unknown or not a number. */
  readonly min: number | undefined;
  /** Effective maximum (HPA: required; KEDA default 100); undefined when missing/unknown. */
  readonly max: number | undefined;
  readonly minField: string;
  readonly maxField: string;
  /** The raw values, for messages ("not set" means the default applied). */
  readonly rawMin: unknown;
  readonly rawMax: unknown;
  readonly minDefault: number;
  /** undefined when the field is required (HPA maxReplicas). */
  readonly maxDefault: number | undefined;
}

/** KEDA's defaults when minReplicaCount / maxReplicaCount are not set. */
export const KEDA_DEFAULT_MIN = 0;
export const KEDA_DEFAULT_MAX = 100;

export function autoscalerOf(res: K8sResource): Autoscaler | undefined {
  const spec = obj(res.object.spec) ?? {};
  const ref = obj(spec.scaleTargetRef) ?? {};
  const targetName = str(ref.name);
  if (res.group === "autoscaling" && res.kind === "HorizontalPodAutoscaler") {
    return {
      resource: res,
      flavor: "HorizontalPodAutoscaler",
      targetKind: str(ref.kind) ?? "Deployment",
      targetName,
      min: value(spec.minReplicas, 1),
      max: value(spec.maxReplicas, undefined),
      minField: "spec.minReplicas",
      maxField: "spec.maxReplicas",
      rawMin: spec.minReplicas,
      rawMax: spec.maxReplicas,
      minDefault: 1,
      maxDefault: undefined,
    };
  }
  if (res.group === "keda.sh" && res.kind === "ScaledObject") {
    return {
      resource: res,
      flavor: "ScaledObject",
      targetKind: str(ref.kind) ?? "Deployment",
      targetName,
      min: value(spec.minReplicaCount, KEDA_DEFAULT_MIN),
      max: value(spec.maxReplicaCount, KEDA_DEFAULT_MAX),
      minField: "spec.minReplicaCount",
      maxField: "spec.maxReplicaCount",
      rawMin: spec.minReplicaCount,
      rawMax: spec.maxReplicaCount,
      minDefault: KEDA_DEFAULT_MIN,
      maxDefault: KEDA_DEFAULT_MAX,
    };
  }
  return undefined;
}

function value(v: unknown, dflt: number | undefined): number | undefined {
  if (v === undefined || v === null) return dflt;
  if (isUnknown(v)) return undefined;
  return num(v);
}
