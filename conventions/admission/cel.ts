/**
 * CEL building blocks of the admission rules: the pod spec of every kind with a pod template,
 * its containers by role (the roles and labels the pack's messages use), and small helpers.
 */
import { celString } from "./message";
import type { CelVariable, ResourceMatch } from "./rule";

/** Pod, and the workloads carrying a pod template, as admission resource rules. */
export const POD_TEMPLATE_RESOURCES: readonly ResourceMatch[] = [
  { apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] },
  {
    apiGroups: ["apps"],
    apiVersions: ["v1"],
    resources: ["deployments", "replicasets", "statefulsets", "daemonsets"],
  },
  { apiGroups: ["batch"], apiVersions: ["v1"], resources: ["jobs", "cronjobs"] },
];

/** A container role with the label the pack's messages give it and the variable listing them. */
export interface ContainerRole {
  readonly role: "container" | "initContainer" | "sidecar";
  /** `container`, `init container`, `sidecar container`. */
  readonly label: string;
  /** The CEL variable holding the containers of the role. */
  readonly list: string;
}

/** The regular containers (those that serve; probes and ports are theirs). */
export const REGULAR_CONTAINERS: ContainerRole = {
  role: "container",
  label: "container",
  list: "variables.regularContainers",
};

export const CONTAINER_ROLES: readonly ContainerRole[] = [
  REGULAR_CONTAINERS,
  { role: "initContainer", label: "init container", list: "variables.initOnlyContainers" },
  { role: "sidecar", label: "sidecar container", list: "variables.sidecarContainers" },
];

const TEMPLATE = `(object.kind == "Pod" ? dyn(object) : object.kind == "CronJob" ? dyn(object.spec.jobTemplate.spec.template) : dyn(object.spec.template))`;

/** Variables: the pod template, its spec and labels, and the containers by role. */
export const POD_VARIABLES: readonly CelVariable[] = [
  { name: "template", expression: TEMPLATE },
  { name: "podSpec", expression: `has(variables.template.spec) ? variables.template.spec : {}` },
  {
    name: "podLabels",
    expression: `has(variables.template.metadata) && has(variables.template.metadata.labels) ? variables.template.metadata.labels : {}`,
  },
  {
    name: "regularContainers",
    expression: `has(variables.podSpec.containers) ? variables.podSpec.containers : []`,
  },
  {
    name: "initContainersAll",
    expression: `has(variables.podSpec.initContainers) ? variables.podSpec.initContainers : []`,
  },
  {
    name: "initOnlyContainers",
    expression: `variables.initContainersAll.filter(c, !has(c.restartPolicy) || c.restartPolicy != "Always")`,
  },
  {
    name: "sidecarContainers",
    expression: `variables.initContainersAll.filter(c, has(c.restartPolicy) && c.restartPolicy == "Always")`,
  },
];

/** The CEL subject of a container of the role: `container "server"`. */
export function containerSubject(role: ContainerRole, variable = "c"): string {
  return `${celString(`${role.label} "`)} + ${variable}.name + ${celString('"')}`;
}

/**
 * Problems per container, for every role: `perContainer((c, subject) => listExpr)` where
 * listExpr is a CEL list(string) of problems of container `c` (messages without the subject).
 */
export function perContainer(problems: (container: string) => string): string {
  const lists = CONTAINER_ROLES.map(
    (role) => `${role.list}.map(c, (${problems("c")}).map(p, ${containerSubject(role)} + ": " + p))`,
  );
  return `(${lists.join(" + ")}).flatten()`;
}

/** A CEL list literal of strings. */
export function celList(items: readonly string[]): string {
  return `[${items.map(celString).join(", ")}]`;
}

/** `when ? [message] : []`, a one-problem list. */
export function problemIf(when: string, message: string): string {
  return `((${when}) ? [${message}] : [])`;
}

/** The map at `expression.field`, or {} when absent. */
export function mapOr(expression: string, field: string): string {
  return `(has(${expression}.${field}) ? ${expression}.${field} : {})`;
}
