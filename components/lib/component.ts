/**
 * The one way every component registers its children: under the component (`parent`), and
 * replaced delete-first, because every child has a fixed Kubernetes name that an old and a new
 * object cannot share.
 */
import type * as pulumi from "@pulumi/pulumi";

/** Resource options of a child of `parent`; `extra` adds to them (dependencies, aliases, ...). */
export function childOptions(
  parent: pulumi.Resource,
  extra: pulumi.CustomResourceOptions = {},
): pulumi.CustomResourceOptions {
  return { parent, deleteBeforeReplace: true, ...extra };
}
