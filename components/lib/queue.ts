/**
 * The arguments that put a workload (training, batch, or a model server) on a Kueue queue,
 * their checks, the labels Kueue reads, and how `pulumi up` waits for a workload Kueue may
 * hold back.
 */
import * as pulumi from "@pulumi/pulumi";
import { QUEUE_NAME_LABEL, WORKLOAD_PRIORITY_CLASS_LABEL } from "../../conventions/queueing";
import type { ArgChecker } from "./validation";

/**
 * Where the queue label sits on a workload object, as a `replaceOnChanges` path: moving a
 * running workload onto or off a queue replaces it, since Kueue gates only pods it creates.
 */
export const QUEUE_LABEL_PATH = `metadata.labels["${QUEUE_NAME_LABEL}"]`;

export interface QueuedWorkloadArgs {
  /**
   * LocalQueue (in the namespace) that admits the workload, Kueue's `kueue.x-k8s.io/queue-name`:
   * the workload waits (a Job suspended, a StatefulSet's or Deployment's pods gated) until it
   * fits the queue's quota: a Job or StatefulSet whole, a Deployment pod by pod. `pulumi up`
   * does not wait for the admission.
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
 * The await annotations of a Deployment or StatefulSet that may be queued: `timeoutSeconds` for
 * its readiness; when queued, `pulumi up` waits only until its controller has seen the spec
 * (`.status.observedGeneration`, which the provider checks against the generation), because
 * Kueue keeps its pods gated until the queue has room, which may take hours.
 */
export function queuedAwaitAnnotations(
  settings: QueueSettings,
  timeoutSeconds: number,
): Record<string, string> {
  return {
    "pulumi.com/timeoutSeconds": String(timeoutSeconds),
    ...(settings.queueName === undefined
      ? {}
      : { "pulumi.com/waitFor": "jsonpath={.status.observedGeneration}" }),
  };
}

/**
 * Tells the engine's log that a workload is queued and what that means for `pulumi up`: it
 * returns once the API server holds the object, whether Kueue admitted it yet or not. `what`
 * says what Kueue does and when (a whole clause).
 */
export function logQueued(
  resource: pulumi.Resource,
  settings: pulumi.Output<QueueSettings & { readonly name: string }>,
  what: string,
): void {
  settings.apply((s) => {
    if (s.queueName === undefined) return;
    void pulumi.log.info(
      `${s.name}: queued in LocalQueue "${s.queueName}" (Kueue): ${what}; pulumi up does not wait for the admission`,
      resource,
    );
  });
}
