/**
 * Checks that a stack's state and the cluster agree one to one: every object the state records
 * exists with the recorded uid (nothing lost, nothing re-created), and no object of the project
 * exists that no state records (nothing duplicated, no orphans).
 */
import { strict as assert } from "node:assert";
import { getOrUndefined, kubectl, kubectlJson } from "./cluster";
import { type KObject, live, PART_OF_SELECTOR } from "./k8s";
import { type ManagedObject, objectKey } from "./stack";

/** Every object with the project's part-of label, of any kind the API server can list. */
export async function labelledObjects(): Promise<KObject[]> {
  const kinds = (await kubectl(["api-resources", "--verbs=list", "-o", "name"]))
    .split("\n")
    .map((s) => s.trim())
    .filter((s) => s !== "" && s !== "componentstatuses");
  return (await kubectlJson<{ items: KObject[] }>([kinds.join(","), "-A", "-l", PART_OF_SELECTOR])).items;
}

/**
 * Keys of the project's objects in the cluster, limited to the kinds the stacks manage
 * themselves and, with `namespaces`, to objects in those namespaces.
 */
async function clusterObjectKeys(
  kinds: ReadonlySet<string>,
  namespaces?: ReadonlySet<string>,
): Promise<string[]> {
  return live(await labelledObjects())
    .filter((o) => kinds.has(o.kind))
    .filter((o) => namespaces === undefined || namespaces.has(o.metadata.namespace ?? ""))
    .map((o) => objectKey({ kind: o.kind, namespace: o.metadata.namespace ?? "", name: o.metadata.name }))
    .sort();
}

/**
 * Checks that every managed object exists with the recorded uid, and nothing else of those
 * kinds does: in the whole cluster, or, with `namespaces`, in those namespaces (so a test can
 * judge its own stack while others run beside it).
 */
export async function assertStateMatchesCluster(
  objects: readonly ManagedObject[],
  namespaces?: ReadonlySet<string>,
): Promise<void> {
  const keys = objects.map(objectKey);
  assert.equal(new Set(keys).size, keys.length, `the state holds an object twice: ${keys.join(", ")}`);
  const urns = objects.map((o) => o.urn);
  assert.equal(new Set(urns).size, urns.length, "the state holds a URN twice");
  for (const o of objects) {
    const group = o.apiVersion.includes("/") ? `.${o.apiVersion.split("/")[0] ?? ""}` : "";
    const found = await getOrUndefined<KObject>([
      `${o.kind}${group}`,
      o.name,
      ...(o.namespace === "" ? [] : ["-n", o.namespace]),
    ]);
    assert.ok(found !== undefined, `${objectKey(o)} is in the state but not in the cluster`);
    if (o.uid !== undefined) assert.equal(found.metadata.uid, o.uid, `${objectKey(o)} was re-created`);
  }
  const kinds = new Set(objects.map((o) => o.kind));
  const inScope = objects.filter((o) => namespaces === undefined || namespaces.has(o.namespace));
  assert.deepEqual(
    await clusterObjectKeys(kinds, namespaces),
    inScope.map(objectKey).sort(),
    "the project's objects in the cluster differ from the stacks' state",
  );
}
