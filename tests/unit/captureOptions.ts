import { strict as assert } from "node:assert";
import type * as pulumi from "@pulumi/pulumi";

/**
 * Records the resource options a component passes to its child of one type, so tests can check
 * ordering (`dependsOn`) and replacement options, which the mocks do not see. Pass
 * `transformations` in the component's options: a parent's transformations run for its children.
 */
export function captureOptions(type: string): {
  transformations: pulumi.ResourceTransformation[];
  options: () => pulumi.CustomResourceOptions;
} {
  const seen: pulumi.ResourceOptions[] = [];
  return {
    transformations: [
      (t) => {
        if (t.type === type) seen.push(t.opts);
        return undefined;
      },
    ],
    options: () => {
      assert.equal(seen.length, 1, `expected one ${type} to be registered`);
      return seen[0] ?? {};
    },
  };
}
