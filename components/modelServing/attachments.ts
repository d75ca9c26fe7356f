/**
 * The autoscaler and ServiceMonitors a ModelServing owns: the same objects, under the same
 * names, that a separate Autoscaling and ModelMonitoring component would create, with aliases
 * so that stacks deployed with those components keep their objects.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AutoscalerOptions, AutoscalingArgs } from "../autoscaling/args";
import { type AutoscalerResources, createAutoscaler, HPA_TYPE } from "../autoscaling/create";
import { claimAutoscalingTarget, usesKeda } from "../autoscaling/validate";
import { childOptions } from "../lib/component";
import { selectorLabels } from "../lib/labels";
import type { Resolved } from "../lib/resolve";
import type { ModelMonitoringArgs, MonitoringOptions } from "../monitoring/args";
import { createServiceMonitors, type ServiceMonitorResources } from "../monitoring/create";
import { FORMER_COMPONENT_TYPES } from "../lib/typeTokens";
import { claimDcgmExporter } from "../monitoring/validate";
import { HTTP_PORT_NAME } from "../lib/serving";
import type { ModelServingArgs, ModelServingSettings } from "./args";
import { presetAutoscalingSignals, serverPreset } from "./presets";

/** The name the autoscaler objects are derived from, as an Autoscaling component's would be. */
export function autoscalingNameOf(name: string): string {
  return `${name}-scaling`;
}

/** The name the ServiceMonitors are derived from, as a ModelMonitoring component's would be. */
export function monitoringNameOf(name: string): string {
  return `${name}-monitoring`;
}

/**
 * The autoscaler options with what the server preset fills in (the server's request counter and
 * gauges; nothing for generic); options the user set win.
 */
export function servingAutoscalerOptions(
  args: Pick<Resolved<ModelServingArgs>, "server">,
  autoscaling: Resolved<AutoscalerOptions>,
): Resolved<AutoscalerOptions> {
  return { ...presetAutoscalingSignals(serverPreset(args.server)), ...autoscaling };
}

/** The Autoscaling arguments of the component's own autoscaler: its target is the Deployment. */
export function servingAutoscalingArgs(
  name: string,
  args: Pick<Resolved<ModelServingArgs>, "namespace" | "server">,
  autoscaling: Resolved<AutoscalerOptions>,
): Resolved<AutoscalingArgs> {
  return { ...servingAutoscalerOptions(args, autoscaling), namespace: args.namespace, deploymentName: name };
}

/**
 * The ModelMonitoring arguments of the component's own ServiceMonitors: they select its Service,
 * and scrape its `http` port when the server preset serves `/metrics` there.
 */
export function servingMonitoringArgs(
  name: string,
  args: Pick<Resolved<ModelServingArgs>, "namespace" | "modelName" | "server">,
  monitoring: Resolved<MonitoringOptions>,
): Resolved<ModelMonitoringArgs> {
  return {
    ...(serverPreset(args.server).metricsOnHttpPort ? { metricsPortName: HTTP_PORT_NAME } : {}),
    ...monitoring,
    namespace: args.namespace,
    serviceSelectorLabels: selectorLabels(args.modelName, name),
  };
}

/**
 * Claims the Deployment for the component's own autoscaler and, with `dcgmExporter`, the DCGM
 * exporter, as the Autoscaling and ModelMonitoring components do, so that a second claimant in
 * the same program run fails with a clear message.
 */
export function claimModelServingTargets(name: string, args: Resolved<ModelServingArgs>): void {
  if (args.autoscaling !== undefined) {
    claimAutoscalingTarget(autoscalingNameOf(name), servingAutoscalingArgs(name, args, args.autoscaling));
  }
  if (args.monitoring !== undefined) {
    claimDcgmExporter(monitoringNameOf(name), args.monitoring);
  }
}

/**
 * The alias of a child that used to belong to a separate component (`formerType` named
 * `formerName`, under the same parent as this one), so that existing stacks keep the object
 * instead of replacing it. Without a parent, the child's former URN is known now and given as a
 * plain string, which costs the SDK far less per child than an alias it has to derive.
 */
export function formerParentAlias(
  formerName: string,
  formerType: string,
  childName: string,
  childType: string,
  opts: pulumi.ComponentResourceOptions | undefined,
): pulumi.Input<pulumi.URN | pulumi.Alias>[] {
  if (opts?.parent === undefined) {
    return [
      `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${formerType}$${childType}::${childName}`,
    ];
  }
  return [{ parent: pulumi.createUrn(formerName, formerType, opts.parent) }];
}

/** The settings of a part the arguments asked for; the class only asks for parts that are there. */
function present<T>(value: T | undefined, part: string): T {
  if (value === undefined) throw new Error(`ModelServing: no ${part} settings`);
  return value;
}

/** Creates the component's autoscaler: an HPA beside its Deployment, a ScaledObject after it. */
export function attachAutoscaler(
  owner: pulumi.ComponentResource,
  name: string,
  autoscaling: AutoscalerOptions,
  settings: pulumi.Output<ModelServingSettings>,
  deployment: pulumi.Resource,
  opts: pulumi.ComponentResourceOptions | undefined,
): AutoscalerResources {
  const scalingName = autoscalingNameOf(name);
  return createAutoscaler(
    scalingName,
    usesKeda(autoscaling),
    autoscaling.requestsPerSecondSource,
    settings.apply((s) => present(s.autoscaling, "autoscaling")),
    (childName, childType) =>
      childOptions(owner, {
        // An HPA needs no ordering after its Deployment: it names it by a plain name, and the HPA
        // controller reads the scale subresource on every sync, so one created first scales the
        // Deployment once it exists. Waiting would hold the HPA until the Deployment's await
        // (every pod ready, minutes while a model loads). The ScaledObject keeps the edge: KEDA
        // reads its target when it builds the HPA it manages.
        ...(childType === HPA_TYPE ? {} : { dependsOn: [deployment] }),
        aliases: formerParentAlias(
          scalingName,
          FORMER_COMPONENT_TYPES.Autoscaling,
          childName,
          childType,
          opts,
        ),
      }),
  );
}

/** Creates the component's ServiceMonitors. */
export function attachServiceMonitors(
  owner: pulumi.ComponentResource,
  name: string,
  monitoring: MonitoringOptions,
  settings: pulumi.Output<ModelServingSettings>,
  opts: pulumi.ComponentResourceOptions | undefined,
): ServiceMonitorResources {
  const monitoringName = monitoringNameOf(name);
  return createServiceMonitors(
    monitoringName,
    monitoring.dcgmExporter === true,
    settings.apply((s) => present(s.monitoring, "monitoring")),
    (childName, childType) =>
      childOptions(owner, {
        aliases: formerParentAlias(
          monitoringName,
          FORMER_COMPONENT_TYPES.ModelMonitoring,
          childName,
          childType,
          opts,
        ),
      }),
  );
}
