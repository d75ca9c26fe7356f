/**
 * The Pod Security Standards (baseline and restricted) as of Kubernetes 1.36, one control per
 * check of the API server's PodSecurity admission, with the same identifiers, levels, fields,
 * allowed values, overrides (a restricted control replaces the baseline one it tightens) and
 * relaxations (Windows pods, pods in a user namespace). The controls read plain objects and
 * skip a decision whose input is unknown during preview.
 */

import { fieldPath } from "../paths";
import { securityContainersOf, type ContainerRef, type PodTemplate } from "../podTemplate";
import { hasUnknown, isUnknown, obj, type Obj } from "../values";

/** A Pod Security Standard level. */
export type PssLevel = "baseline" | "restricted";

/** Settings the controls read (restricted-pod-security's config). */
export interface PssSettings {
  /** Capabilities a container may add at level restricted (the standard allows NET_BIND_SERVICE). */
  readonly allowedCapabilities: readonly string[];
  /** seccomp profile types accepted where one is set (the standard: RuntimeDefault, Localhost). */
  readonly allowedSeccompProfiles: readonly string[];
}

/** One violated control, before it becomes a message. */
export interface PssFinding {
  readonly control: string;
  /** The container label, e.g. `init container "loader"`, for container-level fields. */
  readonly container?: string;
  readonly problem: string;
  readonly path: string;
  readonly found: string;
  readonly allowed: string;
  readonly fix: string;
}

/** What a control sees: the pod spec, its security context and every container. */
export interface PodContext {
  readonly template: PodTemplate;
  readonly spec: Obj;
  readonly specPath: string;
  /** The pod-level securityContext ({} when unset); undefined when unknown during preview. */
  readonly podSc: Obj | undefined;
  readonly podScPath: string;
  /** Containers, init containers (native sidecars included) and ephemeral containers. */
  readonly containers: readonly ContainerRef[];
  /** spec.os.name is windows (undefined: unknown during preview). */
  readonly windows: boolean | undefined;
  /** spec.hostUsers is false (undefined: unknown during preview). */
  readonly userNamespace: boolean | undefined;
  readonly settings: PssSettings;
}

/** A control of the standard. */
export interface PssControl {
  /** The PodSecurity admission's check identifier, e.g. "hostPorts". */
  readonly id: string;
  readonly level: PssLevel;
  /** The baseline control this one replaces at level restricted. */
  readonly overrides?: string;
  /** The fields it reads and what they may hold, for the README. */
  readonly summary: string;
  readonly check: (context: PodContext) => PssFinding[];
}

/** The container's securityContext ({} when unset), or undefined when it is unknown. */
export function scOf(ref: ContainerRef): Obj | undefined {
  const raw = ref.container.securityContext;
  if (isUnknown(raw)) return undefined;
  return obj(raw) ?? {};
}

export const scPath = (ref: ContainerRef, ...rest: string[]): string =>
  fieldPath(ref.path, "securityContext", ...rest);

export function quoteList(values: readonly string[]): string {
  return values.map((value) => JSON.stringify(value)).join(", ");
}

/** The pod-level and per-container values of one securityContext field (unknown ones left out). */
export function eachSecurityContext(
  context: PodContext,
  visit: (sc: Obj, path: (...rest: string[]) => string, container: ContainerRef | undefined) => void,
): void {
  if (context.podSc) visit(context.podSc, (...rest) => fieldPath(context.podScPath, ...rest), undefined);
  for (const ref of context.containers) {
    const sc = scOf(ref);
    if (sc) visit(sc, (...rest) => scPath(ref, ...rest), ref);
  }
}

export const withContainer = (ref: ContainerRef | undefined): { container?: string } =>
  ref ? { container: ref.label } : {};

export function isTrue(value: unknown): boolean {
  return value === true;
}

/** The context the controls read, or undefined when the template has no (known) pod spec. */
export function podContext(template: PodTemplate, settings: PssSettings): PodContext | undefined {
  const spec = template.spec;
  if (!spec) return undefined;
  const rawSc = spec.securityContext;
  const os = spec.os;
  const hostUsers = spec.hostUsers;
  return {
    template,
    spec,
    specPath: template.specPath,
    podSc: isUnknown(rawSc) ? undefined : (obj(rawSc) ?? {}),
    podScPath: fieldPath(template.specPath, "securityContext"),
    containers: securityContainersOf(template),
    windows: hasUnknown(os) ? undefined : obj(os)?.name === "windows",
    userNamespace: isUnknown(hostUsers) ? undefined : hostUsers === false,
    settings,
  };
}
