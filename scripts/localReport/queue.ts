// The report's Queue table: each Kueue Workload of the namespace (one per queued Job or
// StatefulSet, one per queued model-server pod) with its LocalQueue, priority and queue state.

import type { Cell } from "./table";

/** A Kueue Workload as kubectl prints it, with the fields the report reads. */
export interface KueueWorkload {
  readonly kind: "Workload";
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly queueName?: string;
    readonly priorityClassName?: string;
    readonly priority?: number;
  };
  readonly status?: {
    readonly conditions?: readonly {
      readonly type: string;
      readonly status: string;
      readonly reason?: string;
      readonly message?: string;
    }[];
  };
}

/** admitted, finished, evicted, or pending with Kueue's reason (e.g. insufficient quota). */
export function queueState(workload: KueueWorkload): string {
  const conditions = workload.status?.conditions ?? [];
  const isTrue = (type: string): boolean => conditions.some((c) => c.type === type && c.status === "True");
  if (isTrue("Finished")) return "finished";
  if (isTrue("Admitted")) return "admitted";
  if (isTrue("Evicted")) return "evicted, waiting to be admitted again";
  const reserved = conditions.find((c) => c.type === "QuotaReserved");
  return reserved?.message === undefined ? "pending" : `pending: ${reserved.message}`;
}

/** One row per Workload: WORKLOAD, QUEUE, PRIORITY, STATE, in kubectl's order. */
export function queueRows(workloads: readonly KueueWorkload[]): Cell[][] {
  return workloads.map((w) => [
    w.metadata.name,
    w.spec.queueName ?? "-",
    w.spec.priorityClassName === undefined
      ? "-"
      : `${w.spec.priorityClassName} (${String(w.spec.priority ?? 0)})`,
    queueState(w),
  ]);
}
