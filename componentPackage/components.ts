/** The component classes the package serves: every ComponentResource of the public surface. */
import * as publicSurface from "../components";

export const PACKAGE_NAME = "k8sml";

export const COMPONENTS = [
  publicSurface.AdmissionPolicies,
  publicSurface.Autoscaling,
  publicSurface.BatchInference,
  publicSurface.DistributedTraining,
  publicSurface.GpuSharing,
  publicSurface.GpuTenancy,
  publicSurface.MLWorkflowDefinition,
  publicSurface.ModelMonitoring,
  publicSurface.ModelServing,
  publicSurface.WorkloadPriorities,
  publicSurface.WorkloadQueue,
];
