/** The GpuTenancy component: the guardrails of one GPU namespace. */
import type * as k8s from "@pulumi/kubernetes";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as networkingv1 from "@pulumi/kubernetes/networking/v1";
import * as rbacv1 from "@pulumi/kubernetes/rbac/v1";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../lib/component";
import { componentOptions, componentType } from "../lib/typeTokens";
import { resolveSettings } from "../lib/resolve";
import { GPU_TENANCY_DEFAULTS, type GpuTenancyArgs } from "./args";
import { limitRangeSpec, namespaceMetadata, resourceQuotaSpec } from "./namespace";
import { networkPolicySpecs } from "./networkPolicies";
import { workflowRunnerRbac } from "./rbac";
import { networkPolicyOptions, validateGpuTenancyArgs, withGpuTenancyDefaults } from "./validate";

/** Type token of the component. */
export const GPU_TENANCY_TYPE = componentType("GpuTenancy");

function inNamespace(
  metadata: pulumi.Input<k8s.types.input.meta.v1.ObjectMeta>,
  namespace: pulumi.Input<string>,
): pulumi.Output<k8s.types.input.meta.v1.ObjectMeta> {
  return pulumi.all([metadata, namespace]).apply(([meta, ns]) => ({ ...meta, namespace: ns }));
}

/**
 * The guardrails of one team's (or one environment's) GPU namespace:
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
export class GpuTenancy extends pulumi.ComponentResource {
  public readonly namespace: corev1.Namespace;
  public readonly resourceQuota: corev1.ResourceQuota;
  public readonly limitRange: corev1.LimitRange;
  public readonly networkPolicies: networkingv1.NetworkPolicy[];
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
    const settings = resolveSettings(
      args,
      (resolved) => {
        validateGpuTenancyArgs(name, resolved);
      },
      (resolved) => withGpuTenancyDefaults(name, resolved),
    );
    super(GPU_TENANCY_TYPE, name, {}, componentOptions("GpuTenancy", opts));

    this.namespace = new corev1.Namespace(
      `${name}-ns`,
      { metadata: settings.apply((s) => namespaceMetadata(name, s)) },
      childOptions(this),
    );
    this.namespaceName = this.namespace.metadata.name;

    const quota = settings.apply((s) => resourceQuotaSpec(name, s));
    this.resourceQuota = new corev1.ResourceQuota(
      `${name}-quota`,
      { metadata: inNamespace(quota.metadata, this.namespaceName), spec: quota.spec },
      childOptions(this),
    );

    const limits = settings.apply((s) => limitRangeSpec(name, s));
    this.limitRange = new corev1.LimitRange(
      `${name}-limits`,
      { metadata: inNamespace(limits.metadata, this.namespaceName), spec: limits.spec },
      childOptions(this),
    );

    // Which policies exist is decided by plain arguments; a failed deferred validation still
    // stops them, because their namespace comes from the validated Namespace.
    this.networkPolicies = networkPolicySpecs(name, networkPolicyOptions(args)).map(
      (policy) =>
        new networkingv1.NetworkPolicy(
          `${name}-${policy.key}`,
          { metadata: inNamespace(policy.metadata, this.namespaceName), spec: policy.spec },
          childOptions(this),
        ),
    );

    if (args.createWorkflowRunner ?? GPU_TENANCY_DEFAULTS.createWorkflowRunner) {
      const rbac = this.namespaceName.apply((ns) => workflowRunnerRbac(name, ns));
      this.workflowRunnerServiceAccount = new corev1.ServiceAccount(
        `${name}-workflow-runner-sa`,
        {
          metadata: rbac.serviceAccount.metadata,
          automountServiceAccountToken: rbac.serviceAccount.automountServiceAccountToken,
        },
        childOptions(this),
      );
      this.workflowRunnerRole = new rbacv1.Role(
        `${name}-workflow-runner-role`,
        { metadata: rbac.role.metadata, rules: rbac.role.rules },
        childOptions(this),
      );
      this.workflowRunnerRoleBinding = new rbacv1.RoleBinding(
        `${name}-workflow-runner-binding`,
        {
          metadata: rbac.roleBinding.metadata,
          subjects: rbac.roleBinding.subjects,
          roleRef: rbac.roleBinding.roleRef,
        },
        childOptions(this, { dependsOn: [this.workflowRunnerServiceAccount, this.workflowRunnerRole] }),
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
