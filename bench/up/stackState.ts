// What the `up` benchmark reads from a stack's exported state (`pulumi stack export
// --show-secrets`): the Kubernetes objects the up created, for the kubectl side, and the same
// objects as a recording with their parents and dependency edges, for the plain baseline
// program (bench/baseline/up), so all three sides deploy the very same objects.

import { keyOfUrn, type RecordedResource } from "../lib/mocks";

/** What the export holds of one resource. */
export interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly parent?: string;
  readonly dependencies?: readonly string[];
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: { readonly metadata?: { readonly name?: string; readonly namespace?: string } };
}

/** Kinds applied before the rest, as the program's dependency edges order them. */
const FIRST_KINDS = ["Namespace", "CustomResourceDefinition", "PriorityClass"];

/** The resources of an exported state, parsed once for both readers below. */
export function stateResources(exported: string): StateResource[] {
  const state = JSON.parse(exported) as { deployment: { resources?: StateResource[] } };
  return state.deployment.resources ?? [];
}

function isObject(resource: StateResource): boolean {
  return (
    resource.type.startsWith("kubernetes:") &&
    !resource.type.startsWith("kubernetes:helm") &&
    resource.inputs !== undefined
  );
}

/** The object a resource sent: its inputs without the SDK's keys, with the name and namespace it got. */
function objectOf(resource: StateResource): Record<string, unknown> {
  // Keys the SDK adds for the provider (e.g. "__defaults"), not parts of the object.
  const inputs = Object.fromEntries(
    Object.entries(resource.inputs ?? {}).filter(([key]) => !key.startsWith("__")),
  );
  const metadata = { ...((inputs.metadata ?? {}) as Record<string, unknown>) };
  if (resource.outputs?.metadata?.name !== undefined) metadata.name = resource.outputs.metadata.name;
  if (resource.outputs?.metadata?.namespace !== undefined)
    metadata.namespace = resource.outputs.metadata.namespace;
  return { ...inputs, metadata };
}

/** The Kubernetes objects of a stack's exported state; namespaces, CRDs and PriorityClasses first. */
export function stateObjects(resources: readonly StateResource[]): Record<string, unknown>[] {
  const rank = (object: Record<string, unknown>): number => {
    const index = FIRST_KINDS.indexOf(String(object.kind));
    return index === -1 ? FIRST_KINDS.length : index;
  };
  return resources
    .filter(isObject)
    .map(objectOf)
    .sort((a, b) => rank(a) - rank(b));
}

/**
 * The state as a recording for the baseline (bench/baseline/plainProgram.ts): each Kubernetes
 * object with the object it sent, and each component with its parent and dependencies, so that
 * registerPlain gives every object the edges it had, its components' included. The state lists
 * resources in dependency order, which registerPlain needs.
 */
export function stateRecording(resources: readonly StateResource[]): RecordedResource[] {
  const recording: RecordedResource[] = [];
  for (const resource of resources) {
    if (resource.type.startsWith("pulumi:")) continue;
    const kubernetes = resource.type.startsWith("kubernetes:");
    if (kubernetes && !isObject(resource)) continue;
    const dependsOn = [...new Set((resource.dependencies ?? []).map(keyOfUrn))].filter(
      (key): key is string => key?.startsWith("kubernetes:") === true,
    );
    const parent = resource.parent === undefined ? undefined : keyOfUrn(resource.parent);
    recording.push({
      type: resource.type,
      name: resource.urn.split("::").slice(3).join("::"),
      inputs: kubernetes ? objectOf(resource) : {},
      ...(parent === undefined || parent.startsWith("pulumi:") ? {} : { parent }),
      ...(dependsOn.length === 0 ? {} : { dependsOn }),
    });
  }
  return recording;
}
