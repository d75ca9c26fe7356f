/** The ModelMonitoring component: Prometheus scraping for one model server. */
import type * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../lib/component";
import { componentOptions, componentType } from "../lib/typeTokens";
import { resolveSettings } from "../lib/resolve";
import type { ModelMonitoringArgs } from "./args";
import { createServiceMonitors } from "./create";
import { claimDcgmExporter, validateModelMonitoringArgs, withModelMonitoringDefaults } from "./validate";

export const MODEL_MONITORING_TYPE = componentType("ModelMonitoring");

/**
 * prometheus-operator ServiceMonitors for one model server (selecting its Service by the
 * selector labels) and, with `dcgmExporter`, for the cluster's DCGM exporter (GPU utilization,
 * memory, power). Needs the prometheus-operator CRDs installed.
 */
export class ModelMonitoring extends pulumi.ComponentResource {
  public readonly serviceMonitor: apiextensions.CustomResource;
  public readonly dcgmServiceMonitor?: apiextensions.CustomResource;

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
    this.serviceMonitor = monitors.serviceMonitor;
    this.serviceMonitorName = this.serviceMonitor.metadata.name;
    if (monitors.dcgmServiceMonitor !== undefined) {
      this.dcgmServiceMonitor = monitors.dcgmServiceMonitor;
      this.dcgmServiceMonitorName = this.dcgmServiceMonitor.metadata.name;
    }

    this.registerOutputs({
      serviceMonitorName: this.serviceMonitorName,
      dcgmServiceMonitorName: this.dcgmServiceMonitorName,
    });
  }
}
