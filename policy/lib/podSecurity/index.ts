/**
 * The Pod Security Standards (baseline and restricted) as of Kubernetes 1.36: the table of
 * controls, each with the PodSecurity admission's identifier and level, and the controls in
 * force at a level.
 */

import * as baseline from "./baseline";
import type { PssControl, PssLevel } from "./context";
import * as restricted from "./restricted";

export {
  podContext,
  type PodContext,
  type PssControl,
  type PssFinding,
  type PssLevel,
  type PssSettings,
} from "./context";
export { BASELINE_CAPABILITIES, SAFE_SYSCTLS, SELINUX_TYPES } from "./baseline";
export { RESTRICTED_VOLUME_SOURCES } from "./restricted";

/** Every control, baseline first, in the order the README lists them. */
export const PSS_CONTROLS: readonly PssControl[] = [
  {
    id: "hostNamespaces",
    level: "baseline",
    summary: "`spec.hostNetwork`, `hostPID`, `hostIPC`: false or unset",
    check: baseline.hostNamespaces,
  },
  {
    id: "privileged",
    level: "baseline",
    summary: "`securityContext.privileged` of every container: false or unset",
    check: baseline.privileged,
  },
  {
    id: "capabilities_baseline",
    level: "baseline",
    summary:
      "`securityContext.capabilities.add`: only the runtime's default set (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT)",
    check: baseline.capabilitiesBaseline,
  },
  {
    id: "hostPathVolumes",
    level: "baseline",
    summary: "`spec.volumes[*].hostPath`: unset",
    check: baseline.hostPathVolumes,
  },
  {
    id: "hostPorts",
    level: "baseline",
    summary: "`ports[*].hostPort` of every container: 0 or unset",
    check: baseline.hostPorts,
  },
  {
    id: "appArmorProfile",
    level: "baseline",
    summary:
      "`securityContext.appArmorProfile.type` (pod, containers): RuntimeDefault, Localhost or unset; `container.apparmor.security.beta.kubernetes.io/*` annotations: `runtime/default`, `localhost/*`, empty or unset",
    check: baseline.appArmorProfile,
  },
  {
    id: "seLinuxOptions",
    level: "baseline",
    summary:
      "`securityContext.seLinuxOptions` (pod, containers): `type` empty, container_t, container_init_t, container_kvm_t or container_engine_t; `user` and `role` empty",
    check: baseline.seLinuxOptions,
  },
  {
    id: "procMount",
    level: "baseline",
    summary: "`securityContext.procMount`: Default or unset (any value with `hostUsers: false`)",
    check: (context) =>
      context.userNamespace === false ? baseline.procMountFindings(context, "procMount") : [],
  },
  {
    id: "seccompProfile_baseline",
    level: "baseline",
    summary: "`securityContext.seccompProfile.type` (pod, containers): RuntimeDefault, Localhost or unset",
    check: (context) => baseline.seccompFindings(context, "seccompProfile_baseline", false),
  },
  {
    id: "sysctls",
    level: "baseline",
    summary: `\`spec.securityContext.sysctls[*].name\`: only ${baseline.SAFE_SYSCTLS.join(", ")}`,
    check: baseline.sysctls,
  },
  {
    id: "windowsHostProcess",
    level: "baseline",
    summary: "`securityContext.windowsOptions.hostProcess` (pod, containers): false or unset",
    check: baseline.windowsHostProcess,
  },
  {
    id: "hostProbesAndHostLifecycle",
    level: "baseline",
    summary:
      "`host` of `httpGet`/`tcpSocket` in liveness, readiness and startup probes and postStart/preStop handlers: empty or unset",
    check: baseline.hostProbesAndHostLifecycle,
  },
  {
    id: "restrictedVolumes",
    level: "restricted",
    overrides: "hostPathVolumes",
    summary: `\`spec.volumes[*]\`: only ${restricted.RESTRICTED_VOLUME_SOURCES.join(", ")}`,
    check: restricted.restrictedVolumes,
  },
  {
    id: "allowPrivilegeEscalation",
    level: "restricted",
    summary: "`securityContext.allowPrivilegeEscalation` of every container: false (Windows pods exempt)",
    check: restricted.allowPrivilegeEscalation,
  },
  {
    id: "runAsNonRoot",
    level: "restricted",
    summary:
      "`securityContext.runAsNonRoot`: true at pod level or on every container, never false (any value with `hostUsers: false`)",
    check: restricted.runAsNonRoot,
  },
  {
    id: "runAsUser",
    level: "restricted",
    summary:
      "`securityContext.runAsUser` (pod, containers): non-zero or unset (any value with `hostUsers: false`)",
    check: restricted.runAsUser,
  },
  {
    id: "seccompProfile_restricted",
    level: "restricted",
    overrides: "seccompProfile_baseline",
    summary:
      "`securityContext.seccompProfile.type`: RuntimeDefault or Localhost at pod level or on every container (Windows pods exempt)",
    check: (context) =>
      context.windows === false ? baseline.seccompFindings(context, "seccompProfile_restricted", true) : [],
  },
  {
    id: "capabilities_restricted",
    level: "restricted",
    overrides: "capabilities_baseline",
    summary:
      "`securityContext.capabilities`: `drop` contains ALL, `add` only NET_BIND_SERVICE (Windows pods exempt)",
    check: restricted.capabilitiesRestricted,
  },
  {
    id: "procMount_restricted",
    level: "restricted",
    overrides: "procMount",
    summary: "`securityContext.procMount`: Default or unset, also with `hostUsers: false`",
    check: (context) => baseline.procMountFindings(context, "procMount_restricted"),
  },
];

/** The controls in force at a level: its own and the lower level's, minus those overridden. */
export function controlsAt(level: PssLevel): readonly PssControl[] {
  const active = PSS_CONTROLS.filter((control) => level === "restricted" || control.level === "baseline");
  const overridden = new Set(active.map((control) => control.overrides).filter((id) => id !== undefined));
  return active.filter((control) => !overridden.has(control.id));
}
