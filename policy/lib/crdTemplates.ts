/** The pod templates of a custom resource, found through the table of customResources.ts. */

import {
  customResourceKinds,
  type CustomResourceKind,
  type ReplicaFactor,
  type TemplateLocation,
} from "./customResources";
import { fieldPath } from "./paths";
import { podTemplateOf, type PodTemplate, type TemplateScale } from "./podTemplate";
import type { K8sResource } from "./resource";
import { arr, hasUnknown, isObj, isUnknown, memo, obj, stringMap, type Obj } from "./values";

/** One match of a wildcard path: the value, the keys the `*`s took, and the concrete path. */
interface Match {
  readonly value: unknown;
  readonly bindings: readonly string[];
  readonly path: readonly (string | number)[];
}

function matchPath(root: unknown, pattern: string): Match[] {
  let matches: Match[] = [{ value: root, bindings: [], path: [] }];
  for (const segment of pattern.split(".")) {
    const next: Match[] = [];
    for (const match of matches) {
      const { value } = match;
      if (segment === "*") {
        const list = arr(value);
        if (list) {
          list.forEach((item, index) =>
            next.push({
              value: item,
              bindings: [...match.bindings, String(index)],
              path: [...match.path, index],
            }),
          );
        } else if (isObj(value)) {
          for (const [key, item] of Object.entries(value))
            next.push({ value: item, bindings: [...match.bindings, key], path: [...match.path, key] });
        }
      } else if (isObj(value) && segment in value) {
        next.push({ value: value[segment], bindings: match.bindings, path: [...match.path, segment] });
      }
    }
    matches = next;
  }
  return matches;
}

/** The value at a path whose `*`s take the given keys in order (undefined when absent). */
function valueAt(root: unknown, pattern: string, bindings: readonly string[]): unknown {
  let current = root;
  let wildcard = 0;
  for (const segment of pattern.split(".")) {
    const key = segment === "*" ? bindings.at(wildcard++) : segment;
    if (key === undefined) return undefined;
    if (Array.isArray(current)) current = current[Number(key)];
    else if (isObj(current)) current = current[key];
    else return undefined;
  }
  return current;
}

const concrete = (pattern: string, bindings: readonly string[]): string => {
  let wildcard = 0;
  return pattern
    .split(".")
    .map((segment) => (segment === "*" ? (bindings.at(wildcard++) ?? "*") : segment))
    .join(".");
};

function factorValue(root: Obj, factor: ReplicaFactor, bindings: readonly string[]): TemplateScale {
  let value = factor.default;
  let how = `${factor.default} (${concrete(factor.paths[0] ?? "", bindings)} unset)`;
  for (const pattern of factor.paths) {
    const raw = valueAt(root, pattern, bindings);
    if (raw === undefined || raw === null) continue;
    const where = concrete(pattern, bindings);
    if (isUnknown(raw) || typeof raw !== "number") return { pods: undefined, how: `${where} unknown` };
    value = raw;
    how = `${where} ${raw}`;
    break;
  }
  const { offset, offsetWhenSet } = factor;
  const whenSet = offsetWhenSet === undefined ? true : valueAt(root, offsetWhenSet, bindings) != null;
  if (offset !== undefined && whenSet) {
    value = Math.max(0, value + offset);
    how = `(${how} ${offset < 0 ? "-" : "+"} ${Math.abs(offset)})`;
  }
  return { pods: value, how };
}

function scaleOf(root: Obj, location: TemplateLocation, bindings: readonly string[]): TemplateScale {
  const factors = location.replicas ?? [];
  if (factors.length === 0) return { pods: 1, how: "1 pod" };
  let pods = 1;
  const parts: string[] = [];
  for (const factor of factors) {
    const part = factorValue(root, factor, bindings);
    if (part.pods === undefined) return part;
    pods *= part.pods;
    parts.push(part.how);
  }
  return { pods, how: parts.join(" x ") };
}

function templateAt(
  resource: K8sResource,
  location: TemplateLocation,
  match: Match,
): PodTemplate | undefined {
  const root = resource.object;
  const path = fieldPath("", ...match.path);
  const scale = scaleOf(root, location, match.bindings);
  const common = {
    resource,
    scale,
    templateOnly: location.templateOnly === true,
    modelServer: location.modelServer === true,
    annotationsPath: fieldPath(path, "metadata", "annotations"),
  };
  if (isUnknown(match.value)) {
    return {
      ...common,
      spec: undefined,
      specUnknown: true,
      specPath: path,
      labels: {},
      labelsUnknown: true,
      labelsPath: path,
      annotations: {},
    };
  }
  const value = obj(match.value);
  if (!value) return undefined;
  const shape = location.shape ?? "template";
  if (shape === "resources") {
    return {
      ...common,
      spec: { containers: [{ name: "node", resources: value }] },
      specUnknown: false,
      specPath: path,
      labels: stringMap(obj(resource.object.metadata)?.labels),
      labelsUnknown: false,
      labelsPath: "metadata.labels",
      annotations: {},
      resourcesOnly: true,
    };
  }
  if (shape === "podSpec") {
    const labelPaths = (location.labels ?? []).map((pattern) => concrete(pattern, match.bindings));
    const labels: Record<string, string> = {};
    let labelsUnknown = false;
    for (const pattern of location.labels ?? []) {
      const raw = valueAt(root, pattern, match.bindings);
      if (hasUnknown(raw)) labelsUnknown = true;
      Object.assign(labels, stringMap(raw));
    }
    return {
      ...common,
      spec: value,
      specUnknown: false,
      specPath: path,
      labels,
      labelsUnknown,
      labelsPath: labelPaths.at(-1) ?? "metadata.labels",
      annotations: stringMap(obj(resource.object.metadata)?.annotations),
      annotationsPath: "metadata.annotations",
      containerFields: location.containerFields ?? [],
    };
  }
  const metadata = value.metadata;
  const rawLabels = obj(metadata)?.labels;
  return {
    ...common,
    spec: obj(value.spec),
    specUnknown: isUnknown(value.spec),
    specPath: fieldPath(path, "spec"),
    labels: stringMap(rawLabels),
    labelsUnknown:
      isUnknown(metadata) || isUnknown(rawLabels) || Object.values(obj(rawLabels) ?? {}).some(isUnknown),
    labelsPath: fieldPath(path, "metadata", "labels"),
    annotations: stringMap(obj(metadata)?.annotations),
  };
}

const cacheKeys = new Map<string, symbol>();

function cacheKey(extra: readonly CustomResourceKind[]): symbol {
  const key = JSON.stringify(extra);
  let symbol = cacheKeys.get(key);
  if (!symbol) {
    symbol = Symbol("crdTemplates");
    if (cacheKeys.size < 64) cacheKeys.set(key, symbol);
  }
  return symbol;
}

/** The pod templates of a custom resource of a known kind ([] for other kinds), cached. */
export function customResourceTemplates(
  resource: K8sResource,
  extra: readonly CustomResourceKind[] = [],
): readonly PodTemplate[] {
  const entry = customResourceKinds(extra).find(
    (candidate) => candidate.kind === resource.kind && candidate.group === resource.group,
  );
  if (!entry) return [];
  return memo(resource, cacheKey(extra), () =>
    entry.templates.flatMap((location) =>
      matchPath(resource.object, location.path).flatMap(
        (match) => templateAt(resource, location, match) ?? [],
      ),
    ),
  );
}

/**
 * Every pod template of a resource: the one of a core workload kind, or those of a custom
 * resource of the table (built-in kinds plus `extra`).
 */
export function podTemplatesOf(
  resource: K8sResource,
  extra: readonly CustomResourceKind[] = [],
): readonly PodTemplate[] {
  const template = podTemplateOf(resource);
  return template ? [template] : customResourceTemplates(resource, extra);
}
