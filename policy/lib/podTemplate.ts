/** Finding the pod spec of every kind that carries a pod template, and iterating its containers. */

import { fieldPath } from "./paths";
import type { K8sResource } from "./resource";
import { arr, isUnknown, memo, obj, str, stringMap, type Obj } from "./values";

/** Where a kind keeps its pod template, and which API groups the kind counts in. */
interface TemplateLocation {
  readonly groups: readonly string[];
  /** Path from the object root to the pod template (the object holding metadata and spec). */
  readonly template: readonly string[];
}

const APPS = ["apps", "extensions"] as const;

/** The kinds whose pod template the resource policies check. CronJob's template is one level deeper. */
export const POD_TEMPLATE_KINDS: Readonly<Partial<Record<string, TemplateLocation>>> = {
  Pod: { groups: [""], template: [] },
  Deployment: { groups: APPS, template: ["spec", "template"] },
  ReplicaSet: { groups: APPS, template: ["spec", "template"] },
  StatefulSet: { groups: APPS, template: ["spec", "template"] },
  DaemonSet: { groups: APPS, template: ["spec", "template"] },
  Job: { groups: ["batch"], template: ["spec", "template"] },
  CronJob: { groups: ["batch"], template: ["spec", "jobTemplate", "spec", "template"] },
};

/** A workload's pod template: its spec and labels, with the paths messages name. */
export interface PodTemplate {
  readonly resource: K8sResource;
  /**
   * The pod spec, or undefined when it is missing or unknown during preview. The object itself is
   * mutable on purpose: pod remediations fill in fields on the private copy they are given.
   */
  readonly spec: Obj | undefined;
  readonly specUnknown: boolean;
  /** e.g. "spec.template.spec". */
  readonly specPath: string;
  /** The pod template's labels ({} when none). */
  readonly labels: Readonly<Record<string, string>>;
  /** True when the labels (or one of them) are unknown during preview. */
  readonly labelsUnknown: boolean;
  /** e.g. "spec.template.metadata.labels". */
  readonly labelsPath: string;
  /** The pod template's annotations ({} when none or unknown). */
  readonly annotations: Readonly<Record<string, string>>;
  /** e.g. "spec.template.metadata.annotations". */
  readonly annotationsPath: string;
  /** Pods this template runs at most, for custom resources (from their table entry). */
  readonly scale?: TemplateScale;
  /** A template that runs nothing by itself (e.g. a training runtime): checked, never counted. */
  readonly templateOnly?: boolean;
  /** Only container resources are known (TrainJob): counted for quotas, not checked by pod rules. */
  readonly resourcesOnly?: boolean;
  /** A model server whatever its labels (custom resources whose table entry says so). */
  readonly modelServer?: boolean;
  /** Fields of the spec holding one container each, besides the lists (KServe's `model`). */
  readonly containerFields?: readonly string[];
}

/** A pod count at maximum scale, and how it was worked out (for messages). */
export interface TemplateScale {
  /** undefined when a figure is unknown during preview. */
  readonly pods: number | undefined;
  readonly how: string;
}

/** Whether the resource is one of the kinds with a pod template (in its own API group). */
export function isPodTemplateKind(resource: K8sResource): boolean {
  const location = POD_TEMPLATE_KINDS[resource.kind];
  return location !== undefined && location.groups.includes(resource.group);
}

const TEMPLATE = Symbol("podTemplate");
const CONTAINERS = Symbol("containers");

/** The pod template of a workload, or undefined when the kind carries none (cached per resource). */
export function podTemplateOf(resource: K8sResource): PodTemplate | undefined {
  return memo(resource, TEMPLATE, () => readPodTemplate(resource));
}

function readPodTemplate(resource: K8sResource): PodTemplate | undefined {
  const location = POD_TEMPLATE_KINDS[resource.kind];
  if (!location?.groups.includes(resource.group)) return undefined;
  let current: unknown = resource.object;
  let unknown = false;
  for (const segment of location.template) {
    if (isUnknown(current)) break;
    current = obj(current)?.[segment];
  }
  if (isUnknown(current)) unknown = true;
  const template = obj(current);
  const metadata = template?.metadata;
  const rawLabels = obj(metadata)?.labels;
  const labelsUnknown =
    unknown ||
    isUnknown(metadata) ||
    isUnknown(rawLabels) ||
    Object.values(obj(rawLabels) ?? {}).some(isUnknown);
  const spec = template?.spec;
  const prefix = location.template.join(".");
  return {
    resource,
    spec: obj(spec),
    specUnknown: unknown || isUnknown(spec),
    specPath: fieldPath(prefix, "spec"),
    labels: stringMap(rawLabels),
    labelsUnknown,
    labelsPath: fieldPath(prefix, "metadata", "labels"),
    annotations: stringMap(obj(metadata)?.annotations),
    annotationsPath: fieldPath(prefix, "metadata", "annotations"),
  };
}

/** A regular container, an init container, or a native sidecar (init container, restartPolicy Always). */
export type ContainerRole = "container" | "initContainer" | "sidecar" | "ephemeral";

/** One container of a pod template, with its role and the path and label messages use. */
export interface ContainerRef {
  /** The container object itself, mutable on purpose: remediations edit it in their private copy. */
  readonly container: Obj;
  readonly name: string;
  readonly role: ContainerRole;
  /** e.g. "spec.template.spec.initContainers[1]". */
  readonly path: string;
  /** e.g. `init container "loader"`, for messages. */
  readonly label: string;
}

/** A pod template's containers, and the parts unknown during preview. */
export interface ContainerList {
  /** Regular containers first, then init containers (native sidecars included) in declaration order. */
  readonly refs: readonly ContainerRef[];
  /** Paths of container lists or containers that are unknown during preview. */
  readonly undecided: readonly string[];
}

const ROLE_LABEL: Readonly<Record<ContainerRole, string>> = {
  container: "container",
  initContainer: "init container",
  sidecar: "sidecar container",
  ephemeral: "ephemeral container",
};

const SECURITY_CONTAINERS = Symbol("securityContainers");

/**
 * The containers Pod Security reads: containersOf() plus ephemeral containers (debug containers
 * added to a running Pod), which run on the node like the others but take no resources.
 */
export function securityContainersOf(template: PodTemplate): readonly ContainerRef[] {
  return memo(template, SECURITY_CONTAINERS, () => {
    const refs = [...containersOf(template).refs];
    const listPath = fieldPath(template.specPath, "ephemeralContainers");
    (arr(template.spec?.ephemeralContainers) ?? []).forEach((item, index) => {
      const container = obj(item);
      if (!container) return;
      const name = str(container.name) ?? `#${index}`;
      refs.push({
        container,
        name,
        role: "ephemeral",
        path: `${listPath}[${index}]`,
        label: `${ROLE_LABEL.ephemeral} "${name}"`,
      });
    });
    return refs;
  });
}

/**
 * Every container, init container and native sidecar (an init container with restartPolicy Always).
 * Cached per template: callers must not change the lists (remediations may change the containers).
 */
export function containersOf(template: PodTemplate): ContainerList {
  return memo(template, CONTAINERS, () => readContainers(template));
}

function readContainers(template: PodTemplate): ContainerList {
  const refs: ContainerRef[] = [];
  const undecided: string[] = [];
  if (!template.spec) {
    if (template.specUnknown) undecided.push(template.specPath);
    return { refs, undecided };
  }
  for (const field of ["containers", "initContainers"] as const) {
    const raw = template.spec[field];
    const listPath = fieldPath(template.specPath, field);
    if (isUnknown(raw)) {
      undecided.push(listPath);
      continue;
    }
    const list = arr(raw) ?? [];
    for (let index = 0; index < list.length; index++) {
      const item = list[index];
      const path = `${listPath}[${index}]`;
      const container = obj(item);
      if (!container) {
        if (isUnknown(item)) undecided.push(path);
        continue;
      }
      const role: ContainerRole =
        field === "containers"
          ? "container"
          : container.restartPolicy === "Always"
            ? "sidecar"
            : "initContainer";
      const name = str(container.name) ?? `#${index}`;
      refs.push({ container, name, role, path, label: `${ROLE_LABEL[role]} "${name}"` });
    }
  }
  for (const field of template.containerFields ?? []) {
    const raw = template.spec[field];
    const path = fieldPath(template.specPath, field);
    if (isUnknown(raw)) undecided.push(path);
    const container = obj(raw);
    if (!container) continue;
    const name = str(container.name) ?? field;
    refs.push({ container, name, role: "container", path, label: `${ROLE_LABEL.container} "${name}"` });
  }
  return { refs, undecided };
}

/**
 * The pod's effective amount of a resource as the scheduler and quota compute it (KEP-753):
 * max( max over init containers of (init + native sidecars started before it),
 *      sum(regular containers) + sum(native sidecars) ).
 */
export function effectivePodAmount(
  refs: readonly ContainerRef[],
  amount: (ref: ContainerRef) => number,
): number {
  let sidecars = 0;
  let maxInit = 0;
  let regular = 0;
  for (const ref of refs) {
    const containerAmount = amount(ref);
    if (ref.role === "container") regular += containerAmount;
    else if (ref.role === "sidecar") sidecars += containerAmount;
    else if (ref.role === "initContainer") maxInit = Math.max(maxInit, containerAmount + sidecars);
  }
  return Math.max(maxInit, regular + sidecars);
}
