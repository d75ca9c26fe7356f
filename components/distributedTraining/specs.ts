/**
 * The Kubernetes objects of a DistributedTraining, built from its settings: the workers'
 * ServiceAccount, their headless Service and NetworkPolicy, and the StatefulSet.
 */
import type * as k8s from "@pulumi/kubernetes";
import { ComponentRoles } from "../../conventions/labels";
import { fieldRefEnvVar, userEnvVars } from "../lib/env";
import { containerResources, gpuPlacement } from "../lib/gpu";
import { selectorLabels, standardLabels } from "../lib/labels";
import { queuedAwaitAnnotations, queueLabels } from "../lib/queue";
import { scratchVolumes } from "../lib/scratchVolumes";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../lib/security";
import {
  type DistributedTrainingSettings,
  POD_INDEX_LABEL,
  RENDEZVOUS_PORT_NAME,
  TRAINER_CONTAINER,
  TRAINING_UPDATE_STRATEGY,
} from "./args";

const CHECKPOINT_VOLUME = "checkpoints";

/** Worker 0's stable DNS name, resolvable before it is ready thanks to `publishNotReadyAddresses`. */
export function masterAddress(settings: DistributedTrainingSettings): string {
  return `${settings.name}-0.${settings.name}.${settings.namespace}.svc.${settings.clusterDomain}`;
}

/** Processes torchrun starts per worker: one per GPU, or one on a CPU-only worker. */
export function processesPerWorker(settings: DistributedTrainingSettings): number {
  return Math.max(settings.gpusPerPod, 1);
}

function labels(settings: DistributedTrainingSettings): Record<string, string> {
  return standardLabels(settings.appName, settings.name, ComponentRoles.trainer);
}

function metadata(settings: DistributedTrainingSettings, name: string): k8s.types.input.meta.v1.ObjectMeta {
  return { name, namespace: settings.namespace, labels: labels(settings) };
}

/** The injected variables first, so user values may refer to them as `$(POD_NAME)`. */
export function trainingEnv(settings: DistributedTrainingSettings): k8s.types.input.core.v1.EnvVar[] {
  const podIndex = `metadata.labels['${POD_INDEX_LABEL}']`;
  const master = masterAddress(settings);
  const port = String(settings.masterPort);
  return [
    fieldRefEnvVar("POD_NAME", "metadata.name"),
    { name: "WORLD_SIZE", value: String(settings.workers) },
    fieldRefEnvVar("RANK", podIndex),
    { name: "MASTER_ADDR", value: master },
    { name: "MASTER_PORT", value: port },
    { name: "PET_NNODES", value: String(settings.workers) },
    { name: "PET_NPROC_PER_NODE", value: String(processesPerWorker(settings)) },
    fieldRefEnvVar("PET_NODE_RANK", podIndex),
    { name: "PET_MASTER_ADDR", value: master },
    { name: "PET_MASTER_PORT", value: port },
    ...userEnvVars(settings.env),
  ];
}

/** The workers' own identity; training needs no Kubernetes API access. */
export function trainingServiceAccount(settings: DistributedTrainingSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  automountServiceAccountToken: boolean;
} {
  return { metadata: metadata(settings, settings.name), automountServiceAccountToken: false };
}

/**
 * The headless Service that governs the StatefulSet: it gives each worker a DNS record, published
 * before the pod is ready so that workers can find worker 0 while they all start.
 */
export function trainingService(settings: DistributedTrainingSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: k8s.types.input.core.v1.ServiceSpec;
} {
  return {
    metadata: metadata(settings, settings.name),
    spec: {
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector: selectorLabels(settings.appName, settings.name),
      ports: [
        {
          name: RENDEZVOUS_PORT_NAME,
          port: settings.masterPort,
          targetPort: settings.masterPort,
          protocol: "TCP",
        },
      ],
    },
  };
}

/**
 * Lets the workers reach each other on every port (NCCL opens many, chosen at run time) in a
 * namespace whose default is to deny. DNS egress comes from the namespace's own policy.
 */
export function trainingNetworkPolicy(settings: DistributedTrainingSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: k8s.types.input.networking.v1.NetworkPolicySpec;
} {
  const workers = { podSelector: { matchLabels: selectorLabels(settings.appName, settings.name) } };
  return {
    metadata: metadata(settings, `${settings.name}-workers`),
    spec: {
      podSelector: workers.podSelector,
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [workers] }],
      egress: [{ to: [workers] }],
    },
  };
}

/** The worker pod: one trainer container, restricted, placed on its GPUs, with scratch and checkpoints. */
export function trainingPodSpec(settings: DistributedTrainingSettings): k8s.types.input.core.v1.PodSpec {
  // The root filesystem is read-only; /tmp is the writable scratch space (set HOME or cache
  // directories there through `env` if the training code writes to them).
  const scratch = scratchVolumes(settings.sharedMemorySize);
  const volumeMounts = [...scratch.volumeMounts];
  if (settings.checkpoints !== undefined)
    volumeMounts.push({ name: CHECKPOINT_VOLUME, mountPath: settings.checkpoints.mountPath });
  return {
    serviceAccountName: settings.name,
    automountServiceAccountToken: false,
    // Service links would add a variable per Service in the namespace; the workers need none.
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(),
    terminationGracePeriodSeconds: settings.terminationGracePeriodSeconds,
    ...(settings.priorityClassName === undefined ? {} : { priorityClassName: settings.priorityClassName }),
    ...gpuPlacement(settings.gpusPerPod, settings.gpuProducts),
    // No readiness probe on purpose: a worker has nothing to serve, and without a probe a pod is
    // Ready once its container runs, which is what the StatefulSet await counts.
    containers: [
      {
        name: TRAINER_CONTAINER,
        image: settings.image,
        ...(settings.command === undefined ? {} : { command: settings.command }),
        ...(settings.args === undefined ? {} : { args: settings.args }),
        ports: [{ name: RENDEZVOUS_PORT_NAME, containerPort: settings.masterPort, protocol: "TCP" }],
        env: trainingEnv(settings),
        resources: containerResources({
          gpus: settings.gpusPerPod,
          gpuResourceName: settings.gpuResourceName,
          cpu: settings.cpu,
          memory: settings.memory,
        }),
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts,
      },
    ],
    volumes: scratch.volumes,
  };
}

/**
 * How `pulumi up` waits for the StatefulSet: until every worker is ready, within
 * `readyTimeoutSeconds`; when queued, only until it is observed (queuedAwaitAnnotations), since
 * Kueue admits all workers together.
 */
export function statefulSetAwaitAnnotations(settings: DistributedTrainingSettings): Record<string, string> {
  return queuedAwaitAnnotations(settings, settings.readyTimeoutSeconds);
}

/** The StatefulSet: all workers start together, and checkpoint claims outlive it. */
export function trainingStatefulSet(settings: DistributedTrainingSettings): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: k8s.types.input.apps.v1.StatefulSetSpec;
} {
  const podLabels = labels(settings);
  return {
    metadata: {
      ...metadata(settings, settings.name),
      labels: { ...labels(settings), ...queueLabels(settings) },
      annotations: statefulSetAwaitAnnotations(settings),
    },
    spec: {
      serviceName: settings.name,
      replicas: settings.workers,
      // All workers start together: the rendezvous needs every one of them, and OrderedReady
      // would wait for worker 0 to be Ready before creating worker 1.
      podManagementPolicy: "Parallel",
      selector: { matchLabels: selectorLabels(settings.appName, settings.name) },
      // Workers of one job must never run different versions: a rolling update would replace
      // them one at a time and leave old and new workers in one rendezvous for a while. OnDelete
      // makes the controller change no pod by itself; the component replaces the whole
      // StatefulSet on any spec change (replaceOnChanges), so all workers restart on the new one.
      updateStrategy: { type: TRAINING_UPDATE_STRATEGY },
      // Checkpoints outlive the StatefulSet and scale-downs; delete the PVCs deliberately.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      template: { metadata: { labels: podLabels }, spec: trainingPodSpec(settings) },
      ...(settings.checkpoints === undefined
        ? {}
        : {
            volumeClaimTemplates: [
              {
                metadata: { name: CHECKPOINT_VOLUME, labels: podLabels },
                spec: {
                  accessModes: ["ReadWriteOnce"],
                  resources: { requests: { storage: settings.checkpoints.size } },
                  ...(settings.checkpoints.storageClassName === undefined
                    ? {}
                    : { storageClassName: settings.checkpoints.storageClassName }),
                },
              },
            ],
          }),
    },
  };
}
