/**
 * The arguments of a GpuTenancy, their defaults (written once, in GPU_TENANCY_DEFAULTS), and the
 * settings the specs are built from.
 */
import type * as pulumi from "@pulumi/pulumi";
import { NAMESPACE_NAME_LABEL } from "../../conventions/labels";
import type { Resolved } from "../lib/resolve";

/** `app.kubernetes.io/name` of everything GpuTenancy creates. */
export const GPU_TENANCY_APP_NAME = "gpu-tenancy";

/** Name of the ServiceAccount, Role and RoleBinding of the workflow runner. */
export const WORKFLOW_RUNNER = "workflow-runner";

/** Label the API server sets on every Namespace to its own name. */
export { NAMESPACE_NAME_LABEL };

/** Where cluster DNS runs. */
export const CLUSTER_DNS = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } } as const;

/** Ports the API server may listen on behind `kubernetes.default` (443 on most managed clusters, 6443 elsewhere). */
export const API_SERVER_PORTS: readonly number[] = [443, 6443];

export interface GpuTenancyArgs {
  /**
   * Name of the Namespace to create (DNS-1123 label).
   * @default the component name
   */
  readonly namespace?: pulumi.Input<string>;
  /**
   * Whole GPUs (`nvidia.com/gpu`) all pods in the namespace may hold at once, written as
   * `requests.nvidia.com/gpu`: the only quota key Kubernetes enforces for an extended resource
   * (GPU requests equal limits, so it caps both).
   */
  readonly gpuQuota: pulumi.Input<number>;
  /**
   * Time-sliced shared GPUs (`nvidia.com/gpu.shared`, see GpuSharing) all pods in the namespace
   * may hold at once, written as `requests.nvidia.com/gpu.shared`.
   * @default no cap on shared GPUs (pods asking for them are then capped by nothing)
   */
  readonly sharedGpuQuota?: pulumi.Input<number>;
  /**
   * MIG slices per profile (e.g. `{"1g.10gb": 7}`) all pods in the namespace may hold at once,
   * written as `requests.nvidia.com/mig-<profile>`.
   * @default {}
   */
  readonly migQuotas?: pulumi.Input<Record<string, pulumi.Input<number>>>;
  /** Sum of CPU requests in the namespace, a quantity such as "32". */
  readonly requestsCpu: pulumi.Input<string>;
  /**
   * Sum of CPU limits in the namespace, e.g. "64". Every container then needs a CPU limit, and
   * those without one get `defaultCpuLimit`, which must not be below their request. Left unset,
   * the quota caps CPU by requests only and no CPU limit is imposed: CPU limits throttle
   * latency-sensitive model servers, and GPU pods are sized by their GPUs anyway.
   * @default no `limits.cpu` in the quota and no default CPU limit
   */
  readonly limitsCpu?: pulumi.Input<string>;
  /** Sum of memory requests in the namespace, e.g. "64Gi". */
  readonly requestsMemory: pulumi.Input<string>;
  /** Sum of memory limits in the namespace, e.g. "128Gi". */
  readonly limitsMemory: pulumi.Input<string>;
  /**
   * Most non-terminated pods in the namespace (quota `pods`).
   * @default no limit
   */
  readonly maxPods?: pulumi.Input<number>;
  /**
   * Most Job objects in the namespace (quota `count/jobs.batch`), a brake on runaway batch submissions.
   * @default no limit
   */
  readonly maxJobs?: pulumi.Input<number>;
  /**
   * Most GPUs one container may ask for (LimitRange `max`).
   * @default gpuQuota
   */
  readonly maxGpusPerContainer?: pulumi.Input<number>;
  /**
   * CPU request given to containers that set none.
   * @default "100m"
   */
  readonly defaultCpuRequest?: pulumi.Input<string>;
  /**
   * CPU limit given to containers that set none. A container whose CPU request is above this
   * and that sets no limit is rejected, so workloads with larger requests must set a limit.
   * @default "1" when `limitsCpu` is set, otherwise none (containers may leave CPU unlimited)
   */
  readonly defaultCpuLimit?: pulumi.Input<string>;
  /**
   * Memory request given to containers that set none.
   * @default "256Mi"
   */
  readonly defaultMemoryRequest?: pulumi.Input<string>;
  /**
   * Memory limit given to containers that set none.
   * @default "512Mi"
   */
  readonly defaultMemoryLimit?: pulumi.Input<string>;
  /**
   * CIDRs model-server pods (and so their model-loader sidecar) may reach over HTTPS (443) to
   * fetch models, e.g. an object store's range. Canonical network addresses only. With none,
   * model servers have no egress except DNS: load models from a PVC or an in-cluster cache.
   * Must be known when the component is constructed (it decides whether the policy exists).
   * @default []
   */
  readonly modelSourceEgressCidrs?: string[];
  /**
   * TCP ports model-server pods may reach at `modelSourceEgressCidrs`.
   * Must be known when the component is constructed.
   * @default [443]
   */
  readonly modelSourceEgressPorts?: number[];
  /**
   * CIDRs of the object storage that training workers (data, checkpoints) and batch inference
   * pods (`inputUri`, `outputUri`) read and write, e.g. an S3 endpoint's ranges. Canonical network
   * addresses only. With none (and no `egressProxy`), they reach nothing outside the namespace.
   * Must be known when the component is constructed.
   * @default []
   */
  readonly objectStorageEgressCidrs?: string[];
  /**
   * TCP ports training and batch pods may reach at `objectStorageEgressCidrs`.
   * Must be known when the component is constructed.
   * @default [443]
   */
  readonly objectStorageEgressPorts?: number[];
  /**
   * An egress proxy that model-server, training and batch pods may reach instead of (or besides)
   * CIDRs: the pods matching `podLabels` in the namespaces matching `namespaceLabels`, on TCP
   * `port`. Policies see pod addresses, so a proxy in the cluster is selected by labels, not IPs.
   * Must be known when the component is constructed.
   * @default none
   */
  readonly egressProxy?: EgressProxy;
  /**
   * Link-local addresses of NodeLocal DNSCache (e.g. "169.254.20.10/32"). Pods whose resolver is
   * the node-local cache send DNS there rather than to kube-dns pods, so DNS egress (UDP and TCP
   * 53) is also allowed to these CIDRs. Must be known when the component is constructed.
   * @default []
   */
  readonly nodeLocalDnsCidrs?: string[];
  /**
   * CIDRs of the Kubernetes API server endpoints (the addresses behind `kubernetes.default`,
   * see `kubectl get endpointslices -n default`) that workflow pods (`app.kubernetes.io/component:
   * workflow`) may reach on 443 and 6443. Network policies see the endpoint address after the
   * Service is translated, so the Service's ClusterIP does not work here. With none, the
   * workflow runner cannot reach the API under the default-deny policy.
   * Must be known when the component is constructed.
   * @default []
   */
  readonly apiServerEgressCidrs?: string[];
  /**
   * Also let the monitoring namespace scrape the `http` port of model-server pods labelled
   * `k8sml.io/metrics-port: http` (METRICS_PORT_LABEL): servers that serve `/metrics` on their
   * API port, such as ModelServing's "vllm" and "tgi" presets. One more NetworkPolicy,
   * `<name>-model-server-api-metrics`; other model servers stay closed to monitoring on `http`.
   * Must be known when the component is constructed.
   * @default false
   */
  readonly apiPortMetrics?: boolean;
  /**
   * Create the `workflow-runner` ServiceAccount, Role and RoleBinding.
   * Must be known when the component is constructed.
   * @default true
   */
  readonly createWorkflowRunner?: boolean;
}

/** An egress proxy selected by labels (see `egressProxy`). */
export interface EgressProxy {
  /** Labels of the proxy's namespace, e.g. `{"kubernetes.io/metadata.name": "egress-proxy"}`. */
  readonly namespaceLabels: Readonly<Record<string, string>>;
  /** Labels of the proxy pods. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** TCP port the proxy listens on, e.g. 3128. */
  readonly port: number;
}

export type ResolvedGpuTenancyArgs = Resolved<GpuTenancyArgs>;

/** GpuTenancy arguments with every default applied. */
export interface GpuTenancySettings {
  readonly namespace: string;
  readonly gpuQuota: number;
  readonly sharedGpuQuota: number | undefined;
  readonly migQuotas: Readonly<Record<string, number>>;
  readonly requestsCpu: string;
  readonly limitsCpu: string | undefined;
  readonly requestsMemory: string;
  readonly limitsMemory: string;
  readonly maxPods: number | undefined;
  readonly maxJobs: number | undefined;
  readonly maxGpusPerContainer: number;
  readonly defaultCpuRequest: string;
  readonly defaultCpuLimit: string | undefined;
  readonly defaultMemoryRequest: string;
  readonly defaultMemoryLimit: string;
  readonly modelSourceEgressCidrs: readonly string[];
  readonly modelSourceEgressPorts: readonly number[];
  readonly objectStorageEgressCidrs: readonly string[];
  readonly objectStorageEgressPorts: readonly number[];
  readonly egressProxy: EgressProxy | undefined;
  readonly nodeLocalDnsCidrs: readonly string[];
  readonly apiServerEgressCidrs: readonly string[];
  readonly apiPortMetrics: boolean;
  readonly createWorkflowRunner: boolean;
}

/** Every literal default of GpuTenancy, in one place. */
export const GPU_TENANCY_DEFAULTS = {
  migQuotas: {},
  defaultCpuRequest: "100m",
  defaultMemoryRequest: "256Mi",
  defaultMemoryLimit: "512Mi",
  modelSourceEgressCidrs: [],
  modelSourceEgressPorts: [443],
  objectStorageEgressCidrs: [],
  objectStorageEgressPorts: [443],
  nodeLocalDnsCidrs: [],
  apiServerEgressCidrs: [],
  apiPortMetrics: false,
  createWorkflowRunner: true,
} as const;

/** The CPU limit containers without one get when the quota caps `limits.cpu`. */
export const DEFAULT_CPU_LIMIT_UNDER_CPU_QUOTA = "1";

/** The options that decide which NetworkPolicies exist, with defaults; plain in the arguments. */
export interface NetworkPolicyOptions {
  readonly modelSourceEgressCidrs: readonly string[];
  readonly modelSourceEgressPorts: readonly number[];
  readonly objectStorageEgressCidrs: readonly string[];
  readonly objectStorageEgressPorts: readonly number[];
  readonly egressProxy: EgressProxy | undefined;
  readonly nodeLocalDnsCidrs: readonly string[];
  readonly apiServerEgressCidrs: readonly string[];
  readonly apiPortMetrics: boolean;
}
