/** The DistributedTraining component: multi-node PyTorch training on a StatefulSet. */
import * as appsv1 from "@pulumi/kubernetes/apps/v1";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as networkingv1 from "@pulumi/kubernetes/networking/v1";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../lib/component";
import { componentOptions, componentType } from "../lib/typeTokens";
import { logQueued } from "../lib/queue";
import { fieldsOf, resolveSettings } from "../lib/resolve";
import type { DistributedTrainingArgs } from "./args";
import {
  masterAddress,
  trainingNetworkPolicy,
  trainingService,
  trainingServiceAccount,
  trainingStatefulSet,
} from "./specs";
import { validateDistributedTrainingArgs, withDistributedTrainingDefaults } from "./validate";

export const DISTRIBUTED_TRAINING_TYPE = componentType("DistributedTraining");

/**
 * Distributed training workers: a StatefulSet behind a headless Service, a NetworkPolicy
 * between the workers and their ServiceAccount.
 *
 * Each worker pod gets a stable identity (`<name>-<index>`) and DNS name
 * (`<name>-<index>.<name>.<namespace>.svc.<cluster domain>`); worker 0 hosts the rendezvous.
 * The pods carry everything `torchrun` needs in `PET_*` variables, so the entrypoint can be a
 * plain `torchrun train.py`:
 * - `PET_NNODES` = workers (pods), `PET_NPROC_PER_NODE` = GPUs per worker (1 on CPU-only
 *   workers), `PET_NODE_RANK` = the pod's index, `PET_MASTER_ADDR`/`PET_MASTER_PORT` = worker 0.
 *   torchrun (static rendezvous) starts NNODES × NPROC_PER_NODE processes and sets `WORLD_SIZE`,
 *   `RANK` and `LOCAL_RANK` per process itself, overriding the pod-level values below.
 * - `WORLD_SIZE` = workers and `RANK` = the pod's index: they count pods, which is what a
 *   script launched without torchrun (one process per pod, `init_method="env://"`) needs.
 * - `POD_NAME`, `MASTER_ADDR`, `MASTER_PORT` for logging and for non-torchrun launchers.
 *
 * A StatefulSet restarts containers that exit, including after success: the entrypoint should
 * resume from `/checkpoints` and the run is ended by removing the component (or scaling to 0).
 *
 * Updates: a job's workers are never on mixed versions. The StatefulSet's update strategy is
 * `OnDelete` and the component replaces it on any spec change, deleting the old one (and, with
 * the provider's foreground deletion, its workers) before the new one creates its workers, so
 * every worker of a run has the same template. `RollingUpdate` would replace workers one by one
 * (highest index first), leaving old and new workers in one rendezvous until the last is done,
 * and with `Parallel` pod management it would still update one pod at a time.
 *
 * Pulumi awaits (pulumi-kubernetes v4):
 * - A Service normally waits until its Endpoints list ready pods, but the provider skips that for
 *   a headless Service (`clusterIP: None`), so this one is ready as soon as it exists.
 * - A StatefulSet is ready when `.status.readyReplicas` (and current replicas) equal
 *   `spec.replicas` and `currentRevision == updateRevision`. The workers have no readiness probe,
 *   so each counts as Ready once its container runs; the await ends when all of them run.
 * So the StatefulSet simply `dependsOn` the Service (its DNS domain exists before any pod) and the
 * NetworkPolicy (workers can reach each other from their first second), and is awaited with a
 * generous `pulumi.com/timeoutSeconds`. `pulumi.com/skipAwait` is not used: besides hiding
 * workers that cannot be scheduled or crash, it also skips the deletion await for StatefulSets,
 * and a replacement with the same name (`deleteBeforeReplace`) must wait for the old one to go.
 */
export class DistributedTraining extends pulumi.ComponentResource {
  public readonly serviceAccount: corev1.ServiceAccount;
  public readonly service: corev1.Service;
  public readonly networkPolicy: networkingv1.NetworkPolicy;
  public readonly statefulSet: appsv1.StatefulSet;

  /** Name of the StatefulSet (and prefix of the worker pods). */
  public readonly statefulSetName: pulumi.Output<string>;
  /** Name of the headless Service. */
  public readonly serviceName: pulumi.Output<string>;
  /** Worker 0's DNS name, the rendezvous address. */
  public readonly masterAddress: pulumi.Output<string>;
  /** Worker pods (torchrun nodes); the process count is this × GPUs per worker. */
  public readonly worldSize: pulumi.Output<number>;
  /** The LocalQueue the workers wait in, or undefined when not queued. */
  public readonly queueName: pulumi.Output<string | undefined>;

  constructor(name: string, args: DistributedTrainingArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = resolveSettings(
      args,
      (resolved) => {
        validateDistributedTrainingArgs(name, resolved);
      },
      (resolved) => withDistributedTrainingDefaults(name, resolved),
    );
    super(DISTRIBUTED_TRAINING_TYPE, name, {}, componentOptions("DistributedTraining", opts));

    this.serviceAccount = new corev1.ServiceAccount(
      `${name}-sa`,
      fieldsOf(settings, trainingServiceAccount, ["metadata", "automountServiceAccountToken"]),
      childOptions(this),
    );
    this.service = new corev1.Service(
      `${name}-svc`,
      fieldsOf(settings, trainingService, ["metadata", "spec"]),
      childOptions(this),
    );
    this.networkPolicy = new networkingv1.NetworkPolicy(
      `${name}-netpol`,
      fieldsOf(settings, trainingNetworkPolicy, ["metadata", "spec"]),
      childOptions(this),
    );
    this.statefulSet = new appsv1.StatefulSet(
      `${name}-sts`,
      fieldsOf(settings, trainingStatefulSet, ["metadata", "spec"]),
      // Any spec change replaces the StatefulSet (delete first, so the old workers are gone
      // before new ones start): with the OnDelete update strategy, an in-place update would leave
      // the running workers on the old template, and a rolling one would mix versions.
      childOptions(this, {
        dependsOn: [this.service, this.networkPolicy, this.serviceAccount],
        replaceOnChanges: ["spec"],
      }),
    );

    logQueued(
      this.statefulSet,
      settings,
      "Kueue starts all its workers together when the queue's quota holds all of them",
    );

    this.statefulSetName = this.statefulSet.metadata.name;
    this.queueName = settings.apply((resolved) => resolved.queueName);
    this.serviceName = this.service.metadata.name;
    this.masterAddress = settings.apply(masterAddress);
    this.worldSize = settings.apply((resolved) => resolved.workers);
    this.registerOutputs({
      statefulSetName: this.statefulSetName,
      serviceName: this.serviceName,
      masterAddress: this.masterAddress,
      worldSize: this.worldSize,
      queueName: this.queueName,
    });
  }
}
