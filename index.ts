/**
 * The k8s-ml-patterns program: reads and validates the stack's config, checks every
 * component's arguments, and only then deploys. Invalid config fails with one message and no
 * resource registered.
 */
import { main } from "./program/main";

const deployed = main();

export const namespace = deployed.tenancy.namespaceName;
export const gpuQuota = deployed.tenancy.gpuQuota;
export const models = deployed.models.map((m) => ({
  deployment: m.deploymentName,
  service: m.serviceDnsName,
  autoscaler: m.autoscalerName,
}));
export const trainingJobs = deployed.trainingJobs.map((t) => ({
  statefulSet: t.statefulSetName,
  masterAddress: t.masterAddress,
  worldSize: t.worldSize,
  queue: t.queueName,
}));
export const batchJobs = deployed.batchJobs.map((b) => b.jobName);
/** Where training and batch jobs wait for admission (kueue mode), or undefined (quota mode). */
export const queue =
  deployed.queue === undefined
    ? undefined
    : { clusterQueue: deployed.queue.clusterQueueName, localQueue: deployed.queue.localQueueName };
export const workflows = deployed.workflows.map((w) => w.metadata.name);
