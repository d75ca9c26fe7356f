// The report's Workloads table: each Deployment (with its HPA), StatefulSet, Job and MLWorkflow
// of the namespace with its readiness.

import { hasCondition, type MLWorkflow, type NamespacedObject, objectsOfKind } from "./kubernetesObjects";
import type { Cell } from "./table";

const JOB_RUNNING =
  "Running (pulumi up waits for the start only; simulated Job pods succeed a second after they run)";

/**
 * One row per workload: KIND, NAME, READY, STATUS. Deployments first, then StatefulSets, Jobs and
 * MLWorkflows, each in kubectl's order; a Deployment shows the HPA that scales it.
 */
export function workloadRows(
  objects: readonly NamespacedObject[],
  workflows: readonly MLWorkflow[],
): Cell[][] {
  // By the name of the workload each HPA scales; the last one wins, as kubectl lists them.
  const hpaFor = new Map(
    objectsOfKind(objects, "HorizontalPodAutoscaler").map((hpa) => [hpa.spec.scaleTargetRef.name, hpa]),
  );
  const rows: Cell[][] = [];
  for (const deployment of objectsOfKind(objects, "Deployment")) {
    const hpa = hpaFor.get(deployment.metadata.name);
    const scaling =
      hpa === undefined
        ? ""
        : `, HPA ${hpa.metadata.name} ${String(hpa.spec.minReplicas)}-${hpa.spec.maxReplicas}`;
    rows.push([
      "Deployment",
      deployment.metadata.name,
      `${deployment.status?.readyReplicas ?? 0}/${String(deployment.spec.replicas)}`,
      (hasCondition(deployment, "Available") ? "Available" : "not available") + scaling,
    ]);
  }
  for (const statefulSet of objectsOfKind(objects, "StatefulSet")) {
    rows.push([
      "StatefulSet",
      statefulSet.metadata.name,
      `${statefulSet.status?.readyReplicas ?? 0}/${String(statefulSet.spec.replicas)}`,
      statefulSet.status?.readyReplicas === statefulSet.spec.replicas ? "all workers ready" : "starting",
    ]);
  }
  for (const job of objectsOfKind(objects, "Job")) {
    const state = hasCondition(job, "Complete")
      ? "Complete"
      : hasCondition(job, "Failed")
        ? "Failed"
        : JOB_RUNNING;
    rows.push([
      "Job",
      job.metadata.name,
      `${job.status?.succeeded ?? 0}/${String(job.spec.completions)}`,
      state,
    ]);
  }
  for (const workflow of workflows) {
    rows.push([
      "MLWorkflow",
      workflow.metadata.name,
      "-",
      `accepted (model ${String(workflow.spec.modelName)}, ${workflow.spec.gpus ?? 0} GPUs)`,
    ]);
  }
  return rows;
}
