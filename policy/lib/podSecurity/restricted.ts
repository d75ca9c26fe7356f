/** The controls the restricted level adds (see context.ts). */

import {
  eachSecurityContext,
  scOf,
  scPath,
  withContainer,
  type PodContext,
  type PssFinding,
} from "./context";
import { addedBeyond } from "./baseline";
import { fieldPath } from "../paths";
import { arr, hasUnknown, isUnknown, obj, show, str } from "../values";

export function capabilitiesRestricted(context: PodContext): PssFinding[] {
  if (context.windows !== false) return [];
  const findings: PssFinding[] = [];
  for (const ref of context.containers) {
    const sc = scOf(ref);
    if (!sc || isUnknown(sc.capabilities)) continue;
    const drop = obj(sc.capabilities)?.drop;
    if (!hasUnknown(drop) && !(arr(drop) ?? []).includes("ALL")) {
      const path = scPath(ref, "capabilities", "drop");
      findings.push({
        control: "capabilities_restricted",
        container: ref.label,
        problem: "not all capabilities are dropped",
        path,
        found: show(drop),
        allowed: 'a list containing "ALL"',
        fix: `set ${path}: ["ALL"]`,
      });
    }
    findings.push(...addedBeyond(ref, context.settings.allowedCapabilities, "capabilities_restricted"));
  }
  return findings;
}

/** The volume sources the restricted level allows. */
export const RESTRICTED_VOLUME_SOURCES: readonly string[] = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "image",
  "persistentVolumeClaim",
  "projected",
  "secret",
];

export function restrictedVolumes(context: PodContext): PssFinding[] {
  const findings: PssFinding[] = [];
  (arr(context.spec.volumes) ?? []).forEach((raw, index) => {
    const volume = obj(raw);
    if (!volume || hasUnknown(volume)) return;
    const sources = Object.keys(volume).filter(
      (key) => key !== "name" && volume[key] !== undefined && volume[key] !== null,
    );
    // A volume without a source is an emptyDir (the API server's default).
    if (sources.length === 0 || sources.some((source) => RESTRICTED_VOLUME_SOURCES.includes(source))) return;
    const source = sources[0] ?? "";
    findings.push({
      control: "restrictedVolumes",
      problem: `volume "${str(volume.name) ?? `#${index}`}" uses the restricted volume type ${source}`,
      path: fieldPath(context.specPath, "volumes", index, source),
      found: show(volume[source]),
      allowed: `only ${RESTRICTED_VOLUME_SOURCES.join(", ")}`,
      fix: "use an emptyDir, ephemeral, a PersistentVolumeClaim, a ConfigMap/Secret/projected or a CSI volume instead",
    });
  });
  return findings;
}

export function allowPrivilegeEscalation(context: PodContext): PssFinding[] {
  if (context.windows !== false) return [];
  const findings: PssFinding[] = [];
  for (const ref of context.containers) {
    const sc = scOf(ref);
    const escalation = sc?.allowPrivilegeEscalation;
    if (!sc || escalation === false || isUnknown(escalation)) continue;
    const path = scPath(ref, "allowPrivilegeEscalation");
    findings.push({
      control: "allowPrivilegeEscalation",
      container: ref.label,
      problem: "privilege escalation is not disabled",
      path,
      found: show(escalation),
      allowed: "false",
      fix: `set ${path}: false${escalation === undefined || escalation === null ? ' (enforcement level "remediate" sets it when missing)' : ""}`,
    });
  }
  return findings;
}

export function runAsNonRoot(context: PodContext): PssFinding[] {
  if (context.userNamespace !== false || context.podSc === undefined) return [];
  const findings: PssFinding[] = [];
  const podValue = context.podSc.runAsNonRoot;
  if (isUnknown(podValue)) return [];
  const podPath = fieldPath(context.podScPath, "runAsNonRoot");
  if (podValue === false) {
    findings.push({
      control: "runAsNonRoot",
      problem: "the pod allows running as root",
      path: podPath,
      found: "false",
      allowed: "true",
      fix: `set ${podPath}: true`,
    });
  }
  for (const ref of context.containers) {
    const sc = scOf(ref);
    const value = sc?.runAsNonRoot;
    if (!sc || isUnknown(value) || value === true) continue;
    const path = scPath(ref, "runAsNonRoot");
    if (value === false) {
      findings.push({
        control: "runAsNonRoot",
        container: ref.label,
        problem: "the container allows running as root",
        path,
        found: "false",
        allowed: "true, or unset when the pod sets true",
        fix: `set ${path}: true`,
      });
    } else if (podValue !== true && podValue !== false) {
      findings.push({
        control: "runAsNonRoot",
        container: ref.label,
        problem: "the container may run as root",
        path,
        found: "not set at container or pod level",
        allowed: "true at pod level or on every container",
        fix: `set ${podPath}: true (or ${path}: true) and a non-zero runAsUser`,
      });
    }
  }
  return findings;
}

export function runAsUser(context: PodContext): PssFinding[] {
  if (context.userNamespace !== false) return [];
  const findings: PssFinding[] = [];
  eachSecurityContext(context, (sc, path, ref) => {
    if (sc.runAsUser !== 0) return;
    findings.push({
      control: "runAsUser",
      ...withContainer(ref),
      problem: `the ${ref ? "container" : "pod"} runs as UID 0 (root)`,
      path: path("runAsUser"),
      found: "0",
      allowed: "a non-zero UID or unset",
      fix: `set ${path("runAsUser")} to a non-zero UID`,
    });
  });
  return findings;
}
