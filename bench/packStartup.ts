// The start-up of the policy pack's analyzer process, which the engine waits for before it runs
// the program, so on a small stack it is most of the pack's preview overhead. It is measured
// the way the language host starts a Node.js pack (`run-policy-pack <engine> <pack dir>`, from
// the pack's own @pulumi/pulumi, in the pack's directory) until the analyzer listens, for this
// project's pack and for an empty pack (one policy that checks nothing) on the same packages:
// the empty pack's start-up is the price of Pulumi's policy runtime, and the difference is what
// this pack's own modules add.

import * as fs from "node:fs";
import * as path from "node:path";
import { run } from "./lib/children";

export interface PackStartupSample {
  /** CPU time of the analyzer process from its start until it listened. */
  cpuMs: number;
  /** Wall time from the process's time origin until it listened. */
  wallMs: number;
}

/**
 * Preloaded (`node -r`) into the analyzer. An analyzer prints its gRPC port on stdout once it
 * listens; at that first write the probe prints `PACKSTART {"cpuMs":..,"wallMs":..}` on stderr
 * and exits, so only the start-up is measured. Plain JavaScript, so it needs no loader.
 */
const PROBE_SOURCE = `"use strict";
const { performance } = require("node:perf_hooks");
const write = process.stdout.write.bind(process.stdout);
let reported = false;
process.stdout.write = (...args) => {
  if (!reported) {
    reported = true;
    const cpu = process.cpuUsage();
    process.stderr.write("PACKSTART " + JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() }) + "\\n");
    process.exit(0);
  }
  return write(...args);
};
`;

const EMPTY_PACK_SOURCE = `"use strict";
const { PolicyPack } = require("@pulumi/policy");
new PolicyPack("empty-pack", {
  policies: [{ name: "nothing", description: "Checks nothing.", enforcementLevel: "advisory", validateResource: () => undefined }],
});
`;

/** The probe, the empty pack and the runtime entry point, set up for `packStartOnce`. */
export interface PackStartupSetup {
  readonly packDir: string;
  readonly emptyPackDir: string;
  readonly probe: string;
  readonly runtimeEntry: string;
}

/**
 * Writes the probe and an empty pack below `<root>/policy/node_modules/.cache/<name>`, where the
 * empty pack loads the very same @pulumi/policy and @pulumi/pulumi as the project's pack. The
 * pack's packages must be installed (scripts/policy-pack.sh).
 */
export function setUpPackStartup(root: string, name: string): PackStartupSetup {
  const packDir = path.join(root, "policy");
  const runtimeEntry = path.join(packDir, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");
  if (!fs.existsSync(runtimeEntry))
    throw new Error(`${runtimeEntry} is missing: install the pack's packages (scripts/policy-pack.sh)`);
  const work = path.join(packDir, "node_modules", ".cache", name);
  const emptyPackDir = path.join(work, "empty-pack");
  fs.mkdirSync(emptyPackDir, { recursive: true });
  const probe = path.join(work, "pack-start-probe.js");
  fs.writeFileSync(probe, PROBE_SOURCE);
  fs.writeFileSync(
    path.join(emptyPackDir, "package.json"),
    `${JSON.stringify({ name: "empty-pack", version: "0.0.0", private: true, main: "index.js" }, null, 2)}\n`,
  );
  fs.writeFileSync(path.join(emptyPackDir, "index.js"), EMPTY_PACK_SOURCE);
  // So that `pulumi preview --policy-pack <emptyPackDir>` can run it too.
  fs.writeFileSync(
    path.join(emptyPackDir, "PulumiPolicy.yaml"),
    "runtime: nodejs\ndescription: Checks nothing.\n",
  );
  return { packDir, emptyPackDir, probe, runtimeEntry };
}

/** One analyzer start of the pack in `dir` (the project's pack or the empty one), until it listens. */
export async function packStartOnce(setup: PackStartupSetup, dir: string): Promise<PackStartupSample> {
  // The engine passes its own address; an analyzer only uses it later, to log.
  const result = await run(process.execPath, ["-r", setup.probe, setup.runtimeEntry, "127.0.0.1:0", dir], {
    cwd: dir,
    timeoutMs: 60 * 1000,
  });
  const line = result.stderr.split("\n").find((l) => l.startsWith("PACKSTART "));
  if (result.status !== 0 || line === undefined) {
    const why = result.error ?? `exit ${String(result.status ?? result.signal)}`;
    throw new Error(`the analyzer of ${dir} did not start (${why}):\n${result.stderr.slice(-2000)}`);
  }
  return JSON.parse(line.slice("PACKSTART ".length)) as PackStartupSample;
}

/** Starts the project's pack and the empty pack `runs` times each, alternating, so both see the same load. */
export async function benchPackStartup(
  setup: PackStartupSetup,
  runs: number,
): Promise<{ pack: PackStartupSample[]; emptyPack: PackStartupSample[] }> {
  const pack: PackStartupSample[] = [];
  const emptyPack: PackStartupSample[] = [];
  for (let i = 0; i < runs; i++) {
    const packFirst = i % 2 === 0;
    if (packFirst) pack.push(await packStartOnce(setup, setup.packDir));
    emptyPack.push(await packStartOnce(setup, setup.emptyPackDir));
    if (!packFirst) pack.push(await packStartOnce(setup, setup.packDir));
  }
  return { pack, emptyPack };
}
