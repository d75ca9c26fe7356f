import { controlsAt, podContext, type PssLevel, type PssSettings } from "../lib/podSecurity/index";
import { containersOf, type PodTemplate } from "../lib/podTemplate";
import { definePodPolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import { arr, obj, type Obj } from "../lib/values";

/** Settings of restricted-pod-security (its entry in policy-config/<env>.json). */
export interface RestrictedPodSecurityConfig extends PssSettings {
  /** The Pod Security Standard level to enforce: "restricted" (default) or "baseline". */
  readonly level: PssLevel;
  /** Namespaces whose workloads are not checked (e.g. for node agents that need host access). */
  readonly exemptNamespaces: readonly string[];
}

/**
 * restricted-pod-security: name, advisory by default, and its settings: the level (restricted,
 * or baseline for namespaces that enforce only that), the capabilities a container may add (NET_BIND_SERVICE, as the "restricted" standard allows), the accepted seccomp
 * profiles (RuntimeDefault, Localhost), and namespaces to skip, e.g. for node agents that need
 * host access.
 */
export const restrictedPodSecurityMeta: PolicyMeta<RestrictedPodSecurityConfig> = {
  name: "restricted-pod-security",
  description:
    "Pods meet the Pod Security Standard 'restricted' (or 'baseline', by config), every control as the API server's PodSecurity admission of Kubernetes 1.36 checks it: host namespaces, ports, paths and probes, privileged, capabilities, AppArmor, SELinux, /proc, seccomp, sysctls, Windows host processes, volume types, privilege escalation, non-root.",
  enforcementLevel: "advisory",
  severity: "high",
  remediationSteps:
    "Set securityContext {runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}. With enforcement level 'remediate', a missing seccompProfile and allowPrivilegeEscalation are filled in.",
  defaults: {
    level: "restricted",
    allowedCapabilities: ["NET_BIND_SERVICE"],
    allowedSeccompProfiles: ["RuntimeDefault", "Localhost"],
    exemptNamespaces: [],
  },
  properties: {
    level: {
      type: "string",
      enum: ["restricted", "baseline"],
      description: "The Pod Security Standard level whose controls apply.",
    },
    allowedCapabilities: {
      type: "array",
      items: { type: "string", minLength: 1 },
      uniqueItems: true,
      description: "Capabilities containers may add at level restricted.",
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

/** The Pod Security findings for one pod template: every control in force at the configured level. */
export function checkRestrictedPodSecurity(
  template: PodTemplate,
  config: RestrictedPodSecurityConfig,
): Finding[] {
  if (config.exemptNamespaces.includes(template.resource.namespace)) return [];
  const context = podContext(template, config);
  if (!context) return [];
  const resource = template.resource.ref;
  const findings: Finding[] = [];
  for (const control of controlsAt(config.level)) {
    for (const finding of control.check(context)) {
      findings.push(
        violation({
          resource,
          ...(finding.container === undefined ? {} : { container: finding.container }),
          problem: `${finding.problem} (Pod Security ${control.level} control "${control.id}")`,
          path: finding.path,
          found: finding.found,
          allowed: finding.allowed,
          fix: finding.fix,
        }),
      );
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
 * Pods meet the Pod Security Standard "restricted" (or "baseline"), control by control as the
 * API server's PodSecurity admission checks it (policy/lib/podSecurity.ts). Each control is a way out of the container onto the node, and from there to the other
 * pods' secrets and GPUs; a namespace that enforces "restricted" refuses such pods at admission,
 * which shows only after the deploy. At level "remediate" the unambiguous gaps are filled in.
 */
export const restrictedPodSecurity = definePodPolicy(
  restrictedPodSecurityMeta,
  checkRestrictedPodSecurity,
  remediateRestrictedPodSecurity,
);
