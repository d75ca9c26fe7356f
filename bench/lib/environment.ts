// What the report records about where and on what it ran: the machine, the versions of the
// tools and packages, and the commit with any uncommitted changes to the measured sources.

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { round } from "./measure";
import { REPOSITORY_ROOT } from "./paths";

/** The folders whose uncommitted changes the report lists: the sources the figures measure. */
const MEASURED_SOURCES = ["config", "components", "conventions", "program", "policy/lib", "policy/policies"];

/** The installed version of a package below `from`, or "unknown" (the report still gets written). */
export function packageVersion(name: string, from = REPOSITORY_ROOT): string {
  try {
    const file = path.join(from, "node_modules", name, "package.json");
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version.replace(/^v/, "");
  } catch {
    return "unknown";
  }
}

/** A command's trimmed stdout, run in the repository root, or "unknown" when it fails. */
export function commandOutput(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { cwd: REPOSITORY_ROOT, encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : "unknown";
}

/** The CPU, memory, OS and load average at the start, so figures can be compared across machines. */
export function machineInfo(): Record<string, string | number> {
  const cpus = os.cpus();
  const [load1, load5, load15] = os.loadavg();
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverageAtStart: `${round(load1)} ${round(load5)} ${round(load15)}`,
  };
}

/** The versions the figures depend on; `cliVersion` is the Pulumi CLI's when previews ran. */
export function toolVersions(cliVersion: string | undefined): Record<string, string> {
  return {
    node: process.version,
    npm: commandOutput("npm", ["--version"]),
    "@pulumi/pulumi": packageVersion("@pulumi/pulumi"),
    "@pulumi/kubernetes": packageVersion("@pulumi/kubernetes"),
    "@pulumi/policy (pack)": packageVersion("@pulumi/policy", path.join(REPOSITORY_ROOT, "policy")),
    zod: packageVersion("zod"),
    "pulumi CLI": cliVersion ?? "not used",
  };
}

/** The commit measured and the measured sources that differ from it, so a report says what it measured. */
export function sourceState(): { commit: string; dirtyPaths: string[] } {
  const commit = commandOutput("git", ["rev-parse", "--short", "HEAD"]);
  const status = commandOutput("git", ["status", "--porcelain", "--", ...MEASURED_SOURCES]);
  return {
    commit,
    dirtyPaths: status === "unknown" || status === "" ? [] : status.split("\n").map((line) => line.slice(3)),
  };
}
