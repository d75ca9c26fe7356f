/** Creating the autoscaler's resource, shared by the Autoscaling and ModelServing components. */
import type * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as autoscalingv2 from "@pulumi/kubernetes/autoscaling/v2";
import type * as pulumi from "@pulumi/pulumi";
import type { ChildOptions } from "../lib/childOptions";
import { createCustomResourceChild } from "../lib/customResourceChild";
import { fieldsOf } from "../lib/resolve";
import type { AutoscalingSettings, RequestsPerSecondSource } from "./args";
import {
  buildHorizontalPodAutoscaler,
  buildPrometheusAdapterRule,
  buildPrometheusAdapterRules,
  type PrometheusAdapterRule,
  buildScaledObject,
  KEDA_API_VERSION,
  SCALED_OBJECT_KIND,
} from "./specs";

export const HPA_TYPE = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";

/** The autoscaler an Autoscaling or a ModelServing creates: an HPA, or with KEDA a ScaledObject. */
export interface AutoscalerResources {
  readonly horizontalPodAutoscaler?: autoscalingv2.HorizontalPodAutoscaler;
  readonly scaledObject?: apiextensions.CustomResource;
  /** Name of the HPA or ScaledObject. */
  readonly name: pulumi.Output<string>;
  /** "HorizontalPodAutoscaler" or "ScaledObject". */
  readonly kind: string;
  /**
   * The prometheus-adapter rule serving the HPA's per-pod request rate, when the settings name
   * prometheus-adapter as its source: add it to the adapter's `rules`.
   */
  readonly prometheusAdapterRule?: pulumi.Output<PrometheusAdapterRule>;
  /**
   * Every prometheus-adapter rule, when the settings name prometheus-adapter: the request rate
   * (prometheusAdapterRule) and the server's waiting-requests and KV-cache gauges where it
   * exports them. Add them all to the adapter's `rules`.
   */
  readonly prometheusAdapterRules?: pulumi.Output<PrometheusAdapterRule[]>;
}

/**
 * Creates the autoscaler from settings, named `${name}-hpa` or `${name}-scaledobject`. `keda`
 * must be known now, since it decides the resource type, and `requestsPerSecondSource`, since it
 * decides whether there is an adapter rule. Shared by Autoscaling and ModelServing,
 * so both create the very same objects.
 */
export function createAutoscaler(
  name: string,
  keda: boolean,
  requestsPerSecondSource: RequestsPerSecondSource | undefined,
  settings: pulumi.Output<AutoscalingSettings>,
  childOptions: ChildOptions,
): AutoscalerResources {
  if (keda) {
    const resource = createCustomResourceChild(
      `${name}-scaledobject`,
      KEDA_API_VERSION,
      SCALED_OBJECT_KIND,
      settings,
      buildScaledObject,
      childOptions,
    );
    return { scaledObject: resource, name: resource.metadata.name, kind: SCALED_OBJECT_KIND };
  }
  const childName = `${name}-hpa`;
  const resource = new autoscalingv2.HorizontalPodAutoscaler(
    childName,
    fieldsOf(settings, buildHorizontalPodAutoscaler, ["metadata", "spec"]),
    childOptions(childName, HPA_TYPE),
  );
  return {
    horizontalPodAutoscaler: resource,
    name: resource.metadata.name,
    kind: "HorizontalPodAutoscaler",
    ...(requestsPerSecondSource === "prometheus-adapter"
      ? {
          prometheusAdapterRule: settings.apply(buildPrometheusAdapterRule),
          prometheusAdapterRules: settings.apply(buildPrometheusAdapterRules),
        }
      : {}),
  };
}
