// Builders for Kubernetes objects in the shape the components produce. Every builder returns an
// object that passes every policy of the pack (with the prod config); tests then break one thing.

import type { PackResource } from "../../policy/lib/resource";

export type Obj = Record<string, unknown>;

export type WorkloadKind =
  "Pod" | "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob";

export const WORKLOAD_KINDS: readonly WorkloadKind[] = [
  "Pod",
  "Deployment",
  "ReplicaSet",
  "StatefulSet",
  "DaemonSet",
  "Job",
  "CronJob",
];

const API: Record<WorkloadKind, string> = {
  Pod: "v1",
  Deployment: "apps/v1",
  ReplicaSet: "apps/v1",
  StatefulSet: "apps/v1",
  DaemonSet: "apps/v1",
  Job: "batch/v1",
  CronJob: "batch/v1",
};

/** Where the pod spec sits in each kind. */
export const SPEC_PATH: Record<WorkloadKind, string> = {
  Pod: "spec",
  Deployment: "spec.template.spec",
  ReplicaSet: "spec.template.spec",
  StatefulSet: "spec.template.spec",
  DaemonSet: "spec.template.spec",
  Job: "spec.template.spec",
  CronJob: "spec.jobTemplate.spec.template.spec",
};

export const LABELS_PATH: Record<WorkloadKind, string> = {
  Pod: "metadata.labels",
  Deployment: "spec.template.metadata.labels",
  ReplicaSet: "spec.template.metadata.labels",
  StatefulSet: "spec.template.metadata.labels",
  DaemonSet: "spec.template.metadata.labels",
  Job: "spec.template.metadata.labels",
  CronJob: "spec.jobTemplate.spec.template.metadata.labels",
};

export function pulumiType(apiVersion: string, kind: string): string {
  const slash = apiVersion.lastIndexOf("/");
  const gv = slash < 0 ? `core/${apiVersion}` : apiVersion;
  return `kubernetes:${gv}:${kind}`;
}

/** A PackResource from a Kubernetes object (type from apiVersion/kind, URN from the name). */
export function res(object: Obj, name?: string): PackResource {
  const apiVersion = object.apiVersion as string;
  const kind = object.kind as string;
  const meta = (object.metadata ?? {}) as Obj;
  const n = name ?? (meta.name as string | undefined) ?? "unnamed";
  const type = pulumiType(apiVersion, kind);
  return {
    type,
    props: object,
    name: n,
    urn: `urn:pulumi:test::k8s-ml-patterns::${type}::${typeof meta.namespace === "string" ? meta.namespace : ""}/${n}`,
  };
}

export function labels(name: string, component = "model-server"): Record<string, string> {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/instance": name,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": "k8s-ml-patterns",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

export const RESTRICTED_CONTAINER_SC: Obj = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
};

const PROBE = { httpGet: { path: "/health", port: "http" }, periodSeconds: 10 };

export interface ContainerOptions {
  name?: string;
  image?: string;
  gpus?: number;
  extra?: Obj;
}

/** A compliant model-server container (CPU/memory requests and limits, probes, restricted context). */
export function container(o: ContainerOptions = {}): Obj {
  const requests: Obj = { cpu: "2", memory: "16Gi" };
  const limits: Obj = { cpu: "4", memory: "32Gi" };
  if (o.gpus !== undefined) {
    requests["nvidia.com/gpu"] = String(o.gpus);
    limits["nvidia.com/gpu"] = String(o.gpus);
  }
  return {
    name: o.name ?? "server",
    image: o.image ?? "vllm/vllm-openai:v0.6.3",
    ports: [
      { name: "http", containerPort: 8000 },
      { name: "metrics", containerPort: 9090 },
    ],
    resources: { requests, limits },
    securityContext: structuredClone(RESTRICTED_CONTAINER_SC),
    startupProbe: { ...PROBE, failureThreshold: 60 },
    readinessProbe: PROBE,
    livenessProbe: PROBE,
    ...o.extra,
  };
}

/** A compliant native sidecar (init container with restartPolicy Always), like the model loader. */
export function sidecar(o: ContainerOptions = {}): Obj {
  const c = container({ name: "model-loader", image: "busybox:1.36.1", ...o });
  delete c.readinessProbe;
  delete c.livenessProbe;
  delete c.ports;
  return { ...c, restartPolicy: "Always" };
}

/** A compliant classic init container. */
export function initContainer(o: ContainerOptions = {}): Obj {
  const c = container({ name: "init", image: "busybox:1.36.1", ...o });
  delete c.readinessProbe;
  delete c.livenessProbe;
  delete c.startupProbe;
  delete c.ports;
  return c;
}

export const GPU_TOLERATION: Obj = { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" };

export function gpuAffinity(products: string[] = ["NVIDIA-H100-80GB-HBM3"]): Obj {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: "nvidia.com/gpu.product", operator: "In", values: products }] },
        ],
      },
    },
  };
}

export interface PodSpecOptions {
  containers?: Obj[];
  initContainers?: Obj[];
  /** GPUs for the default container; with gpus the pod also gets the toleration and affinity. */
  gpus?: number;
  extra?: Obj;
}

export function podSpec(o: PodSpecOptions = {}): Obj {
  const containers = o.containers ?? [container(o.gpus === undefined ? {} : { gpus: o.gpus })];
  const spec: Obj = {
    containers,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      fsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    },
    automountServiceAccountToken: false,
  };
  if (o.initContainers) spec.initContainers = o.initContainers;
  if (o.gpus !== undefined && o.gpus > 0) {
    spec.tolerations = [GPU_TOLERATION];
    spec.affinity = gpuAffinity();
  }
  return { ...spec, ...o.extra };
}

export interface WorkloadOptions extends PodSpecOptions {
  namespace?: string;
  labels?: Record<string, string>;
  spec?: Obj;
  /** Replaces the whole pod spec. */
  pod?: Obj;
  replicas?: number;
  parallelism?: number;
  completions?: number;
}

/** A workload of any pod-template kind, labelled as a model server unless labels are given. */
export function workload(kind: WorkloadKind, name: string, o: WorkloadOptions = {}): PackResource {
  const ns = o.namespace ?? "ml";
  const lbls = o.labels ?? labels(name);
  const spec = o.pod ?? podSpec(o);
  const metadata = { name, namespace: ns, labels: lbls };
  const template = { metadata: { labels: lbls }, spec };
  let body: Obj;
  switch (kind) {
    case "Pod":
      body = { metadata, spec };
      break;
    case "Deployment":
    case "ReplicaSet":
    case "StatefulSet":
      body = {
        metadata,
        spec: { replicas: o.replicas ?? 1, selector: { matchLabels: lbls }, template, ...o.spec },
      };
      break;
    case "DaemonSet":
      body = { metadata, spec: { selector: { matchLabels: lbls }, template, ...o.spec } };
      break;
    case "Job":
      body = {
        metadata,
        spec: {
          parallelism: o.parallelism ?? 1,
          completions: o.completions ?? 1,
          template: { ...template, spec: { ...spec, restartPolicy: "Never" } },
          ...o.spec,
        },
      };
      break;
    case "CronJob":
      body = {
        metadata,
        spec: {
          schedule: "0 * * * *",
          jobTemplate: {
            spec: {
              parallelism: o.parallelism ?? 1,
              completions: o.completions ?? 1,
              template: { ...template, spec: { ...spec, restartPolicy: "Never" } },
            },
          },
          ...o.spec,
        },
      };
      break;
  }
  return res({ apiVersion: API[kind], kind, ...body });
}

export function namespace(name: string, lbls: Record<string, string> = {}): PackResource {
  return res({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels: lbls } });
}

export function networkPolicy(name: string, spec: Obj, ns = "ml"): PackResource {
  return res({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace: ns },
    spec,
  });
}

/** The components' per-namespace set: default deny, model-server allow rules, DNS egress. */
export function componentNetworkPolicies(ns = "ml"): PackResource[] {
  return [
    networkPolicy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }, ns),
    networkPolicy(
      "allow-model-servers",
      {
        podSelector: { matchLabels: { "app.kubernetes.io/component": "model-server" } },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [{ podSelector: { matchLabels: { app: "api-gateway" } } }],
            ports: [{ port: "http", protocol: "TCP" }],
          },
          {
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
            ports: [{ port: "metrics", protocol: "TCP" }],
          },
        ],
      },
      ns,
    ),
    networkPolicy(
      "allow-dns",
      {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }],
            ports: [
              { port: 53, protocol: "UDP" },
              { port: 53, protocol: "TCP" },
            ],
          },
        ],
      },
      ns,
    ),
  ];
}

export function quota(name: string, hard: Obj, ns = "ml", extra: Obj = {}): PackResource {
  return res({
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: { name, namespace: ns },
    spec: { hard, ...extra },
  });
}

export function hpa(
  name: string,
  target: string,
  min: number | undefined,
  max: number | undefined,
  ns = "ml",
  kind = "Deployment",
): PackResource {
  const spec: Obj = { scaleTargetRef: { apiVersion: "apps/v1", kind, name: target } };
  if (min !== undefined) spec.minReplicas = min;
  if (max !== undefined) spec.maxReplicas = max;
  return res({
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name, namespace: ns },
    spec,
  });
}

export function scaledObject(
  name: string,
  target: string,
  min?: number,
  max?: number,
  ns = "ml",
): PackResource {
  const spec: Obj = { scaleTargetRef: { name: target } };
  if (min !== undefined) spec.minReplicaCount = min;
  if (max !== undefined) spec.maxReplicaCount = max;
  return res({
    apiVersion: "keda.sh/v1alpha1",
    kind: "ScaledObject",
    metadata: { name, namespace: ns },
    spec,
  });
}

export function service(
  name: string,
  type: string | undefined,
  selector: Record<string, string> | undefined,
  ns = "ml",
): PackResource {
  const spec: Obj = { ports: [{ name: "http", port: 80, targetPort: "http" }] };
  if (type !== undefined) spec.type = type;
  if (selector !== undefined) spec.selector = selector;
  return res({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: ns }, spec });
}

/** Deep-clones a resource and applies a mutation to its props. */
export function mutate(r: PackResource, fn: (props: Obj) => void): PackResource {
  const props = structuredClone(r.props);
  fn(props);
  return { ...r, props };
}

/** The pod spec object inside a workload's props (for mutation in tests). */
export function podSpecOf(kind: WorkloadKind, props: Obj): Obj {
  const get = (o: unknown, ...keys: string[]): Obj => {
    let cur = o as Obj;
    for (const k of keys) cur = cur[k] as Obj;
    return cur;
  };
  switch (kind) {
    case "Pod":
      return get(props, "spec");
    case "CronJob":
      return get(props, "spec", "jobTemplate", "spec", "template", "spec");
    default:
      return get(props, "spec", "template", "spec");
  }
}

export function firstContainer(kind: WorkloadKind, props: Obj): Obj {
  const list = podSpecOf(kind, props).containers as Obj[];
  const first = list.at(0);
  if (!first) throw new Error("no container");
  return first;
}

/** A stack shaped like the program's: serving, training and batch in two namespaces. */
export function compliantStack(): PackResource[] {
  return [
    namespace("ml-serving", { "pod-security.kubernetes.io/enforce": "restricted" }),
    namespace("ml-batch", { "pod-security.kubernetes.io/enforce": "restricted" }),
    ...componentNetworkPolicies("ml-serving"),
    ...componentNetworkPolicies("ml-batch"),
    quota("gpu-quota", { "requests.nvidia.com/gpu": "12" }, "ml-serving"),
    quota("gpu-quota", { "requests.nvidia.com/gpu": "8" }, "ml-batch"),
    workload("Deployment", "llama", {
      namespace: "ml-serving",
      gpus: 1,
      replicas: 3,
      initContainers: [sidecar()],
      // As ModelServing rolls out: one surge pod at a time, so maxReplicas 10 + 1 fits the quota of 12.
      spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } },
    }),
    hpa("llama", "llama", 2, 10, "ml-serving"),
    service("llama", "ClusterIP", { "app.kubernetes.io/instance": "llama" }, "ml-serving"),
    workload("Deployment", "api-gateway", {
      namespace: "ml-serving",
      labels: { ...labels("api-gateway", "gateway"), app: "api-gateway" },
    }),
    workload("StatefulSet", "trainer", {
      namespace: "ml-batch",
      gpus: 1,
      replicas: 4,
      labels: labels("trainer", "trainer"),
    }),
    workload("Job", "batch", {
      namespace: "ml-batch",
      gpus: 1,
      parallelism: 3,
      completions: 10,
      labels: labels("batch", "batch"),
    }),
    workload("CronJob", "eval", {
      namespace: "ml-batch",
      gpus: 1,
      parallelism: 1,
      labels: labels("eval", "batch"),
    }),
  ];
}
