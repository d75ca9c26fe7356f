import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { registerPlainWithShells } from "../../bench/baseline/componentShells";
import {
  type PlainProgram,
  registerPlain,
  withInheritedDependencies,
} from "../../bench/baseline/plainProgram";
import { fleetConfigText } from "../../bench/fleet";
import { installMocks, type RecordedResource, waitForRegistrations } from "../../bench/lib/mocks";
import { main } from "../../program/main";

const NAMESPACE = "kubernetes:core/v1:Namespace::ml-fleet-ns";

const isKubernetes = (r: RecordedResource): boolean => r.type.startsWith("kubernetes:");
const keyOf = (r: RecordedResource): string => `${r.type}::${r.name}`;

/** Records the program's registrations for a fleet, the way `bench/child.ts program --record` does. */
async function recordProgram(models: number): Promise<RecordedResource[]> {
  const seen = await installMocks(true);
  pulumi.runtime.setAllConfig(fleetConfigText(models));
  main();
  await waitForRegistrations();
  assert.ok(seen.recorded !== undefined);
  return seen.recorded;
}

/** Replays a recording with the baseline (or its component-shells variant), recording the replay. */
async function replay(
  recorded: readonly RecordedResource[],
  register: (recorded: readonly RecordedResource[]) => PlainProgram,
): Promise<{ plain: PlainProgram; replayed: RecordedResource[] }> {
  const seen = await installMocks(true);
  const plain = register(recorded);
  await waitForRegistrations();
  assert.ok(seen.recorded !== undefined);
  return { plain, replayed: seen.recorded };
}

function find(recorded: readonly RecordedResource[], type: string, name: string): RecordedResource {
  const found = recorded.find((r) => r.type === type && r.name === name);
  assert.ok(found !== undefined, `no ${type} named ${name} was recorded`);
  return found;
}

/**
 * What the baseline has to reproduce of each registration, by key (registrations reach the mocks
 * as their dependencies resolve, not in construction order), dependencies in a stable order.
 */
function edgesAndOptions(recorded: readonly RecordedResource[], withParent: boolean): Map<string, object> {
  return new Map(
    recorded.map((r) => [
      keyOf(r),
      {
        dependsOn: [...(r.dependsOn ?? [])].sort(),
        deleteBeforeReplace: r.deleteBeforeReplace ?? false,
        ignoreChanges: r.ignoreChanges ?? [],
        ...(withParent ? { parent: r.parent } : {}),
      },
    ]),
  );
}

describe("the benchmark's baseline", () => {
  let program: RecordedResource[] = [];

  before(async () => {
    program = await recordProgram(2);
  });

  it("records each Kubernetes object's dependencies and replacement options", () => {
    const inherited = withInheritedDependencies(program);
    const deployment = find(inherited, "kubernetes:apps/v1:Deployment", "llm-0-deploy");
    const deploymentDependsOn = deployment.dependsOn ?? [];
    assert.ok(
      deploymentDependsOn.includes(NAMESPACE),
      "the Deployment depends on the Namespace (through its component)",
    );
    assert.ok(
      deploymentDependsOn.includes("kubernetes:core/v1:ServiceAccount::llm-0-sa"),
      "the Deployment depends on its ServiceAccount",
    );
    assert.equal(deployment.deleteBeforeReplace, true);
    assert.deepEqual(deployment.ignoreChanges, ["spec.replicas"]);

    const hpa = find(inherited, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "llm-0-scaling-hpa");
    assert.ok(
      !(hpa.dependsOn ?? []).includes("kubernetes:apps/v1:Deployment::llm-0-deploy"),
      "the HPA does not wait for the Deployment",
    );
    assert.ok(hpa.dependsOn?.includes(NAMESPACE), "the HPA depends on the Namespace");

    const namespace = find(program, "kubernetes:core/v1:Namespace", "ml-fleet-ns");
    assert.equal(namespace.dependsOn, undefined, "the Namespace depends on nothing");
    assert.equal(namespace.deleteBeforeReplace, true);

    for (const r of program) {
      for (const key of r.dependsOn ?? []) assert.match(key, /^kubernetes:/, `${keyOf(r)} depends on ${key}`);
    }
    for (const r of inherited)
      if (!isKubernetes(r)) assert.equal(r.dependsOn, undefined, `component ${keyOf(r)}`);
  });

  it("replays every Kubernetes object with the program's dependencies and options", async () => {
    const kubernetes = program.filter(isKubernetes);
    const { plain, replayed } = await replay(program, (recorded) => registerPlain(recorded));
    assert.equal(plain.skippedDependencies, 0);
    assert.equal(plain.resources.length, kubernetes.length);
    assert.equal(replayed.length, kubernetes.length);
    assert.deepEqual(
      edgesAndOptions(replayed, false),
      edgesAndOptions(withInheritedDependencies(program).filter(isKubernetes), false),
    );
    assert.ok(
      replayed.every((r) => r.parent === undefined),
      "the plain program has no components",
    );
  });

  it("keeps the dependencies and options under the component shells, with the parents", async () => {
    const { plain, replayed } = await replay(program, registerPlainWithShells);
    assert.equal(plain.skippedDependencies, 0);
    assert.equal(replayed.length, program.length);
    assert.deepEqual(
      edgesAndOptions(replayed, true),
      edgesAndOptions(withInheritedDependencies(program), true),
    );
  });

  it("counts a dependency that was not registered before its dependent as skipped", async () => {
    const namespace = find(program, "kubernetes:core/v1:Namespace", "ml-fleet-ns");
    const quota = find(program, "kubernetes:core/v1:ResourceQuota", "ml-fleet-quota");
    assert.deepEqual(quota.dependsOn, [NAMESPACE]);
    const { plain, replayed } = await replay([quota, namespace], (recorded) => registerPlain(recorded));
    assert.equal(plain.skippedDependencies, 1);
    assert.deepEqual(
      edgesAndOptions(replayed, false),
      edgesAndOptions([{ ...quota, dependsOn: [] }, namespace], false),
    );
  });
});
