// Objects as `kubectl get -o json` lists them, for the tests of scripts/localReport: a small
// cluster (two H100 nodes, an L40S node, two CPU nodes) and a namespace with a model server
// scaled by an HPA, a second server without one, a training StatefulSet, Jobs in each state, an
// MLWorkflow, and pods on GPU and CPU nodes and unscheduled.

import type {
  Container,
  Deployment,
  HorizontalPodAutoscaler,
  Job,
  MLWorkflow,
  NamespacedObject,
  Node,
  Pod,
  ResourceQuota,
  StatefulSet,
} from "../../scripts/localReport/kubernetesObjects";

const PRODUCT = "nvidia.com/gpu.product";

function gpuNode(name: string, product: string, gpus: number): Node {
  return {
    metadata: { name, labels: { [PRODUCT]: product, "kubernetes.io/hostname": name } },
    status: { allocatable: { cpu: "64", memory: "512Gi", "nvidia.com/gpu": String(gpus) } },
  };
}

function cpuNode(name: string): Node {
  return {
    metadata: { name, labels: { "kubernetes.io/hostname": name } },
    status: { allocatable: { cpu: "16" } },
  };
}

/** Listed out of order: the report sorts them by name. */
export const NODES: readonly Node[] = [
  gpuNode("gpu-l40s-0", "NVIDIA-L40S", 4),
  cpuNode("cpu-1"),
  gpuNode("gpu-h100-1", "NVIDIA-H100-80GB-HBM3", 8),
  gpuNode("gpu-h100-0", "NVIDIA-H100-80GB-HBM3", 8),
  cpuNode("cpu-0"),
];

const container = (gpus: number): Container => ({
  resources: { requests: { cpu: "1", ...(gpus > 0 ? { "nvidia.com/gpu": String(gpus) } : {}) } },
});

export function pod(
  name: string,
  phase: string,
  nodeName: string | undefined,
  gpus: number,
  initGpus = 0,
): Pod {
  return {
    kind: "Pod",
    metadata: { name },
    spec: {
      ...(nodeName === undefined ? {} : { nodeName }),
      containers: [container(gpus), container(0)],
      initContainers: [container(initGpus)],
    },
    status: { phase },
  };
}

export const LLAMA_SERVER: Deployment = {
  kind: "Deployment",
  metadata: { name: "llama-server" },
  spec: { replicas: 2 },
  status: {
    readyReplicas: 2,
    conditions: [
      { type: "Progressing", status: "True" },
      { type: "Available", status: "True" },
    ],
  },
};

export const LLAMA_HPA: HorizontalPodAutoscaler = {
  kind: "HorizontalPodAutoscaler",
  metadata: { name: "llama-server-hpa" },
  spec: { scaleTargetRef: { name: "llama-server" }, minReplicas: 2, maxReplicas: 6 },
};

export const EMBEDDER: Deployment = {
  kind: "Deployment",
  metadata: { name: "embedder" },
  spec: { replicas: 1 },
  status: { conditions: [{ type: "Available", status: "False" }] },
};

export const TRAINER: StatefulSet = {
  kind: "StatefulSet",
  metadata: { name: "trainer-workers" },
  spec: { replicas: 2 },
  status: { readyReplicas: 1 },
};

export const READY_TRAINER: StatefulSet = {
  kind: "StatefulSet",
  metadata: { name: "tuner-workers" },
  spec: { replicas: 2 },
  status: { readyReplicas: 2 },
};

function job(name: string, completions: number, succeeded: number | undefined, condition?: string): Job {
  return {
    kind: "Job",
    metadata: { name },
    spec: { completions },
    status: {
      ...(succeeded === undefined ? {} : { succeeded }),
      ...(condition === undefined ? {} : { conditions: [{ type: condition, status: "True" }] }),
    },
  };
}

export const COMPLETE_JOB = job("eval-nightly", 1, 1, "Complete");
export const FAILED_JOB = job("eval-broken", 1, undefined, "Failed");
export const RUNNING_JOB = job("batch-embed", 4, 1);

export const GPU_QUOTA: ResourceQuota = {
  kind: "ResourceQuota",
  metadata: { name: "ml-quota" },
  status: {
    hard: { "requests.nvidia.com/gpu": "16", "requests.cpu": "200" },
    used: { "requests.nvidia.com/gpu": "11", "requests.cpu": "20" },
  },
};

/** A quota that does not limit GPUs: no line in the report. */
export const CPU_QUOTA: ResourceQuota = {
  kind: "ResourceQuota",
  metadata: { name: "cpu-quota" },
  status: { hard: { "requests.cpu": "100" }, used: { "requests.cpu": "20" } },
};

/** Out of order: the report sorts pods by name. */
export const PODS: readonly Pod[] = [
  pod("trainer-workers-1", "Pending", undefined, 4),
  pod("llama-server-7d9f-b2x4k", "Running", "gpu-h100-1", 1),
  pod("llama-server-7d9f-a1b2c", "Running", "gpu-h100-0", 1),
  pod("embedder-5c6d-zz9q1", "Running", "cpu-0", 0),
  pod("trainer-workers-0", "Running", "gpu-h100-0", 4, 1),
  pod("eval-nightly-q8w7e", "Succeeded", "gpu-l40s-0", 1),
  pod("batch-embed-0-r5t6y", "Running", "gpu-l40s-0", 1),
  pod("batch-embed-1-u7i8o", "Pending", "gpu-l40s-0", 1),
  pod("eval-broken-p0o9i", "Failed", "cpu-1", 0),
];

export const OBJECTS: readonly NamespacedObject[] = [
  EMBEDDER,
  LLAMA_SERVER,
  READY_TRAINER,
  TRAINER,
  COMPLETE_JOB,
  FAILED_JOB,
  RUNNING_JOB,
  ...PODS,
  GPU_QUOTA,
  CPU_QUOTA,
  LLAMA_HPA,
];

export const WORKFLOWS: readonly MLWorkflow[] = [
  { metadata: { name: "llama-finetune" }, spec: { modelName: "llama-3-8b", gpus: 8 } },
  { metadata: { name: "distill-small" }, spec: { modelName: "tiny-distill" } },
];
