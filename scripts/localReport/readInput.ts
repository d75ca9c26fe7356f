// Reading the files scripts/up-local.sh writes with kubectl for the report.

import * as fs from "node:fs";
import * as path from "node:path";
import type { MLWorkflow, NamespacedObject, Node } from "./kubernetesObjects";
import type { KueueWorkload } from "./queue";
import type { LocalReportInput } from "./report";

/** The `items` of a kubectl List printed with `-o json`; anything else is an error naming the file. */
function listItems(file: string): unknown[] {
  const list = JSON.parse(fs.readFileSync(file, "utf8")) as { items?: unknown };
  if (!Array.isArray(list.items)) throw new Error(`${file}: not a kubectl list (no items)`);
  return list.items;
}

/**
 * The report's input from `<dir>/nodes.json`, `<dir>/objects.json`, `<dir>/workflows.json` and
 * `<dir>/queue.json` (the namespace's Kueue Workloads).
 * The items are taken as kubectl printed them, without checking each field.
 */
export function readReportInput(
  dir: string,
  stack: string,
  namespace: string,
  kubeconfig: string,
): LocalReportInput {
  return {
    stack,
    namespace,
    kubeconfig,
    nodes: listItems(path.join(dir, "nodes.json")) as Node[],
    objects: listItems(path.join(dir, "objects.json")) as NamespacedObject[],
    workflows: listItems(path.join(dir, "workflows.json")) as MLWorkflow[],
    queueWorkloads: listItems(path.join(dir, "queue.json")) as KueueWorkload[],
  };
}
