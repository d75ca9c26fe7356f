import { fieldPath } from "../lib/paths";
import { containersOf, type PodTemplate } from "../lib/podTemplate";
import { definePodPolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import { arr, hasUnknown, isUnknown, obj, show, str, type Obj } from "../lib/values";

export interface RestrictedPodSecurityConfig {
  /** Capabilities a container may add (Pod Security Standard "restricted" allows NET_BIND_SERVICE). */
  readonly allowedCapabilities: readonly string[];
  readonly allowedSeccompProfiles: readonly string[];
  /** Namespaces whose workloads are not checked (e.g. for node agents that need host access). */
  readonly exemptNamespaces: readonly string[];
}

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

export function checkRestrictedPodSecurity(t: PodTemplate, cfg: RestrictedPodSecurityConfig): Finding[] {
  const spec = t.spec;
  if (!spec || cfg.exemptNamespaces.includes(t.resource.namespace)) return [];
  const out: Finding[] = [];
  const resource = t.resource.ref;
  const specPath = t.specPath;

  for (const [field, what] of HOST_NAMESPACES) {
    if (spec[field] === true) {
      const path = fieldPath(specPath, field);
      out.push(
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
  (arr(spec.volumes) ?? []).forEach((v, i) => {
    const vol = obj(v);
    if (!vol || vol.hostPath === undefined || vol.hostPath === null || isUnknown(vol.hostPath)) return;
    out.push(
      violation({
        resource,
        problem: `hostPath volume "${str(vol.name) ?? `#${i}`}" mounts a directory of the node`,
        path: fieldPath(specPath, "volumes", i, "hostPath"),
        found: show(vol.hostPath),
        fix: "use an emptyDir, a PersistentVolumeClaim, a ConfigMap/Secret or a CSI volume instead",
      }),
    );
  });

  const podScRaw = spec.securityContext;
  const podScUnknown = isUnknown(podScRaw);
  const podSc = obj(podScRaw) ?? {};
  const podScPath = fieldPath(specPath, "securityContext");
  const podNonRoot = podSc.runAsNonRoot;
  const podUser = podSc.runAsUser;
  const podSeccompUnknown = podScUnknown || hasUnknown(podSc.seccompProfile);
  const podSeccomp = str(obj(podSc.seccompProfile)?.type);
  const allowedSeccomp = cfg.allowedSeccompProfiles;

  if (podNonRoot === false) {
    out.push(
      violation({
        resource,
        problem: "the pod allows running as root",
        path: fieldPath(podScPath, "runAsNonRoot"),
        found: "false",
        fix: `set ${podScPath}.runAsNonRoot: true`,
      }),
    );
  }
  if (podUser === 0) {
    out.push(
      violation({
        resource,
        problem: "the pod runs as UID 0 (root)",
        path: fieldPath(podScPath, "runAsUser"),
        found: "0",
        fix: `set ${podScPath}.runAsUser to a non-zero UID`,
      }),
    );
  }
  if (podSeccomp !== undefined && !allowedSeccomp.includes(podSeccomp)) {
    out.push(
      violation({
        resource,
        problem: `seccomp profile "${podSeccomp}" is not allowed`,
        path: fieldPath(podScPath, "seccompProfile", "type"),
        found: show(podSeccomp),
        fix: `set it to ${allowedSeccomp.join(" or ")}`,
      }),
    );
  }

  for (const ref of containersOf(t).refs) {
    const scRaw = ref.container.securityContext;
    if (isUnknown(scRaw)) continue;
    const sc = obj(scRaw) ?? {};
    const scPath = fieldPath(ref.path, "securityContext");
    const common = { resource, container: ref.label };

    if (sc.privileged === true) {
      const path = fieldPath(scPath, "privileged");
      out.push(
        violation({
          ...common,
          problem: "the container is privileged",
          path,
          found: "true",
          fix: `remove ${path} (or set it to false)`,
        }),
      );
    }
    const ape = sc.allowPrivilegeEscalation;
    if (!isUnknown(ape) && ape !== false) {
      const path = fieldPath(scPath, "allowPrivilegeEscalation");
      out.push(
        violation({
          ...common,
          problem: "privilege escalation is not disabled",
          path,
          found: show(ape),
          fix: `set ${path}: false${ape === undefined ? PRIVILEGE_ESCALATION_NOTE : ""}`,
        }),
      );
    }
    const nonRoot = sc.runAsNonRoot;
    if (!isUnknown(nonRoot) && !(nonRoot === undefined && (podScUnknown || isUnknown(podNonRoot)))) {
      const path = fieldPath(scPath, "runAsNonRoot");
      if (nonRoot === false) {
        out.push(
          violation({
            ...common,
            problem: "the container allows running as root",
            path,
            found: "false",
            fix: `set ${path}: true`,
          }),
        );
      } else if (nonRoot !== true && podNonRoot === undefined) {
        out.push(
          violation({
            ...common,
            problem: "the container may run as root",
            path,
            found: "not set at container or pod level",
            fix: `set ${podScPath}.runAsNonRoot: true (or ${path}: true) and a non-zero runAsUser`,
          }),
        );
      }
    }
    if (sc.runAsUser === 0) {
      const path = fieldPath(scPath, "runAsUser");
      out.push(
        violation({
          ...common,
          problem: "the container runs as UID 0 (root)",
          path,
          found: "0",
          fix: `set ${path} to a non-zero UID`,
        }),
      );
    }
    const capsRaw = sc.capabilities;
    if (!isUnknown(capsRaw)) {
      const caps = obj(capsRaw) ?? {};
      const drop = caps.drop;
      const dropPath = fieldPath(scPath, "capabilities", "drop");
      if (!isUnknown(drop) && !(arr(drop) ?? []).includes("ALL")) {
        out.push(
          violation({
            ...common,
            problem: "not all capabilities are dropped",
            path: dropPath,
            found: show(drop),
            fix: `set ${dropPath}: ["ALL"]`,
          }),
        );
      }
      const add = arr(caps.add) ?? [];
      const extra = add.filter((c) => typeof c !== "string" || !cfg.allowedCapabilities.includes(c));
      if (extra.length > 0 && !hasUnknown(add)) {
        const addPath = fieldPath(scPath, "capabilities", "add");
        out.push(
          violation({
            ...common,
            problem: `the container adds capabilities beyond ${cfg.allowedCapabilities.length ? cfg.allowedCapabilities.join(", ") : "none"}`,
            path: addPath,
            found: show(add),
            fix: `remove ${extra.map((c) => show(c)).join(", ")} from ${addPath}`,
          }),
        );
      }
    }
    const profRaw = sc.seccompProfile;
    if (!hasUnknown(profRaw)) {
      const own = str(obj(profRaw)?.type);
      const path = fieldPath(scPath, "seccompProfile", "type");
      if (own !== undefined && !allowedSeccomp.includes(own)) {
        out.push(
          violation({
            ...common,
            problem: `seccomp profile "${own}" is not allowed`,
            path,
            found: show(own),
            fix: `set ${path} to ${allowedSeccomp.join(" or ")}`,
          }),
        );
      } else if (own === undefined && podSeccomp === undefined && !podSeccompUnknown) {
        out.push(
          violation({
            ...common,
            problem: "no seccomp profile",
            path,
            found: "not set at container or pod level",
            fix: `set ${podScPath}.seccompProfile.type: RuntimeDefault (enforcement level "remediate" does this)`,
          }),
        );
      }
    }
  }
  return out;
}

function addsSysAdmin(sc: Obj): boolean {
  const add = arr(obj(sc.capabilities)?.add) ?? [];
  return add.some((c) => c === "SYS_ADMIN" || c === "CAP_SYS_ADMIN");
}

/**
 * Fills in what is unambiguous: pod-level seccompProfile RuntimeDefault when no seccompProfile is
 * set at pod level, and allowPrivilegeEscalation: false where a container leaves it unset (not on
 * privileged or CAP_SYS_ADMIN containers, where the API server rejects that combination).
 * Explicit values are never changed.
 */
export function remediateRestrictedPodSecurity(t: PodTemplate, cfg: RestrictedPodSecurityConfig): boolean {
  const spec = t.spec;
  if (!spec || cfg.exemptNamespaces.includes(t.resource.namespace)) return false;
  let changed = false;
  const scRaw = spec.securityContext;
  if (scRaw === undefined || scRaw === null) {
    spec.securityContext = { seccompProfile: { type: "RuntimeDefault" } };
    changed = true;
  } else {
    const sc = obj(scRaw);
    if (sc && (sc.seccompProfile === undefined || sc.seccompProfile === null)) {
      sc.seccompProfile = { type: "RuntimeDefault" };
      changed = true;
    }
  }
  for (const ref of containersOf(t).refs) {
    const c = ref.container;
    const raw = c.securityContext;
    if (raw === undefined || raw === null) {
      c.securityContext = { allowPrivilegeEscalation: false };
      changed = true;
      continue;
    }
    const sc = obj(raw);
    if (!sc || sc.privileged === true || addsSysAdmin(sc)) continue;
    if (sc.allowPrivilegeEscalation === undefined || sc.allowPrivilegeEscalation === null) {
      sc.allowPrivilegeEscalation = false;
      changed = true;
    }
  }
  return changed;
}

export const restrictedPodSecurity = definePodPolicy(
  restrictedPodSecurityMeta,
  checkRestrictedPodSecurity,
  remediateRestrictedPodSecurity,
);
