import type * as k8s from "@pulumi/kubernetes";

/** UID and GID that the pods run as unless told otherwise; any non-zero value passes "restricted". */
export const DEFAULT_RUN_AS_USER = 1000;

/**
 * Pod-level security context that satisfies the "restricted" Pod Security Standard.
 * `fsGroup` makes shared volumes (such as `/models`) writable by the non-root user.
 */
export function restrictedPodSecurityContext(
  runAsUser: number = DEFAULT_RUN_AS_USER,
): k8s.types.input.core.v1.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser,
    runAsGroup: runAsUser,
    fsGroup: runAsUser,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Container-level security context for the "restricted" Pod Security Standard. */
export function restrictedContainerSecurityContext(
  readOnlyRootFilesystem = true,
): k8s.types.input.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}
