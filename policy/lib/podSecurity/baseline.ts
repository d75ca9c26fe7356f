/** The controls of the baseline level (see context.ts). */

import {
  eachSecurityContext,
  isTrue,
  quoteList,
  scOf,
  scPath,
  withContainer,
  type PodContext,
  type PssFinding,
} from "./context";
import { fieldPath } from "../paths";
import type { ContainerRef } from "../podTemplate";
import { arr, hasUnknown, isUnknown, obj, show, str } from "../values";

const HOST_NAMESPACES: Readonly<Record<string, string>> = {
  hostNetwork: "network",
  hostPID: "PID",
  hostIPC: "IPC",
};

export function hostNamespaces(context: PodContext): PssFinding[] {
  return Object.keys(HOST_NAMESPACES)
    .filter((field) => isTrue(context.spec[field]))
    .map((field) => {
      const path = fieldPath(context.specPath, field);
      return {
        control: "hostNamespaces",
        problem: `the pod shares the host's ${HOST_NAMESPACES[field] ?? field} namespace`,
        path,
        found: "true",
        allowed: "false or unset",
        fix: `remove ${path} (or set it to false)`,
      };
    });
}

export function privileged(context: PodContext): PssFinding[] {
  const findings: PssFinding[] = [];
  for (const ref of context.containers) {
    if (!isTrue(scOf(ref)?.privileged)) continue;
    const path = scPath(ref, "privileged");
    findings.push({
      control: "privileged",
      container: ref.label,
      problem: "the container is privileged",
      path,
      found: "true",
      allowed: "false or unset",
      fix: `remove ${path} (or set it to false)`,
    });
  }
  return findings;
}

/** The capabilities the baseline level lets a container add (the container runtime's default set). */
export const BASELINE_CAPABILITIES: readonly string[] = [
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
];

export function addedBeyond(ref: ContainerRef, allowed: readonly string[], control: string): PssFinding[] {
  const capabilities = scOf(ref)?.capabilities;
  const add = arr(obj(capabilities)?.add);
  if (!add || hasUnknown(add)) return [];
  const extra = add.filter((capability) => typeof capability !== "string" || !allowed.includes(capability));
  if (extra.length === 0) return [];
  const path = scPath(ref, "capabilities", "add");
  return [
    {
      control,
      container: ref.label,
      problem: "the container adds capabilities the level does not allow",
      path,
      found: show(add),
      allowed: allowed.length > 0 ? `unset or only ${quoteList(allowed)}` : "unset or empty",
      fix: `remove ${extra.map((capability) => show(capability)).join(", ")} from ${path}`,
    },
  ];
}

export function capabilitiesBaseline(context: PodContext): PssFinding[] {
  return context.containers.flatMap((ref) =>
    addedBeyond(ref, BASELINE_CAPABILITIES, "capabilities_baseline"),
  );
}

export function hostPathVolumes(context: PodContext): PssFinding[] {
  const findings: PssFinding[] = [];
  (arr(context.spec.volumes) ?? []).forEach((raw, index) => {
    const volume = obj(raw);
    if (!volume || volume.hostPath === undefined || volume.hostPath === null || isUnknown(volume.hostPath))
      return;
    findings.push({
      control: "hostPathVolumes",
      problem: `hostPath volume "${str(volume.name) ?? `#${index}`}" mounts a directory of the node`,
      path: fieldPath(context.specPath, "volumes", index, "hostPath"),
      found: show(volume.hostPath),
      allowed: "unset",
      fix: "use an emptyDir, a PersistentVolumeClaim, a ConfigMap/Secret or a CSI volume instead",
    });
  });
  return findings;
}

/**
 * hostPort of every container port. With hostNetwork the API server defaults an unset (or 0)
 * hostPort of a container or init container to its containerPort, so such ports count too.
 */
export function hostPorts(context: PodContext): PssFinding[] {
  const findings: PssFinding[] = [];
  const hostNetwork = context.spec.hostNetwork === true;
  for (const ref of context.containers) {
    (arr(ref.container.ports) ?? []).forEach((raw, index) => {
      const port = obj(raw);
      const hostPort = port?.hostPort;
      const unset = hostPort === undefined || hostPort === null || hostPort === 0;
      const defaulted = unset && hostNetwork && ref.role !== "ephemeral" ? port?.containerPort : undefined;
      if (isUnknown(hostPort) || (unset && (defaulted === undefined || isUnknown(defaulted)))) return;
      const path = fieldPath(ref.path, "ports", index, "hostPort");
      findings.push({
        control: "hostPorts",
        container: ref.label,
        problem: "the container binds a port of the node",
        path,
        found: unset
          ? `not set, so ${show(defaulted)} (the containerPort, as hostNetwork is true)`
          : show(hostPort),
        allowed: "0 or unset, without hostNetwork",
        fix: unset
          ? `remove hostNetwork (${fieldPath(context.specPath, "hostNetwork")})`
          : `remove ${path} and reach the pod through a Service`,
      });
    });
  }
  return findings;
}

const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";
const APPARMOR_TYPES = ["RuntimeDefault", "Localhost"];

export function appArmorProfile(context: PodContext): PssFinding[] {
  const findings: PssFinding[] = [];
  eachSecurityContext(context, (sc, path, ref) => {
    const profile = sc.appArmorProfile;
    if (profile === undefined || profile === null || hasUnknown(profile)) return;
    const type = obj(profile)?.type;
    if (typeof type === "string" && APPARMOR_TYPES.includes(type)) return;
    findings.push({
      control: "appArmorProfile",
      ...withContainer(ref),
      problem: `AppArmor profile ${show(type)} is not allowed`,
      path: path("appArmorProfile", "type"),
      found: show(type),
      allowed: `${quoteList(APPARMOR_TYPES)} or unset`,
      fix: `set ${path("appArmorProfile", "type")} to RuntimeDefault or Localhost`,
    });
  });
  for (const [key, value] of Object.entries(context.template.annotations)) {
    if (!key.startsWith(APPARMOR_ANNOTATION_PREFIX)) continue;
    if (value === "" || value === "runtime/default" || value.startsWith("localhost/")) continue;
    const path = fieldPath(context.template.annotationsPath, key);
    findings.push({
      control: "appArmorProfile",
      problem: `AppArmor annotation value ${show(value)} is not allowed`,
      path,
      found: show(value),
      allowed: '"runtime/default", "localhost/<profile>", empty or unset',
      fix: `remove ${path} and set securityContext.appArmorProfile.type: RuntimeDefault`,
    });
  }
  return findings;
}

/** SELinux types a pod or container may set (Kubernetes 1.31 and later). */
export const SELINUX_TYPES: readonly string[] = [
  "",
  "container_t",
  "container_init_t",
  "container_kvm_t",
  "container_engine_t",
];

export function seLinuxOptions(context: PodContext): PssFinding[] {
  const findings: PssFinding[] = [];
  eachSecurityContext(context, (sc, path, ref) => {
    const options = obj(sc.seLinuxOptions);
    if (!options) return;
    const type = options.type;
    if (
      type !== undefined &&
      type !== null &&
      !isUnknown(type) &&
      !(typeof type === "string" && SELINUX_TYPES.includes(type))
    ) {
      findings.push({
        control: "seLinuxOptions",
        ...withContainer(ref),
        problem: `SELinux type ${show(type)} is not allowed`,
        path: path("seLinuxOptions", "type"),
        found: show(type),
        allowed: `${quoteList(SELINUX_TYPES.filter(Boolean))}, empty or unset`,
        fix: `remove ${path("seLinuxOptions", "type")} or set it to container_t`,
      });
    }
    for (const field of ["user", "role"]) {
      const value = options[field];
      if (typeof value !== "string" || value === "" || isUnknown(value)) continue;
      findings.push({
        control: "seLinuxOptions",
        ...withContainer(ref),
        problem: `a custom SELinux ${field} is set`,
        path: path("seLinuxOptions", field),
        found: show(value),
        allowed: "empty or unset",
        fix: `remove ${path("seLinuxOptions", field)}`,
      });
    }
  });
  return findings;
}

export function procMountFindings(context: PodContext, control: string): PssFinding[] {
  const findings: PssFinding[] = [];
  for (const ref of context.containers) {
    const procMount = scOf(ref)?.procMount;
    if (procMount === undefined || procMount === null || procMount === "Default" || isUnknown(procMount))
      continue;
    const path = scPath(ref, "procMount");
    findings.push({
      control,
      container: ref.label,
      problem: "the container unmasks /proc",
      path,
      found: show(procMount),
      allowed: '"Default" or unset',
      fix: `remove ${path}`,
    });
  }
  return findings;
}

export function seccompFindings(context: PodContext, control: string, requireSet: boolean): PssFinding[] {
  const allowed = context.settings.allowedSeccompProfiles;
  const findings: PssFinding[] = [];
  const podProfile = context.podSc?.seccompProfile;
  const pod = { valid: false };
  eachSecurityContext(context, (sc, path, ref) => {
    const profile = sc.seccompProfile;
    if (profile === undefined || profile === null || hasUnknown(profile)) return;
    const type = obj(profile)?.type;
    if (typeof type === "string" && allowed.includes(type)) {
      if (!ref) pod.valid = true;
      return;
    }
    findings.push({
      control,
      ...withContainer(ref),
      problem: `seccomp profile ${show(type)} is not allowed`,
      path: path("seccompProfile", "type"),
      found: show(type),
      allowed: `${quoteList(allowed)}${requireSet ? "" : " or unset"}`,
      fix: `set ${path("seccompProfile", "type")} to ${allowed.join(" or ")}`,
    });
  });
  if (!requireSet || pod.valid || context.podSc === undefined || hasUnknown(podProfile)) return findings;
  if (podProfile !== undefined && podProfile !== null) return findings; // reported above
  for (const ref of context.containers) {
    const sc = scOf(ref);
    if (!sc || (sc.seccompProfile !== undefined && sc.seccompProfile !== null)) continue;
    const path = scPath(ref, "seccompProfile", "type");
    findings.push({
      control,
      container: ref.label,
      problem: "no seccomp profile",
      path,
      found: "not set at container or pod level",
      allowed: `${quoteList(allowed)} at pod level or on every container`,
      fix: `set ${context.podScPath}.seccompProfile.type: RuntimeDefault (enforcement level "remediate" does this)`,
    });
  }
  return findings;
}

/** The sysctls the baseline level allows (Kubernetes 1.32 and later). */
export const SAFE_SYSCTLS: readonly string[] = [
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
  "net.ipv4.tcp_rmem",
  "net.ipv4.tcp_wmem",
];

export function sysctls(context: PodContext): PssFinding[] {
  const findings: PssFinding[] = [];
  (arr(context.podSc?.sysctls) ?? []).forEach((raw, index) => {
    const name = obj(raw)?.name;
    if (isUnknown(name) || (typeof name === "string" && SAFE_SYSCTLS.includes(name))) return;
    const path = fieldPath(context.podScPath, "sysctls", index, "name");
    findings.push({
      control: "sysctls",
      problem: `sysctl ${show(name)} is not in the safe set`,
      path,
      found: show(name),
      allowed: `only ${SAFE_SYSCTLS.join(", ")}`,
      fix: `remove ${fieldPath(context.podScPath, "sysctls", index)}`,
    });
  });
  return findings;
}

export function windowsHostProcess(context: PodContext): PssFinding[] {
  const findings: PssFinding[] = [];
  eachSecurityContext(context, (sc, path, ref) => {
    if (!isTrue(obj(sc.windowsOptions)?.hostProcess)) return;
    findings.push({
      control: "windowsHostProcess",
      ...withContainer(ref),
      problem: "the pod runs as a Windows host process",
      path: path("windowsOptions", "hostProcess"),
      found: "true",
      allowed: "false or unset",
      fix: `remove ${path("windowsOptions", "hostProcess")}`,
    });
  });
  return findings;
}

const PROBES = ["livenessProbe", "readinessProbe", "startupProbe"] as const;

export function hostProbesAndHostLifecycle(context: PodContext): PssFinding[] {
  const findings: PssFinding[] = [];
  for (const ref of context.containers) {
    const handlers: [readonly string[], unknown][] = [
      ...PROBES.map((probe): [readonly string[], unknown] => [[probe], ref.container[probe]]),
      ...["postStart", "preStop"].map((hook): [readonly string[], unknown] => [
        ["lifecycle", hook],
        obj(ref.container.lifecycle)?.[hook],
      ]),
    ];
    for (const [segments, handler] of handlers) {
      for (const kind of ["httpGet", "tcpSocket"]) {
        const host = obj(obj(handler)?.[kind])?.host;
        if (typeof host !== "string" || host === "" || isUnknown(host)) continue;
        const path = fieldPath(ref.path, ...segments, kind, "host");
        findings.push({
          control: "hostProbesAndHostLifecycle",
          container: ref.label,
          problem: `a probe or lifecycle handler targets host ${show(host)}`,
          path,
          found: show(host),
          allowed: "empty or unset (the pod's own IP)",
          fix: `remove ${path}`,
        });
      }
    }
  }
  return findings;
}
