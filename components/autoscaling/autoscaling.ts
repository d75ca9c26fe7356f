/** The Autoscaling component: an autoscaler for any serving Deployment. */
import type * as apiextensions from "@pulumi/kubernetes/apiextensions";
import type * as autoscalingv2 from "@pulumi/kubernetes/autoscaling/v2";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../lib/component";
import { CustomResourceFields } from "../lib/customResourceFields";
import { componentOptions, componentType } from "../lib/typeTokens";
import { resolveSettings } from "../lib/resolve";
import type { AutoscalingArgs } from "./args";
import { createAutoscaler } from "./create";
import type { PrometheusAdapterRule } from "./specs";
import {
  claimAutoscalingTarget,
  usesKeda,
  validateAutoscalingArgs,
  withAutoscalingDefaults,
} from "./validate";

export const AUTOSCALING_TYPE = componentType("Autoscaling");

const scaledObjectOf = new CustomResourceFields<
  Autoscaling,
  { readonly scaledObject: apiextensions.CustomResource | undefined }
>();

/**
 * Scales a serving Deployment with an `autoscaling/v2` HPA on CPU (and on requests per second per
 * pod when `requestsPerSecondSource` names where that metric comes from) or, instead, a KEDA ScaledObject with cpu and prometheus triggers that may scale
 * to zero. Never both on one Deployment: KEDA drives its own HPA, and two HPAs on one target
 * overwrite each other's replica count. Create the Deployment with `autoscaled: true`
 * (ModelServing) so Pulumi leaves its replica count alone.
 */
export class Autoscaling extends pulumi.ComponentResource {
  public readonly horizontalPodAutoscaler?: autoscalingv2.HorizontalPodAutoscaler;
  /** The KEDA ScaledObject, with `keda` (a getter: see CustomResourceFields). */
  public get scaledObject(): apiextensions.CustomResource | undefined {
    return scaledObjectOf.get(this).scaledObject;
  }

  /** Name of the HPA or ScaledObject. */
  public readonly autoscalerName: pulumi.Output<string>;
  /** "HorizontalPodAutoscaler" or "ScaledObject". */
  public readonly autoscalerKind: string;
  /** The prometheus-adapter rule of the HPA's per-pod metric, with requestsPerSecondSource "prometheus-adapter". */
  public readonly prometheusAdapterRule?: pulumi.Output<PrometheusAdapterRule>;
  /** Every prometheus-adapter rule (request rate, the server's gauges), with requestsPerSecondSource "prometheus-adapter". */
  public readonly prometheusAdapterRules?: pulumi.Output<PrometheusAdapterRule[]>;

  constructor(name: string, args: AutoscalingArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = resolveSettings(
      args,
      (resolved) => {
        validateAutoscalingArgs(name, resolved);
        claimAutoscalingTarget(name, resolved);
      },
      (resolved) => withAutoscalingDefaults(name, resolved),
    );
    super(AUTOSCALING_TYPE, name, {}, componentOptions("Autoscaling", opts));

    const autoscaler = createAutoscaler(name, usesKeda(args), args.requestsPerSecondSource, settings, () =>
      childOptions(this),
    );
    if (autoscaler.horizontalPodAutoscaler !== undefined)
      this.horizontalPodAutoscaler = autoscaler.horizontalPodAutoscaler;
    scaledObjectOf.set(this, { scaledObject: autoscaler.scaledObject });
    this.autoscalerName = autoscaler.name;
    this.autoscalerKind = autoscaler.kind;
    if (autoscaler.prometheusAdapterRule !== undefined)
      this.prometheusAdapterRule = autoscaler.prometheusAdapterRule;
    if (autoscaler.prometheusAdapterRules !== undefined)
      this.prometheusAdapterRules = autoscaler.prometheusAdapterRules;

    this.registerOutputs({ autoscalerName: this.autoscalerName, autoscalerKind: this.autoscalerKind });
  }
}
