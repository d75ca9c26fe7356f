/** Creates the stack's components from a validated plan. */
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { AdmissionPolicies } from "../components/admissionPolicies";
import { BatchInference } from "../components/batchInference";
import { DistributedTraining } from "../components/distributedTraining";
import { GpuSharing } from "../components/gpuSharing";
import { GpuTenancy } from "../components/gpuTenancy";
import { ComponentRoles } from "../conventions/labels";
import { standardLabels } from "../components/lib/labels";
import { MLWorkflow, MLWorkflowDefinition, MLWORKFLOW_CRD_NAME } from "../components/mlWorkflow";
import { ModelServing } from "../components/modelServing";
import { WorkloadPriorities } from "../components/workloadPriorities";
import { type QueueTier, WorkloadQueue } from "../components/workloadQueue";
import { MODEL_SOURCE_SECRET, type StackPlan } from "./plan";

/** What the stack deployed, for its outputs and for tests. */
export interface DeployedStack {
  readonly tenancy: GpuTenancy;
  readonly priorities: WorkloadPriorities;
  readonly gpuSharing?: GpuSharing;
  /** The Kueue queue of training and batch jobs (and model servers with queueServing), in kueue mode. */
  readonly queue?: WorkloadQueue;
  /** One ModelServing per model, each with its own autoscaler and ServiceMonitors. */
  readonly models: readonly ModelServing[];
  readonly trainingJobs: readonly DistributedTraining[];
  readonly batchJobs: readonly BatchInference[];
  readonly workflowDefinition: pulumi.Resource | undefined;
  readonly workflows: readonly MLWorkflow[];
  /** The Secret holding `modelSourceToken`, when one is configured. */
  readonly modelSourceSecret: corev1.Secret | undefined;
  /** The pack's per-resource rules at the API server, when `admissionPolicies.enabled`. */
  readonly admission: AdmissionPolicies | undefined;
}

/**
 * Deploys the plan. Workloads are created in the tenancy's namespace through its
 * `namespaceName` Output and name their PriorityClass through the priorities' Outputs, so
 * Pulumi creates the namespace, quota and classes before any pod-creating object.
 */
export function deployStack(plan: StackPlan): DeployedStack {
  const tenancy = new GpuTenancy(plan.namespace, plan.tenancy);
  const namespace = tenancy.namespaceName;
  const priorities = new WorkloadPriorities(plan.priorities.name, plan.priorities.args);
  // The admission policies are in force before any workload is created: workloads depend on them.
  const admission =
    plan.admission === undefined
      ? undefined
      : new AdmissionPolicies(plan.admission.name, { ...plan.admission.args, namespace });
  const guarded: pulumi.ComponentResourceOptions = admission === undefined ? {} : { dependsOn: [admission] };
  const gpuSharing =
    plan.gpuSharing === undefined ? undefined : new GpuSharing(plan.gpuSharing.name, plan.gpuSharing.args);

  const queue =
    plan.queue === undefined
      ? undefined
      : new WorkloadQueue(plan.queue.name, { ...plan.queue.args, namespace }, { dependsOn: [tenancy] });
  // A workload the plan queues names the LocalQueue and its WorkloadPriorityClass through their
  // Outputs, so both exist before Kueue sees the workload.
  const queuedAs = (
    planned: { readonly queueName?: string },
    tier: QueueTier,
  ): { queueName?: pulumi.Input<string>; workloadPriorityClassName?: pulumi.Input<string> } =>
    queue === undefined || planned.queueName === undefined
      ? {}
      : { queueName: queue.localQueueName, workloadPriorityClassName: queue.priorityClassNames[tier] };

  const tokenSecret =
    plan.modelSourceToken === undefined
      ? undefined
      : new corev1.Secret(`${plan.namespace}-${MODEL_SOURCE_SECRET.suffix}`, {
          metadata: {
            name: `${plan.namespace}-${MODEL_SOURCE_SECRET.suffix}`,
            namespace,
            labels: standardLabels(MODEL_SOURCE_SECRET.suffix, plan.namespace, ComponentRoles.modelServer),
          },
          type: "Opaque",
          stringData: { [MODEL_SOURCE_SECRET.key]: pulumi.secret(plan.modelSourceToken) },
        });

  const models = plan.models.map(
    (model) =>
      new ModelServing(
        model.name,
        {
          ...model.serving,
          namespace,
          priorityClassName: priorities.servingClassName,
          ...queuedAs(model.serving, "serving"),
          // The plan chose how the loader gets the token; the Secret's Output orders it first.
          ...(tokenSecret === undefined || model.serving.loaderSecretName === undefined
            ? {}
            : { loaderSecretName: tokenSecret.metadata.name }),
          ...(tokenSecret === undefined || model.serving.modelSourceTokenSecretName === undefined
            ? {}
            : { modelSourceTokenSecretName: tokenSecret.metadata.name }),
        },
        guarded,
      ),
  );

  const trainingJobs = plan.trainingJobs.map(
    (job) =>
      new DistributedTraining(
        job.name,
        {
          ...job.args,
          namespace,
          priorityClassName: priorities.trainingClassName,
          ...queuedAs(job.args, "training"),
        },
        guarded,
      ),
  );
  const batchJobs = plan.batchJobs.map(
    (job) =>
      new BatchInference(
        job.name,
        {
          ...job.args,
          namespace,
          priorityClassName: priorities.batchClassName,
          ...queuedAs(job.args, "batch"),
        },
        guarded,
      ),
  );

  let workflowDefinition: pulumi.Resource | undefined;
  if (plan.installWorkflowCrd) {
    workflowDefinition = new MLWorkflowDefinition("mlworkflows");
  } else if (plan.workflows.length > 0) {
    // Another stack owns the cluster-scoped CRD; read it so the instances still wait for it.
    workflowDefinition = apiextensions.v1.CustomResourceDefinition.get(
      "mlworkflows-crd",
      MLWORKFLOW_CRD_NAME,
    );
  }
  const definition = workflowDefinition;
  const workflows =
    definition === undefined
      ? []
      : plan.workflows.map((w) => new MLWorkflow(w.name, { ...w.args, namespace, definition }));

  return {
    tenancy,
    priorities,
    ...(gpuSharing === undefined ? {} : { gpuSharing }),
    ...(queue === undefined ? {} : { queue }),
    models,
    trainingJobs,
    batchJobs,
    workflowDefinition,
    workflows,
    modelSourceSecret: tokenSecret,
    admission,
  };
}
