/** HorizontalPodAutoscaler (autoscaling/v1, v2) and KEDA ScaledObject (keda.sh/v1alpha1) bounds. */

import { KEDA_REPLICA_DEFAULTS } from "../../conventions/admission/rules/autoscalerBounds";
import type { K8sResource } from "./resource";
import { isUnknown, num, obj, str } from "./values";

/** An autoscaler's target and replica bounds, with each API's defaults applied. */
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

/** KEDA's minReplicaCount when not set. */
export const KEDA_DEFAULT_MIN = KEDA_REPLICA_DEFAULTS.min;
/** KEDA's maxReplicaCount when not set. */
export const KEDA_DEFAULT_MAX = KEDA_REPLICA_DEFAULTS.max;

/** The bounds of an HPA or a ScaledObject; undefined for any other kind. */
export function autoscalerOf(resource: K8sResource): Autoscaler | undefined {
  const spec = obj(resource.object.spec) ?? {};
  const target = obj(spec.scaleTargetRef) ?? {};
  const targetName = str(target.name);
  if (resource.group === "autoscaling" && resource.kind === "HorizontalPodAutoscaler") {
    return {
      resource,
      flavor: "HorizontalPodAutoscaler",
      targetKind: str(target.kind) ?? "Deployment",
      targetName,
      min: replicaBound(spec.minReplicas, 1),
      max: replicaBound(spec.maxReplicas, undefined),
      minField: "spec.minReplicas",
      maxField: "spec.maxReplicas",
      rawMin: spec.minReplicas,
      rawMax: spec.maxReplicas,
      minDefault: 1,
      maxDefault: undefined,
    };
  }
  if (resource.group === "keda.sh" && resource.kind === "ScaledObject") {
    return {
      resource,
      flavor: "ScaledObject",
      targetKind: str(target.kind) ?? "Deployment",
      targetName,
      min: replicaBound(spec.minReplicaCount, KEDA_DEFAULT_MIN),
      max: replicaBound(spec.maxReplicaCount, KEDA_DEFAULT_MAX),
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

/** A replica bound: the default when unset, undefined when unknown during preview or not a number. */
function replicaBound(raw: unknown, defaultValue: number | undefined): number | undefined {
  if (raw === undefined || raw === null) return defaultValue;
  if (isUnknown(raw)) return undefined;
  return num(raw);
}
