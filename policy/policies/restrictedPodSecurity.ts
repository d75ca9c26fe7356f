import { fieldPath } from "../lib/paths";
import { containersOf, type PodTemplate } from "../lib/podTemplate";
import { definePodPolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import { arr, hasUnknown, isUnknown, obj, show, str, type Obj } from "../lib/values";

/** Settings of restricted-pod-security (its entry in policy-config/<env>.json). */
export interface RestrictedPodSecurityConfig {
  /** Capabilities a container may add (Pod Security Standard "restricted" allows NET_BIND_SERVICE). */
  readonly allowedCapabilities: readonly string[];
  readonly allowedSeccompProfiles: readonly string[];
  /** Namespaces whose workloads are not checked (e.g. for node agents that need host access). */
  readonly exemptNamespaces: readonly string[];
}

/**
 * restricted-pod-security: name, advisory by default, and its settings: the capabilities a
 * container may add (NET_BIND_SERVICE, as the "restricted" standard allows), the accepted seccomp
 * profiles (RuntimeDefault, Localhost), and namespaces to skip, e.g. for node agents that need
 * host access.
 */
export const restrictedPodSecurityMeta: PolicyMeta<RestrictedPodSecurityConfig> = {
  name: "restricted-pod-security",
  description:
    "Pods meet the Pod Security Standard 'restricted': non-root, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp, not privileged, no hostNetwork/hostPID/hostIPC/hostPath.",
  enforcementLevel: "advisory",
  severity: "high",
  remediationSteps:
    "Set securityContext {runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}. With enforcement level 'remediate', a missing seccompProfile and allowPrivilegeEscalation are filled in.",
  defaults: {
    allowedCapabilities: ["NET_BIND_SERVICE"],
    allowedSeccompProfiles: ["RuntimeDefault", "Localhost"],
    exemptNamespaces: [],
  },
  properties: {
    allowedCapabilities: {
      type: "array",
      items: { type: "string", minLength: 1 },
      uniqueItems: true,
      description: "Capabilities containers may add.",
    },
    allowedSeccompProfiles: {
      type: "array",
      items: { type: "string", enum: ["RuntimeDefault", "Localhost", "Unconfined"] },
      minItems: 1,
      uniqueItems: true,
      description: "Accepted seccompProfile types.",
    },
    exemptNamespaces: {
      type: "array",
      items: { type: "string", minLength: 1 },
      uniqueItems: true,
      description: "Namespaces this policy skips.",
    },
  },
};

const HOST_NAMESPACES: readonly (readonly [field: string, what: string])[] = [
  ["hostNetwork", "network"],
  ["hostPID", "PID"],
  ["hostIPC", "IPC"],
];

const PRIVILEGE_ESCALATION_NOTE = ' (enforcement level "remediate" sets it when missing)';

/** The restricted-pod-security findings for one pod template: pod-level fields, then each container. */
export function checkRestrictedPodSecurity(
  template: PodTemplate,
  config: RestrictedPodSecurityConfig,
): Finding[] {
  const spec = template.spec;
  if (!spec || config.exemptNamespaces.includes(template.resource.namespace)) return [];
  const findings: Finding[] = [];
  const resource = template.resource.ref;
  const specPath = template.specPath;

  for (const [field, what] of HOST_NAMESPACES) {
    if (spec[field] === true) {
      const path = fieldPath(specPath, field);
      findings.push(
        violation({
          resource,
          problem: `the pod shares the host's ${what} namespace`,
          path,
          found: "true",
          fix: `remove ${path} (or set it to false)`,
        }),
      );
    }
  }
  (arr(spec.volumes) ?? []).forEach((rawVolume, volumeIndex) => {
    const volume = obj(rawVolume);
    if (!volume || volume.hostPath === undefined || volume.hostPath === null || isUnknown(volume.hostPath)) {
      return;
    }
    findings.push(
      violation({
        resource,
        problem: `hostPath volume "${str(volume.name) ?? `#${volumeIndex}`}" mounts a directory of the node`,
        path: fieldPath(specPath, "volumes", volumeIndex, "hostPath"),
        found: show(volume.hostPath),
        fix: "use an emptyDir, a PersistentVolumeClaim, a ConfigMap/Secret or a CSI volume instead",
      }),
    );
  });

  const rawPodSecurityContext = spec.securityContext;
  const podSecurityContextUnknown = isUnknown(rawPodSecurityContext);
  const podSecurityContext = obj(rawPodSecurityContext) ?? {};
  const podSecurityContextPath = fieldPath(specPath, "securityContext");
  const podNonRoot = podSecurityContext.runAsNonRoot;
  const podUser = podSecurityContext.runAsUser;
  const podSeccompUnknown = podSecurityContextUnknown || hasUnknown(podSecurityContext.seccompProfile);
  const podSeccomp = str(obj(podSecurityContext.seccompProfile)?.type);
  const allowedSeccomp = config.allowedSeccompProfiles;

  if (podNonRoot === false) {
    findings.push(
      violation({
        resource,
        problem: "the pod allows running as root",
        path: fieldPath(podSecurityContextPath, "runAsNonRoot"),
        found: "false",
        fix: `set ${podSecurityContextPath}.runAsNonRoot: true`,
      }),
    );
  }
  if (podUser === 0) {
    findings.push(
      violation({
        resource,
        problem: "the pod runs as UID 0 (root)",
        path: fieldPath(podSecurityContextPath, "runAsUser"),
        found: "0",
        fix: `set ${podSecurityContextPath}.runAsUser to a non-zero UID`,
      }),
    );
  }
  if (podSeccomp !== undefined && !allowedSeccomp.includes(podSeccomp)) {
    findings.push(
      violation({
        resource,
        problem: `seccomp profile "${podSeccomp}" is not allowed`,
        path: fieldPath(podSecurityContextPath, "seccompProfile", "type"),
        found: show(podSeccomp),
        fix: `set it to ${allowedSeccomp.join(" or ")}`,
      }),
    );
  }

  for (const ref of containersOf(template).refs) {
    const rawSecurityContext = ref.container.securityContext;
    if (isUnknown(rawSecurityContext)) continue;
    const securityContext = obj(rawSecurityContext) ?? {};
    const securityContextPath = fieldPath(ref.path, "securityContext");
    const common = { resource, container: ref.label };

    if (securityContext.privileged === true) {
      const path = fieldPath(securityContextPath, "privileged");
      findings.push(
        violation({
          ...common,
          problem: "the container is privileged",
          path,
          found: "true",
          fix: `remove ${path} (or set it to false)`,
        }),
      );
    }
    const escalation = securityContext.allowPrivilegeEscalation;
    if (!isUnknown(escalation) && escalation !== false) {
      const path = fieldPath(securityContextPath, "allowPrivilegeEscalation");
      findings.push(
        violation({
          ...common,
          problem: "privilege escalation is not disabled",
          path,
          found: show(escalation),
          fix: `set ${path}: false${escalation === undefined ? PRIVILEGE_ESCALATION_NOTE : ""}`,
        }),
      );
    }
    const nonRoot = securityContext.runAsNonRoot;
    if (
      !isUnknown(nonRoot) &&
      !(nonRoot === undefined && (podSecurityContextUnknown || isUnknown(podNonRoot)))
    ) {
      const path = fieldPath(securityContextPath, "runAsNonRoot");
      if (nonRoot === false) {
        findings.push(
          violation({
            ...common,
            problem: "the container allows running as root",
            path,
            found: "false",
            fix: `set ${path}: true`,
          }),
        );
      } else if (nonRoot !== true && podNonRoot === undefined) {
        findings.push(
          violation({
            ...common,
            problem: "the container may run as root",
            path,
            found: "not set at container or pod level",
            fix: `set ${podSecurityContextPath}.runAsNonRoot: true (or ${path}: true) and a non-zero runAsUser`,
          }),
        );
      }
    }
    if (securityContext.runAsUser === 0) {
      const path = fieldPath(securityContextPath, "runAsUser");
      findings.push(
        violation({
          ...common,
          problem: "the container runs as UID 0 (root)",
          path,
          found: "0",
          fix: `set ${path} to a non-zero UID`,
        }),
      );
    }
    const rawCapabilities = securityContext.capabilities;
    if (!isUnknown(rawCapabilities)) {
      const capabilities = obj(rawCapabilities) ?? {};
      const drop = capabilities.drop;
      const dropPath = fieldPath(securityContextPath, "capabilities", "drop");
      if (!isUnknown(drop) && !(arr(drop) ?? []).includes("ALL")) {
        findings.push(
          violation({
            ...common,
            problem: "not all capabilities are dropped",
            path: dropPath,
            found: show(drop),
            fix: `set ${dropPath}: ["ALL"]`,
          }),
        );
      }
      const add = arr(capabilities.add) ?? [];
      const extra = add.filter(
        (capability) => typeof capability !== "string" || !config.allowedCapabilities.includes(capability),
      );
      if (extra.length > 0 && !hasUnknown(add)) {
        const addPath = fieldPath(securityContextPath, "capabilities", "add");
        findings.push(
          violation({
            ...common,
            problem: `the container adds capabilities beyond ${config.allowedCapabilities.length ? config.allowedCapabilities.join(", ") : "none"}`,
            path: addPath,
            found: show(add),
            fix: `remove ${extra.map((capability) => show(capability)).join(", ")} from ${addPath}`,
          }),
        );
      }
    }
    const rawSeccompProfile = securityContext.seccompProfile;
    if (!hasUnknown(rawSeccompProfile)) {
      const ownSeccomp = str(obj(rawSeccompProfile)?.type);
      const path = fieldPath(securityContextPath, "seccompProfile", "type");
      if (ownSeccomp !== undefined && !allowedSeccomp.includes(ownSeccomp)) {
        findings.push(
          violation({
            ...common,
            problem: `seccomp profile "${ownSeccomp}" is not allowed`,
            path,
            found: show(ownSeccomp),
            fix: `set ${path} to ${allowedSeccomp.join(" or ")}`,
          }),
        );
      } else if (ownSeccomp === undefined && podSeccomp === undefined && !podSeccompUnknown) {
        findings.push(
          violation({
            ...common,
            problem: "no seccomp profile",
            path,
            found: "not set at container or pod level",
            fix: `set ${podSecurityContextPath}.seccompProfile.type: RuntimeDefault (enforcement level "remediate" does this)`,
          }),
        );
      }
    }
  }
  return findings;
}

function addsSysAdmin(securityContext: Obj): boolean {
  const add = arr(obj(securityContext.capabilities)?.add) ?? [];
  return add.some((capability) => capability === "SYS_ADMIN" || capability === "CAP_SYS_ADMIN");
}

/**
 * Fills in what is unambiguous: pod-level seccompProfile RuntimeDefault when no seccompProfile is
 * set at pod level, and allowPrivilegeEscalation: false where a container leaves it unset (not on
 * privileged or CAP_SYS_ADMIN containers, where the API server rejects that combination).
 * Explicit values are never changed. The spec, containers and security contexts it writes to are
 * the remediation's private copy of the resource.
 */
export function remediateRestrictedPodSecurity(
  template: PodTemplate,
  config: RestrictedPodSecurityConfig,
): boolean {
  const spec = template.spec;
  if (!spec || config.exemptNamespaces.includes(template.resource.namespace)) return false;
  let changed = false;
  const rawPodSecurityContext = spec.securityContext;
  if (rawPodSecurityContext === undefined || rawPodSecurityContext === null) {
    spec.securityContext = { seccompProfile: { type: "RuntimeDefault" } };
    changed = true;
  } else {
    const podSecurityContext = obj(rawPodSecurityContext);
    if (
      podSecurityContext &&
      (podSecurityContext.seccompProfile === undefined || podSecurityContext.seccompProfile === null)
    ) {
      podSecurityContext.seccompProfile = { type: "RuntimeDefault" };
      changed = true;
    }
  }
  for (const ref of containersOf(template).refs) {
    const container = ref.container;
    const rawSecurityContext = container.securityContext;
    if (rawSecurityContext === undefined || rawSecurityContext === null) {
      container.securityContext = { allowPrivilegeEscalation: false };
      changed = true;
      continue;
    }
    const securityContext = obj(rawSecurityContext);
    if (!securityContext || securityContext.privileged === true || addsSysAdmin(securityContext)) continue;
    if (
      securityContext.allowPrivilegeEscalation === undefined ||
      securityContext.allowPrivilegeEscalation === null
    ) {
      securityContext.allowPrivilegeEscalation = false;
      changed = true;
    }
  }
  return changed;
}

/**
 * Pods meet the Pod Security Standard "restricted": non-root, no privilege escalation, all
 * capabilities dropped, an allowed seccomp profile, not privileged, no host namespaces or hostPath
 * volumes. Each of these is a way out of the container onto the node, and from there to the other
 * pods' secrets and GPUs; a namespace that enforces "restricted" refuses such pods at admission,
 * which shows only after the deploy. At level "remediate" the unambiguous gaps are filled in.
 */
export const restrictedPodSecurity = definePodPolicy(
  restrictedPodSecurityMeta,
  checkRestrictedPodSecurity,
  remediateRestrictedPodSecurity,
);
