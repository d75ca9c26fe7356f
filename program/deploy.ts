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
import { WorkloadQueue } from "../components/workloadQueue";
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
 * Deploys the plan. Workloads take the plan's plain names (namespace, PriorityClass, LocalQueue,
 * WorkloadPriorityClass, Secret) and wait for the objects behind them through one `dependsOn` on
 * the workload component, whose children register only once it has: the Namespace, its
 * ResourceQuota and LimitRange, the PriorityClass, the queue and the Secret all exist before any
 * pod-creating object, as before, when the names came as Outputs of those objects.
 *
 * Why not Outputs (issue 18): an Output in the arguments makes every argument of the component
 * an Output, so validation is deferred past registration and every field of every child is
 * built behind one more `apply` of the whole arguments; with plain names the component's
 * settings are known now and the ordering is the engine's, once per component.
 */
export function deployStack(
  plan: StackPlan,
  transformations: pulumi.ResourceTransformation[] = [],
): DeployedStack {
  const tenancy = new GpuTenancy(plan.namespace, plan.tenancy);
  const namespace = tenancy.namespaceName;
  // What every workload waits for: its namespace with the quota and defaults its pods are admitted
  // under (pods created before them would escape the quota or miss the LimitRange's defaults).
  const namespaceReady: pulumi.Resource[] = [tenancy.namespace, tenancy.resourceQuota, tenancy.limitRange];
  const priorities = new WorkloadPriorities(plan.priorities.name, plan.priorities.args);
  // The admission policies are in force before any workload is created: workloads depend on them.
  const admission =
    plan.admission === undefined
      ? undefined
      : new AdmissionPolicies(plan.admission.name, { ...plan.admission.args, namespace });
  const guarded: pulumi.Resource[] = admission === undefined ? [] : [admission];
  const gpuSharing =
    plan.gpuSharing === undefined ? undefined : new GpuSharing(plan.gpuSharing.name, plan.gpuSharing.args);

  const queue =
    plan.queue === undefined
      ? undefined
      : new WorkloadQueue(plan.queue.name, { ...plan.queue.args, namespace }, { dependsOn: [tenancy] });
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

  // A workload the plan queues names the LocalQueue and its WorkloadPriorityClass: it waits for
  // the whole queue (ClusterQueue, flavors, LocalQueue, classes), so Kueue knows both first.
  const waitsFor = (
    priorityClass: pulumi.Resource,
    planned: { readonly queueName?: string },
    extra: readonly pulumi.Resource[] = [],
  ): pulumi.ComponentResourceOptions => ({
    ...(transformations.length === 0 ? {} : { transformations }),
    dependsOn: [
      ...namespaceReady,
      priorityClass,
      ...(queue === undefined || planned.queueName === undefined ? [] : [queue]),
      ...extra,
      ...guarded,
    ],
  });

  const models = plan.models.map(
    (model) =>
      new ModelServing(
        model.name,
        model.serving,
        // The loader reads the token Secret: created first, so no pod starts without it.
        waitsFor(priorities.serving, model.serving, tokenSecret === undefined ? [] : [tokenSecret]),
      ),
  );

  const trainingJobs = plan.trainingJobs.map(
    (job) => new DistributedTraining(job.name, job.args, waitsFor(priorities.training, job.args)),
  );
  const batchJobs = plan.batchJobs.map(
    (job) => new BatchInference(job.name, job.args, waitsFor(priorities.batch, job.args)),
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
