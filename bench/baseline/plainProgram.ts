// The benchmark's baseline: a plain Pulumi program that registers Kubernetes objects directly
// with @pulumi/kubernetes, one resource per object, no components, no config validation, no
// planning. It replays the inputs recorded from a run of the real program (bench/child.ts
// --record), so it registers the very objects the program does, of the same kinds and counts,
// and the difference between the two is what this project's code adds.
//
// It also carries the program's dependency edges and options, the cheapest way a hand-written
// program would: each object `dependsOn` the objects its recorded registration depended on (by
// reference to the resources already registered here), with `deleteBeforeReplace` and
// `ignoreChanges` where the program set them. A plain program without those edges could not
// deploy (Kubernetes rejects a Deployment in a namespace that does not exist yet), and with them
// the comparison is about components, validation and Output wiring, not about leaving out the
// dependency graph.

import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { RecordedResource } from "../lib/mocks";

/** Registers one recorded Kubernetes object with its class (a CustomResource for CRD kinds). */
function register(
  r: RecordedResource,
  opts: pulumi.CustomResourceOptions | undefined,
): pulumi.CustomResource {
  const args = r.inputs as never;
  switch (r.type) {
    case "kubernetes:core/v1:Namespace":
      return new k8s.core.v1.Namespace(r.name, args, opts);
    case "kubernetes:core/v1:ResourceQuota":
      return new k8s.core.v1.ResourceQuota(r.name, args, opts);
    case "kubernetes:core/v1:LimitRange":
      return new k8s.core.v1.LimitRange(r.name, args, opts);
    case "kubernetes:core/v1:ServiceAccount":
      return new k8s.core.v1.ServiceAccount(r.name, args, opts);
    case "kubernetes:core/v1:Service":
      return new k8s.core.v1.Service(r.name, args, opts);
    case "kubernetes:core/v1:ConfigMap":
      return new k8s.core.v1.ConfigMap(r.name, args, opts);
    case "kubernetes:core/v1:Secret":
      return new k8s.core.v1.Secret(r.name, args, opts);
    case "kubernetes:networking.k8s.io/v1:NetworkPolicy":
      return new k8s.networking.v1.NetworkPolicy(r.name, args, opts);
    case "kubernetes:rbac.authorization.k8s.io/v1:Role":
      return new k8s.rbac.v1.Role(r.name, args, opts);
    case "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding":
      return new k8s.rbac.v1.RoleBinding(r.name, args, opts);
    case "kubernetes:scheduling.k8s.io/v1:PriorityClass":
      return new k8s.scheduling.v1.PriorityClass(r.name, args, opts);
    case "kubernetes:apps/v1:Deployment":
      return new k8s.apps.v1.Deployment(r.name, args, opts);
    case "kubernetes:apps/v1:StatefulSet":
      return new k8s.apps.v1.StatefulSet(r.name, args, opts);
    case "kubernetes:batch/v1:Job":
      return new k8s.batch.v1.Job(r.name, args, opts);
    case "kubernetes:policy/v1:PodDisruptionBudget":
      return new k8s.policy.v1.PodDisruptionBudget(r.name, args, opts);
    case "kubernetes:autoscaling/v2:HorizontalPodAutoscaler":
      return new k8s.autoscaling.v2.HorizontalPodAutoscaler(r.name, args, opts);
    case "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition":
      return new k8s.apiextensions.v1.CustomResourceDefinition(r.name, args, opts);
    default:
      // ServiceMonitor, ScaledObject, MLWorkflow: instances of CRDs.
      return new k8s.apiextensions.CustomResource(r.name, args, opts);
  }
}

export interface PlainProgram {
  /** The registered Kubernetes objects, in the order of the recording. */
  readonly resources: pulumi.CustomResource[];
  /**
   * Recorded dependencies left out because no object of that key had been registered yet (or
   * at all). The recording is in registration order and a dependency registers before its
   * dependents, so this is 0 for a recording of the program.
   */
  readonly skippedDependencies: number;
}

/**
 * The recording with each component's dependencies moved onto the Kubernetes objects under it:
 * in the program a child registers only once its parent component has, and a component
 * registers only once its `dependsOn` exist, so those are the child's dependencies too (the
 * program gives a workload component its namespace, PriorityClass and queue that way). The
 * components keep no dependencies of their own.
 */
export function withInheritedDependencies(recorded: readonly RecordedResource[]): RecordedResource[] {
  const byKey = new Map(recorded.map((r) => [`${r.type}::${r.name}`, r]));
  return recorded.map((r) => {
    const { dependsOn: own, ...rest } = r;
    if (!r.type.startsWith("kubernetes:")) return rest;
    const dependsOn = new Set(own ?? []);
    for (let parent = r.parent; parent !== undefined; parent = byKey.get(parent)?.parent)
      for (const key of byKey.get(parent)?.dependsOn ?? []) dependsOn.add(key);
    return dependsOn.size === 0 ? rest : { ...rest, dependsOn: [...dependsOn] };
  });
}

/**
 * Registers every recorded Kubernetes object (component registrations are skipped) with the
 * dependency edges and options of its recorded registration: `dependsOn` the objects registered
 * for its recorded dependencies and those of its components (withInheritedDependencies), `deleteBeforeReplace` and `ignoreChanges` when it had them.
 * `optionsOf` adds options of its own (componentShells.ts: the parent), merged over those.
 */
export function registerPlain(
  recorded: readonly RecordedResource[],
  optionsOf: (r: RecordedResource) => pulumi.CustomResourceOptions | undefined = () => undefined,
): PlainProgram {
  const registered = new Map<string, pulumi.CustomResource>();
  const resources: pulumi.CustomResource[] = [];
  let skippedDependencies = 0;
  for (const r of withInheritedDependencies(recorded)) {
    if (!r.type.startsWith("kubernetes:")) continue;
    const dependsOn: pulumi.CustomResource[] = [];
    for (const key of r.dependsOn ?? []) {
      const dependency = registered.get(key);
      if (dependency === undefined) skippedDependencies++;
      else dependsOn.push(dependency);
    }
    const opts: pulumi.CustomResourceOptions = {
      ...(dependsOn.length === 0 ? {} : { dependsOn }),
      ...(r.deleteBeforeReplace === true ? { deleteBeforeReplace: true } : {}),
      ...(r.ignoreChanges === undefined || r.ignoreChanges.length === 0
        ? {}
        : { ignoreChanges: r.ignoreChanges }),
      ...optionsOf(r),
    };
    const resource = register(r, Object.keys(opts).length === 0 ? undefined : opts);
    registered.set(`${r.type}::${r.name}`, resource);
    resources.push(resource);
  }
  return { resources, skippedDependencies };
}
