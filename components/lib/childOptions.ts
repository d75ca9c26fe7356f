import type * as pulumi from "@pulumi/pulumi";

/**
 * Resource options for a child a shared helper creates, given the child's name and type token,
 * so that the owning component can add its own (a parent, dependencies, aliases).
 */
export type ChildOptions = (childName: string, childType: string) => pulumi.CustomResourceOptions;
