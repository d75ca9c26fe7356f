/** The workflow runner's least-privilege identity. */
import type * as k8s from "@pulumi/kubernetes";
import { ComponentRoles } from "../../conventions/labels";
import { standardLabels } from "../lib/labels";
import { MLWORKFLOW_GROUP, MLWORKFLOW_PLURAL } from "../mlWorkflow/limits";
import { GPU_TENANCY_APP_NAME, WORKFLOW_RUNNER } from "./args";

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
