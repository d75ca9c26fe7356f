/** The ModelMonitoring component: Prometheus scraping for one model server. */
import type * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../lib/component";
import { componentOptions, componentType } from "../lib/typeTokens";
import { resolveSettings } from "../lib/resolve";
import type { ModelMonitoringArgs } from "./args";
import { CustomResourceFields } from "../lib/customResourceFields";
import { createServiceMonitors, type ServiceMonitorResources } from "./create";
import { claimDcgmExporter, validateModelMonitoringArgs, withModelMonitoringDefaults } from "./validate";

export const MODEL_MONITORING_TYPE = componentType("ModelMonitoring");

const monitorsOf = new CustomResourceFields<ModelMonitoring, ServiceMonitorResources>();

/**
 * prometheus-operator ServiceMonitors for one model server (selecting its Service by the
 * selector labels) and, with `dcgmExporter`, for the cluster's DCGM exporter (GPU utilization,
 * memory, power). Needs the prometheus-operator CRDs installed.
 */
export class ModelMonitoring extends pulumi.ComponentResource {
  /** The ServiceMonitor of the model server (a getter: see CustomResourceFields). */
  public get serviceMonitor(): apiextensions.CustomResource {
    return monitorsOf.get(this).serviceMonitor;
  }
  /** The DCGM exporter's ServiceMonitor, with `dcgmExporter` (a getter: see CustomResourceFields). */
  public get dcgmServiceMonitor(): apiextensions.CustomResource | undefined {
    return monitorsOf.get(this).dcgmServiceMonitor;
  }

  public readonly serviceMonitorName: pulumi.Output<string>;
  /** Name of the DCGM ServiceMonitor, when there is one. */
  public readonly dcgmServiceMonitorName?: pulumi.Output<string>;

  constructor(name: string, args: ModelMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = resolveSettings(
      args,
      (resolved) => {
        validateModelMonitoringArgs(name, resolved);
        claimDcgmExporter(name, resolved);
      },
      (resolved) => withModelMonitoringDefaults(name, resolved),
    );
    super(MODEL_MONITORING_TYPE, name, {}, componentOptions("ModelMonitoring", opts));

    const monitors = createServiceMonitors(name, args.dcgmExporter === true, settings, () =>
      childOptions(this),
    );
    monitorsOf.set(this, monitors);
    this.serviceMonitorName = monitors.serviceMonitor.metadata.name;
    if (monitors.dcgmServiceMonitor !== undefined) {
      this.dcgmServiceMonitorName = monitors.dcgmServiceMonitor.metadata.name;
    }

    this.registerOutputs({
      serviceMonitorName: this.serviceMonitorName,
      dcgmServiceMonitorName: this.dcgmServiceMonitorName,
    });
  }
}
