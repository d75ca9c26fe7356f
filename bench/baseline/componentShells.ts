// A variant of the baseline for telling the SDK's price of a component apart from the price of
// this project's code: the plain program plus one empty ComponentResource for every component
// the real program registered (same type tokens and names), with the Kubernetes objects
// registered under them as their children, as in the program, but no outputs and none of the
// program's code. What the real program costs on top of this variant is its own code: config
// validation, planning, spec builders and the Outputs that carry values and dependencies
// between resources.

import * as pulumi from "@pulumi/pulumi";
import type { RecordedResource } from "../lib/mocks";
import { type PlainProgram, registerPlain } from "./plainProgram";

class Shell extends pulumi.ComponentResource {
  constructor(type: string, name: string, parent: Shell | undefined) {
    super(type, name, {}, parent === undefined ? {} : { parent });
    this.registerOutputs({});
  }
}

export function registerPlainWithShells(recorded: readonly RecordedResource[]): PlainProgram {
  const shells = new Map<string, Shell>();
  const parentOf = (r: RecordedResource): Shell | undefined =>
    r.parent === undefined ? undefined : shells.get(r.parent);
  // A component registers before its children, so its parent is always created first.
  for (const r of recorded) {
    if (!r.type.startsWith("kubernetes:"))
      shells.set(`${r.type}::${r.name}`, new Shell(r.type, r.name, parentOf(r)));
  }
  // The Kubernetes objects keep the baseline's recorded dependsOn and options, with the parent.
  return registerPlain(recorded, (r) => {
    const parent = parentOf(r);
    return parent === undefined ? undefined : { parent };
  });
}
