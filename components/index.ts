/**
 * The public surface of k8s-ml-patterns: the component classes and their arguments. What is
 * not exported here (spec builders, validators, settings) is internal and may change; the
 * package's `exports` make it unreachable for consumers.
 */
export { AdmissionPolicies } from "./admissionPolicies/admissionPolicies";
export type { AdmissionPoliciesArgs } from "./admissionPolicies/args";
export { Autoscaling } from "./autoscaling/autoscaling";
export type { AutoscalerOptions, AutoscalingArgs } from "./autoscaling/args";
export type { AutoscalerResources } from "./autoscaling/create";
export { BatchInference } from "./batchInference/batchInference";
export type { BatchInferenceArgs } from "./batchInference/args";
export { DistributedTraining } from "./distributedTraining/distributedTraining";
export type { DistributedTrainingArgs } from "./distributedTraining/args";
export { GpuSharing, type GpuSharingArgs } from "./gpuSharing";
export { GpuTenancy } from "./gpuTenancy/gpuTenancy";
export type { GpuTenancyArgs } from "./gpuTenancy/args";
export { ValidationError } from "./lib/validation";
export type { WorkloadArgs } from "./lib/workload";
export { MLWorkflowDefinition, type MLWorkflowDefinitionArgs } from "./mlWorkflow/definition";
export {
  MLWorkflow,
  type MLWorkflowArgs,
  type MLWorkflowHyperparameters,
  type MLWorkflowSpec,
} from "./mlWorkflow/workflow";
export { ModelServing } from "./modelServing/modelServing";
export type { ModelServingArgs } from "./modelServing/args";
export { ModelMonitoring } from "./monitoring/monitoring";
export type { ModelMonitoringArgs, MonitoringOptions } from "./monitoring/args";
export type { ServiceMonitorResources } from "./monitoring/create";
export { WorkloadPriorities, type WorkloadPrioritiesArgs } from "./workloadPriorities";
export { WorkloadQueue } from "./workloadQueue/workloadQueue";
export type { WorkloadQueueArgs } from "./workloadQueue/args";
