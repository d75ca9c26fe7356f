/** Creating the ServiceMonitors, shared by the ModelMonitoring and ModelServing components. */
import type * as apiextensions from "@pulumi/kubernetes/apiextensions";
import type * as pulumi from "@pulumi/pulumi";
import type { ChildOptions } from "../lib/childOptions";
import { createCustomResourceChild } from "../lib/customResourceChild";
import type { ModelMonitoringSettings } from "./args";
import {
  buildDcgmServiceMonitor,
  buildModelServiceMonitor,
  SERVICE_MONITOR_API_VERSION,
  SERVICE_MONITOR_KIND,
  type ServiceMonitorResource,
} from "./specs";

/** The ServiceMonitors a ModelMonitoring or a ModelServing creates. */
export interface ServiceMonitorResources {
  readonly serviceMonitor: apiextensions.CustomResource;
  /** Only with `dcgmExporter`. */
  readonly dcgmServiceMonitor?: apiextensions.CustomResource;
}

/**
 * Creates `${name}-servicemonitor` and, with `dcgmExporter` (which must be known now),
 * `${name}-dcgm-servicemonitor`. Shared by ModelMonitoring and ModelServing, so both create the
 * very same objects.
 */
export function createServiceMonitors(
  name: string,
  dcgmExporter: boolean,
  settings: pulumi.Output<ModelMonitoringSettings>,
  childOptions: ChildOptions,
): ServiceMonitorResources {
  const customResource = (
    childName: string,
    build: (settings: ModelMonitoringSettings) => ServiceMonitorResource,
  ) =>
    createCustomResourceChild(
      childName,
      SERVICE_MONITOR_API_VERSION,
      SERVICE_MONITOR_KIND,
      settings,
      build,
      childOptions,
    );
  const serviceMonitor = customResource(`${name}-servicemonitor`, buildModelServiceMonitor);
  if (!dcgmExporter) return { serviceMonitor };
  return {
    serviceMonitor,
    dcgmServiceMonitor: customResource(`${name}-dcgm-servicemonitor`, buildDcgmServiceMonitor),
  };
}
