import type * as k8s from "@pulumi/kubernetes";
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import type * as pulumi from "@pulumi/pulumi";
import type { ChildOptions } from "./childOptions";
import { fieldsOf } from "./resolve";

/**
 * An instance of a CRD (a ServiceMonitor, a KEDA ScaledObject) that a shared helper creates for
 * its owner: metadata and spec built from the settings, with the owner's options (see
 * lib/component.ts) for the type token the engine gives it, `kubernetes:<apiVersion>:<kind>`
 * (what an alias to it must name).
 */
export function createCustomResourceChild<S>(
  childName: string,
  apiVersion: string,
  kind: string,
  settings: pulumi.Output<S>,
  build: (settings: S) => { metadata: k8s.types.input.meta.v1.ObjectMeta; spec: unknown },
  childOptions: ChildOptions,
): apiextensions.CustomResource {
  return new apiextensions.CustomResource(
    childName,
    { apiVersion, kind, ...fieldsOf(settings, build, ["metadata", "spec"]) },
    childOptions(childName, `kubernetes:${apiVersion}:${kind}`),
  );
}
