/**
 * GpuTenancy: the guardrails of one team's (or one environment's) GPU namespace.
 *
 * - a Namespace that enforces the "restricted" Pod Security Standard;
 * - a ResourceQuota on GPUs, CPU and memory, and a LimitRange whose defaults keep pods without
 *   explicit resources admissible under that quota;
 * - NetworkPolicies: deny everything, then allow DNS, the API gateway and Prometheus into the
 *   model servers, and (optionally) the few egress paths the workloads need;
 * - the `workflow-runner` ServiceAccount with a least-privilege Role on MLWorkflows, the one
 *   workload in the namespace that talks to the Kubernetes API.
 *
 * Workloads created in `namespaceName` wait for the Namespace, because that Output carries the
 * Namespace resource as a dependency.
 *
 * Workloads deployed here must fit the quota. CPU is capped by requests only unless `limitsCpu`
 * is given: with `limits.cpu` in the quota every container needs a CPU limit, and a container
 * that sets a CPU request but no limit gets the LimitRange's `defaultCpuLimit`; if its request
 * is higher than that, admission rejects the pod ("must be less than or equal to cpu limit").
 */
import type * as k8s from "@pulumi/kubernetes";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as networkingv1 from "@pulumi/kubernetes/networking/v1";
import * as rbacv1 from "@pulumi/kubernetes/rbac/v1";
import * as pulumi from "@pulumi/pulumi";
import { isCanonicalCidr } from "../conventions/cidr";
import { GPU_RESOURCE } from "../conventions/gpu";
import {
  API_GATEWAY_LABELS,
  ComponentRoles,
  LabelKeys,
  MONITORING_NAMESPACE,
  NAMESPACE_NAME_LABEL,
} from "../conventions/labels";
import { PACKAGE, standardLabels } from "./lib/labels";
import { isNonNegativeQuantity, parseQuantity } from "../conventions/quantity";
import { resolveArgs, type Resolved } from "./lib/resolve";
import { HTTP_PORT_NAME, METRICS_PORT_NAME } from "./lib/serving";
import { ArgChecker } from "./lib/validation";
import { MLWORKFLOW_GROUP, MLWORKFLOW_PLURAL } from "./mlWorkflow";

/** Type token of the component. */
export const GPU_TENANCY_TYPE = `${PACKAGE}:tenancy:GpuTenancy`;

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
   * Whole GPUs (`nvidia.com/gpu`) all pods in the namespace may hold at once. Written as both
   * `requests.nvidia.com/gpu` and `limits.nvidia.com/gpu`; Kubernetes enforces the `requests.`
   * form for extended resources, which is the same number because GPU requests equal limits.
   */
  readonly gpuQuota: pulumi.Input<number>;
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
  readonly modelSourceEgressCidrs?: readonly string[];
  /**
   * CIDRs of the Kubernetes API server endpoints (the addresses behind `kubernetes.default`,
   * see `kubectl get endpointslices -n default`) that workflow pods (`app.kubernetes.io/component:
   * workflow`) may reach on 443 and 6443. Network policies see the endpoint address after the
   * Service is translated, so the Service's ClusterIP does not work here. With none, the
   * workflow runner cannot reach the API under the default-deny policy.
   * Must be known when the component is constructed.
   * @default []
   */
  readonly apiServerEgressCidrs?: readonly string[];
  /**
   * Create the `workflow-runner` ServiceAccount, Role and RoleBinding.
   * Must be known when the component is constructed.
   * @default true
   */
  readonly createWorkflowRunner?: boolean;
}

export type ResolvedGpuTenancyArgs = Resolved<GpuTenancyArgs>;

/** GpuTenancy arguments with every default applied. */
export interface GpuTenancySettings {
  readonly namespace: string;
  readonly gpuQuota: number;
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
  readonly apiServerEgressCidrs: readonly string[];
  readonly createWorkflowRunner: boolean;
}

/** The LimitRange defaults GpuTenancy uses when not told otherwise. */
export const GPU_TENANCY_DEFAULTS = {
  defaultCpuRequest: "100m",
  defaultCpuLimit: "1",
  defaultMemoryRequest: "256Mi",
  defaultMemoryLimit: "512Mi",
} as const;

const QUANTITY_ALLOWED = 'a Kubernetes quantity of zero or more, such as "500m", "4" or "16Gi"';

/** Checks every argument; throws one ValidationError listing all problems. */
export function validateGpuTenancyArgs(name: string, args: ResolvedGpuTenancyArgs): void {
  const checker = new ArgChecker(`GpuTenancy ${JSON.stringify(name)}`);
  checker.dnsLabel("name", name).dnsLabel("namespace", args.namespace);
  checker
    .wholeNumber("gpuQuota", args.gpuQuota, 0)
    .wholeNumber("maxGpusPerContainer", args.maxGpusPerContainer, 0);
  checker.wholeNumber("maxPods", args.maxPods, 1).wholeNumber("maxJobs", args.maxJobs, 1);
  if (
    args.maxGpusPerContainer !== undefined &&
    Number.isInteger(args.maxGpusPerContainer) &&
    Number.isInteger(args.gpuQuota)
  ) {
    checker.check(
      args.maxGpusPerContainer <= args.gpuQuota,
      "maxGpusPerContainer",
      args.maxGpusPerContainer,
      `at most gpuQuota (${args.gpuQuota})`,
    );
  }

  const quantities: Record<string, string | undefined> = {
    requestsCpu: args.requestsCpu,
    limitsCpu: args.limitsCpu,
    requestsMemory: args.requestsMemory,
    limitsMemory: args.limitsMemory,
    defaultCpuRequest: args.defaultCpuRequest,
    defaultCpuLimit: args.defaultCpuLimit,
    defaultMemoryRequest: args.defaultMemoryRequest,
    defaultMemoryLimit: args.defaultMemoryLimit,
  };
  for (const [property, value] of Object.entries(quantities)) {
    const optional = property.startsWith("default") || property === "limitsCpu";
    if (optional && value === undefined) continue;
    checker.check(isNonNegativeQuantity(value), property, value, QUANTITY_ALLOWED);
  }
  // A request above its limit, or a default above the namespace total, could never be admitted.
  const withDefaults: Record<string, string | undefined> = {
    ...GPU_TENANCY_DEFAULTS,
    defaultCpuLimit: defaultCpuLimitFor(args),
    ...definedOnly(quantities),
  };
  const atMost: readonly (readonly [string, string])[] = [
    ["requestsCpu", "limitsCpu"],
    ["requestsMemory", "limitsMemory"],
    ["defaultCpuRequest", "defaultCpuLimit"],
    ["defaultMemoryRequest", "defaultMemoryLimit"],
    ["defaultCpuLimit", "limitsCpu"],
    ["defaultMemoryLimit", "limitsMemory"],
  ];
  for (const [smaller, larger] of atMost) {
    const low = withDefaults[smaller];
    const high = withDefaults[larger];
    const lowValue = isNonNegativeQuantity(low) ? parseQuantity(low) : undefined;
    const highValue = isNonNegativeQuantity(high) ? parseQuantity(high) : undefined;
    if (lowValue === undefined || highValue === undefined) continue;
    checker.check(lowValue <= highValue, smaller, low, `at most ${larger} (${JSON.stringify(high)})`);
  }

  for (const property of ["modelSourceEgressCidrs", "apiServerEgressCidrs"] as const) {
    const cidrs: readonly unknown[] | undefined = args[property];
    if (cidrs === undefined) continue;
    if (!Array.isArray(cidrs)) {
      checker.check(false, property, cidrs, "a list of CIDRs");
      continue;
    }
    cidrs.forEach((cidr, index) => {
      checker.check(
        isCanonicalCidr(cidr),
        `${property}[${index}]`,
        cidr,
        'an IPv4 or IPv6 CIDR with no host bits set, such as "10.0.0.0/16"',
      );
    });
  }
  checker.throwIfInvalid();
}

/** A default CPU limit only matters, and is only imposed, when the quota caps CPU limits. */
function defaultCpuLimitFor(
  args: Pick<ResolvedGpuTenancyArgs, "defaultCpuLimit" | "limitsCpu">,
): string | undefined {
  if (args.defaultCpuLimit !== undefined) return args.defaultCpuLimit;
  return args.limitsCpu === undefined ? undefined : GPU_TENANCY_DEFAULTS.defaultCpuLimit;
}

function definedOnly(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** Applies the documented defaults to validated arguments. */
export function withGpuTenancyDefaults(name: string, args: ResolvedGpuTenancyArgs): GpuTenancySettings {
  return {
    namespace: args.namespace ?? name,
    gpuQuota: args.gpuQuota,
    requestsCpu: args.requestsCpu,
    limitsCpu: args.limitsCpu,
    requestsMemory: args.requestsMemory,
    limitsMemory: args.limitsMemory,
    maxPods: args.maxPods,
    maxJobs: args.maxJobs,
    maxGpusPerContainer: args.maxGpusPerContainer ?? args.gpuQuota,
    defaultCpuRequest: args.defaultCpuRequest ?? GPU_TENANCY_DEFAULTS.defaultCpuRequest,
    defaultCpuLimit: defaultCpuLimitFor(args),
    defaultMemoryRequest: args.defaultMemoryRequest ?? GPU_TENANCY_DEFAULTS.defaultMemoryRequest,
    defaultMemoryLimit: args.defaultMemoryLimit ?? GPU_TENANCY_DEFAULTS.defaultMemoryLimit,
    ...networkPolicyOptions(args),
    createWorkflowRunner: args.createWorkflowRunner ?? true,
  };
}

/** The options that decide which NetworkPolicies exist, with defaults; plain in the arguments. */
export interface NetworkPolicyOptions {
  readonly modelSourceEgressCidrs: readonly string[];
  readonly apiServerEgressCidrs: readonly string[];
}

/** Reads the NetworkPolicy options from (plain or resolved) arguments, with defaults. */
export function networkPolicyOptions(
  args: Pick<GpuTenancyArgs, "modelSourceEgressCidrs" | "apiServerEgressCidrs">,
): NetworkPolicyOptions {
  return {
    modelSourceEgressCidrs: args.modelSourceEgressCidrs ?? [],
    apiServerEgressCidrs: args.apiServerEgressCidrs ?? [],
  };
}

/** Labels that put a namespace under the "restricted" Pod Security Standard, enforced, audited and warned. */
export function podSecurityLabels(): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ["enforce", "audit", "warn"]) {
    labels[`pod-security.kubernetes.io/${mode}`] = "restricted";
    labels[`pod-security.kubernetes.io/${mode}-version`] = "latest";
  }
  return labels;
}

function guardrailLabels(name: string): Record<string, string> {
  return standardLabels(GPU_TENANCY_APP_NAME, name, ComponentRoles.guardrails);
}

/** Metadata and spec of a namespaced object, before the namespace is known. */
export interface NamespacedObject<Spec> {
  readonly metadata: { readonly name: string; readonly labels: Record<string, string> };
  readonly spec: Spec;
}

/** The Namespace's metadata. */
export function namespaceMetadata(
  name: string,
  settings: Pick<GpuTenancySettings, "namespace">,
): { name: string; labels: Record<string, string> } {
  return { name: settings.namespace, labels: { ...guardrailLabels(name), ...podSecurityLabels() } };
}

/** The ResourceQuota: GPUs, CPU and memory, and optionally pods and Jobs. */
export function resourceQuotaSpec(
  name: string,
  settings: GpuTenancySettings,
): NamespacedObject<k8s.types.input.core.v1.ResourceQuotaSpec> {
  const gpus = String(settings.gpuQuota);
  const hard: Record<string, string> = {
    [`requests.${GPU_RESOURCE}`]: gpus,
    // Not enforced by Kubernetes for extended resources (only `requests.` is); kept so the
    // quota states both sides, which are equal because GPU requests always equal limits.
    [`limits.${GPU_RESOURCE}`]: gpus,
    "requests.cpu": settings.requestsCpu,
    ...(settings.limitsCpu === undefined ? {} : { "limits.cpu": settings.limitsCpu }),
    "requests.memory": settings.requestsMemory,
    "limits.memory": settings.limitsMemory,
  };
  if (settings.maxPods !== undefined) hard.pods = String(settings.maxPods);
  if (settings.maxJobs !== undefined) hard["count/jobs.batch"] = String(settings.maxJobs);
  return { metadata: { name: `${name}-quota`, labels: guardrailLabels(name) }, spec: { hard } };
}

/**
 * The LimitRange: CPU and memory defaults so that containers without explicit values are
 * admitted under the quota, and a per-container GPU maximum.
 *
 * The GPU default is 0 on purpose: for a Container LimitRange the API server fills a missing
 * `default` from `max`, so a bare `max: {nvidia.com/gpu: N}` would hand N GPUs to every
 * container that asks for none. A default (and defaultRequest, which must equal it for
 * resources that cannot be overcommitted) of 0 keeps CPU-only containers GPU-free; a request
 * of 0 for an extended resource is ignored by the scheduler and the device plugin.
 */
export function limitRangeSpec(
  name: string,
  settings: GpuTenancySettings,
): NamespacedObject<k8s.types.input.core.v1.LimitRangeSpec> {
  return {
    metadata: { name: `${name}-limits`, labels: guardrailLabels(name) },
    spec: {
      limits: [
        {
          type: "Container",
          defaultRequest: {
            cpu: settings.defaultCpuRequest,
            memory: settings.defaultMemoryRequest,
            [GPU_RESOURCE]: "0",
          },
          default: {
            ...(settings.defaultCpuLimit === undefined ? {} : { cpu: settings.defaultCpuLimit }),
            memory: settings.defaultMemoryLimit,
            [GPU_RESOURCE]: "0",
          },
          max: { [GPU_RESOURCE]: String(settings.maxGpusPerContainer) },
        },
      ],
    },
  };
}

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** One NetworkPolicy of the namespace; `key` names it within the component. */
export interface NamedNetworkPolicy extends NamespacedObject<NetworkPolicySpec> {
  readonly key: string;
}

const modelServerPods = { matchLabels: { [LabelKeys.component]: ComponentRoles.modelServer } };
const workflowPods = { matchLabels: { [LabelKeys.component]: ComponentRoles.workflow } };
const gatewayPods = { matchLabels: { ...API_GATEWAY_LABELS } };

function namespaceNamed(namespace: string): { matchLabels: Record<string, string> } {
  return { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } };
}

/**
 * The namespace's NetworkPolicies: deny all traffic, then allow
 * - DNS lookups from every pod to cluster DNS (UDP and TCP 53);
 * - model servers: ingress only from API-gateway pods of this namespace on the `http` port and
 *   from the monitoring namespace on the `metrics` port, plus the gateway's matching egress
 *   (a pod isolated for egress also needs its own allow);
 * - optionally: model servers' HTTPS egress to model sources and workflow pods' egress to the
 *   API server.
 *
 * Workload-specific paths belong to their components (DistributedTraining allows traffic among
 * one job's workers); any other egress a workload needs, such as object storage for batch
 * input, needs its own policy.
 */
export function networkPolicySpecs(name: string, options: NetworkPolicyOptions): NamedNetworkPolicy[] {
  const labels = guardrailLabels(name);
  const policy = (key: string, spec: NetworkPolicySpec): NamedNetworkPolicy => ({
    key,
    metadata: { name: `${name}-${key}`, labels },
    spec,
  });
  const policies = [
    policy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
    policy("allow-dns", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [
            {
              namespaceSelector: namespaceNamed(CLUSTER_DNS.namespace),
              podSelector: { matchLabels: { ...CLUSTER_DNS.podLabels } },
            },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    }),
    policy("model-server-ingress", {
      podSelector: modelServerPods,
      policyTypes: ["Ingress"],
      ingress: [
        // A peer with only a podSelector selects pods of the policy's own namespace.
        {
          from: [{ podSelector: gatewayPods }],
          ports: [{ protocol: "TCP", port: HTTP_PORT_NAME }],
        },
        {
          from: [{ namespaceSelector: namespaceNamed(MONITORING_NAMESPACE) }],
          ports: [{ protocol: "TCP", port: METRICS_PORT_NAME }],
        },
      ],
    }),
    policy("gateway-egress", {
      podSelector: gatewayPods,
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ podSelector: modelServerPods }],
          ports: [{ protocol: "TCP", port: HTTP_PORT_NAME }],
        },
      ],
    }),
  ];
  if (options.modelSourceEgressCidrs.length > 0) {
    policies.push(
      policy("model-source-egress", {
        podSelector: modelServerPods,
        policyTypes: ["Egress"],
        egress: [
          {
            to: options.modelSourceEgressCidrs.map((cidr) => ({ ipBlock: { cidr } })),
            ports: [{ protocol: "TCP", port: 443 }],
          },
        ],
      }),
    );
  }
  if (options.apiServerEgressCidrs.length > 0) {
    policies.push(
      policy("api-server-egress", {
        podSelector: workflowPods,
        policyTypes: ["Egress"],
        egress: [
          {
            to: options.apiServerEgressCidrs.map((cidr) => ({ ipBlock: { cidr } })),
            ports: API_SERVER_PORTS.map((port) => ({ protocol: "TCP", port })),
          },
        ],
      }),
    );
  }
  return policies;
}

/** The workflow runner's identity: a token-less ServiceAccount, its Role and RoleBinding. */
export interface WorkflowRunnerRbac {
  readonly serviceAccount: {
    readonly metadata: k8s.types.input.meta.v1.ObjectMeta;
    readonly automountServiceAccountToken: boolean;
  };
  readonly role: {
    readonly metadata: k8s.types.input.meta.v1.ObjectMeta;
    readonly rules: k8s.types.input.rbac.v1.PolicyRule[];
  };
  readonly roleBinding: {
    readonly metadata: k8s.types.input.meta.v1.ObjectMeta;
    readonly subjects: k8s.types.input.rbac.v1.Subject[];
    readonly roleRef: k8s.types.input.rbac.v1.RoleRef;
  };
}

/**
 * Least privilege for the workflow runner: read MLWorkflows and write their status, nothing
 * else. The ServiceAccount does not mount a token by default; the runner's pod opts in with
 * `automountServiceAccountToken: true` (or a projected token volume), so no other pod that
 * happens to use the account receives credentials.
 */
export function workflowRunnerRbac(name: string, namespace: string): WorkflowRunnerRbac {
  const metadata = {
    name: WORKFLOW_RUNNER,
    namespace,
    labels: standardLabels(GPU_TENANCY_APP_NAME, name, ComponentRoles.workflow),
  };
  return {
    serviceAccount: { metadata, automountServiceAccountToken: false },
    role: {
      metadata,
      rules: [
        {
          apiGroups: [MLWORKFLOW_GROUP],
          resources: [MLWORKFLOW_PLURAL],
          verbs: ["get", "list", "watch"],
        },
        {
          apiGroups: [MLWORKFLOW_GROUP],
          resources: [`${MLWORKFLOW_PLURAL}/status`],
          verbs: ["update", "patch"],
        },
      ],
    },
    roleBinding: {
      metadata,
      subjects: [{ kind: "ServiceAccount", name: WORKFLOW_RUNNER, namespace }],
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: WORKFLOW_RUNNER },
    },
  };
}

function inNamespace(
  metadata: pulumi.Input<k8s.types.input.meta.v1.ObjectMeta>,
  namespace: pulumi.Input<string>,
): pulumi.Output<k8s.types.input.meta.v1.ObjectMeta> {
  return pulumi.all([metadata, namespace]).apply(([meta, ns]) => ({ ...meta, namespace: ns }));
}

/** Pod Security, quota, limits, network isolation and the workflow runner's RBAC for one namespace. */
export class GpuTenancy extends pulumi.ComponentResource {
  public readonly namespace: corev1.Namespace;
  public readonly resourceQuota: corev1.ResourceQuota;
  public readonly limitRange: corev1.LimitRange;
  public readonly networkPolicies: readonly networkingv1.NetworkPolicy[];
  public readonly workflowRunnerServiceAccount: corev1.ServiceAccount | undefined;
  public readonly workflowRunnerRole: rbacv1.Role | undefined;
  public readonly workflowRunnerRoleBinding: rbacv1.RoleBinding | undefined;

  /** The namespace's name; depends on the Namespace, so resources created in it wait for it. */
  public readonly namespaceName: pulumi.Output<string>;
  /** Name of the ResourceQuota. */
  public readonly quotaName: pulumi.Output<string>;
  /** GPUs the namespace may hold in total. */
  public readonly gpuQuota: pulumi.Output<number>;
  /** Name of the workflow runner's ServiceAccount, when created. */
  public readonly workflowRunnerServiceAccountName: pulumi.Output<string> | undefined;
  /** Names of every ServiceAccount this component created. */
  public readonly serviceAccountNames: pulumi.Output<string[]>;

  constructor(name: string, args: GpuTenancyArgs, opts?: pulumi.ComponentResourceOptions) {
    const resolved = resolveArgs(args, (a) => {
      validateGpuTenancyArgs(name, a);
    });
    super(GPU_TENANCY_TYPE, name, {}, opts);
    const settings = resolved.apply((a) => withGpuTenancyDefaults(name, a));
    // Names are explicit, so a replacement must delete the old object before creating the new one.
    const childOpts: pulumi.CustomResourceOptions = { parent: this, deleteBeforeReplace: true };

    this.namespace = new corev1.Namespace(
      `${name}-ns`,
      { metadata: settings.apply((s) => namespaceMetadata(name, s)) },
      childOpts,
    );
    this.namespaceName = this.namespace.metadata.name;

    const quota = settings.apply((s) => resourceQuotaSpec(name, s));
    this.resourceQuota = new corev1.ResourceQuota(
      `${name}-quota`,
      { metadata: inNamespace(quota.metadata, this.namespaceName), spec: quota.spec },
      childOpts,
    );

    const limits = settings.apply((s) => limitRangeSpec(name, s));
    this.limitRange = new corev1.LimitRange(
      `${name}-limits`,
      { metadata: inNamespace(limits.metadata, this.namespaceName), spec: limits.spec },
      childOpts,
    );

    // Which policies exist is decided by plain arguments; a failed deferred validation still
    // stops them, because their namespace comes from the validated Namespace.
    this.networkPolicies = networkPolicySpecs(name, networkPolicyOptions(args)).map(
      (policy) =>
        new networkingv1.NetworkPolicy(
          `${name}-${policy.key}`,
          { metadata: inNamespace(policy.metadata, this.namespaceName), spec: policy.spec },
          childOpts,
        ),
    );

    if (args.createWorkflowRunner ?? true) {
      const rbac = this.namespaceName.apply((ns) => workflowRunnerRbac(name, ns));
      this.workflowRunnerServiceAccount = new corev1.ServiceAccount(
        `${name}-workflow-runner-sa`,
        {
          metadata: rbac.serviceAccount.metadata,
          automountServiceAccountToken: rbac.serviceAccount.automountServiceAccountToken,
        },
        childOpts,
      );
      this.workflowRunnerRole = new rbacv1.Role(
        `${name}-workflow-runner-role`,
        { metadata: rbac.role.metadata, rules: rbac.role.rules },
        childOpts,
      );
      this.workflowRunnerRoleBinding = new rbacv1.RoleBinding(
        `${name}-workflow-runner-binding`,
        {
          metadata: rbac.roleBinding.metadata,
          subjects: rbac.roleBinding.subjects,
          roleRef: rbac.roleBinding.roleRef,
        },
        { ...childOpts, dependsOn: [this.workflowRunnerServiceAccount, this.workflowRunnerRole] },
      );
      this.workflowRunnerServiceAccountName = this.workflowRunnerServiceAccount.metadata.name;
    }

    this.quotaName = this.resourceQuota.metadata.name;
    this.gpuQuota = settings.gpuQuota;
    this.serviceAccountNames =
      this.workflowRunnerServiceAccountName === undefined
        ? pulumi.output<string[]>([])
        : this.workflowRunnerServiceAccountName.apply((sa) => [sa]);

    this.registerOutputs({
      namespaceName: this.namespaceName,
      quotaName: this.quotaName,
      gpuQuota: this.gpuQuota,
      workflowRunnerServiceAccountName: this.workflowRunnerServiceAccountName,
      serviceAccountNames: this.serviceAccountNames,
    });
  }
}
