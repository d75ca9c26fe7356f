/**
 * The arguments that put a training or batch workload on a Kueue queue, their checks, the
 * labels Kueue reads, and how `pulumi up` waits for a workload Kueue may hold back.
 */
import * as pulumi from "@pulumi/pulumi";
import { QUEUE_NAME_LABEL, WORKLOAD_PRIORITY_CLASS_LABEL } from "../../conventions/queueing";
import type { ArgChecker } from "./validation";

export interface QueuedWorkloadArgs {
  /**
   * LocalQueue (in the namespace) that admits the workload, Kueue's `kueue.x-k8s.io/queue-name`:
   * the workload waits (a Job suspended, a StatefulSet's pods gated) until all of it fits the
   * queue's quota, then starts whole. `pulumi up` does not wait for the admission.
   * @default none (not queued)
   */
  readonly queueName?: pulumi.Input<string>;
  /** WorkloadPriorityClass Kueue orders the pending workload by (needs queueName). @default none */
  readonly workloadPriorityClassName?: pulumi.Input<string>;
}

/** The queue arguments, resolved. */
export interface QueueSettings {
  readonly queueName?: string;
  readonly workloadPriorityClassName?: string;
}

/** Records every problem of the queue arguments. */
export function checkQueueArgs(checker: ArgChecker, args: pulumi.Unwrap<QueuedWorkloadArgs>): void {
  checker
    .dnsLabel("queueName", args.queueName)
    .dnsSubdomain(
      "workloadPriorityClassName",
      args.workloadPriorityClassName,
      "a WorkloadPriorityClass name",
    );
  if (args.workloadPriorityClassName !== undefined) {
    checker.check(
      args.queueName !== undefined,
      "workloadPriorityClassName",
      args.workloadPriorityClassName,
      "unset unless queueName is set (only Kueue reads it)",
    );
  }
}

/** The queue arguments with nothing left undefined-but-present. */
export function queueSettings(args: pulumi.Unwrap<QueuedWorkloadArgs>): QueueSettings {
  return {
    ...(args.queueName === undefined ? {} : { queueName: args.queueName }),
    ...(args.workloadPriorityClassName === undefined
      ? {}
      : { workloadPriorityClassName: args.workloadPriorityClassName }),
  };
}

/** The labels that put the workload on its queue, with its priority; none when not queued. */
export function queueLabels(settings: QueueSettings): Record<string, string> {
  if (settings.queueName === undefined) return {};
  return {
    [QUEUE_NAME_LABEL]: settings.queueName,
    ...(settings.workloadPriorityClassName === undefined
      ? {}
      : { [WORKLOAD_PRIORITY_CLASS_LABEL]: settings.workloadPriorityClassName }),
  };
}

/**
 * Tells the engine's log that a workload is queued and what that means for `pulumi up`: it
 * returns once the API server holds the object, whether Kueue admitted it yet or not.
 */
export function logQueued(
  resource: pulumi.Resource,
  settings: pulumi.Output<QueueSettings & { readonly name: string }>,
  what: string,
): void {
  settings.apply((s) => {
    if (s.queueName === undefined) return;
    void pulumi.log.info(
      `${s.name}: queued in LocalQueue "${s.queueName}" (Kueue): ${what} when the queue's quota holds all of it; pulumi up does not wait for the admission`,
      resource,
    );
  });
}
