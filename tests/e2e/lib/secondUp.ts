/**
 * "A second `pulumi up` changes nothing and leaves the replica count to the autoscaler": the
 * check the HPA and KEDA suites share. The up must succeed with no change reported, must not
 * write the Deployment (its generation stays), and no Pulumi field manager may own
 * spec.replicas (the autoscaler does, through the scale subresource).
 */
import { strict as assert } from "node:assert";
import type { Deployment } from "./k8s";
import { describeRun } from "./run";
import { errorsOf, type LocalStack, summaryOf } from "./stack";

/** A Deployment read with `--show-managed-fields`. */
export interface ManagedDeployment extends Deployment {
  readonly metadata: Deployment["metadata"] & {
    readonly generation: number;
    readonly managedFields?: readonly { readonly manager: string; readonly fieldsV1?: unknown }[];
  };
}

/** The field managers that own the Deployment's spec.replicas. */
export function replicaOwners(d: ManagedDeployment): string[] {
  return (d.metadata.managedFields ?? [])
    .filter((f) => {
      const spec = (f.fieldsV1 as { "f:spec"?: Record<string, unknown> } | undefined)?.["f:spec"];
      return spec !== undefined && "f:replicas" in spec;
    })
    .map((f) => f.manager);
}

/** Runs the second up and checks it; resolves to the Deployment after it, for the caller's replica checks. */
export async function upChangesNothing(
  stack: LocalStack,
  deployment: () => Promise<ManagedDeployment>,
): Promise<ManagedDeployment> {
  const before = await deployment();
  const { result, events } = await stack.upJson();
  assert.equal(result.code, 0, `${describeRun("pulumi up", [], result)}\n${errorsOf(events)}`);
  const changed = Object.entries(summaryOf(events).resourceChanges ?? {}).filter(
    ([op, n]) => op !== "same" && n > 0,
  );
  assert.deepEqual(changed, [], "a second pulumi up reports no changes");
  const after = await deployment();
  assert.equal(after.metadata.generation, before.metadata.generation, "the Deployment was not written");
  const owners = replicaOwners(after);
  assert.ok(
    owners.every((m) => !m.startsWith("pulumi")),
    `spec.replicas is owned by ${owners.join(", ")}`,
  );
  return after;
}
