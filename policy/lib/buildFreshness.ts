/**
 * Detecting a stale build of the pack: the engine runs its compiled JavaScript, so the TypeScript
 * sources it was compiled from must not be newer than the build.
 */

import * as fs from "node:fs";
import * as path from "node:path";

/**
 * What the build compiles, relative to the pack's folder (see tsconfig.json): the pack's own
 * sources and the conventions it shares with the components.
 */
const SOURCES: readonly string[] = [
  "index.ts",
  "tsconfig.json",
  "lib",
  "policies",
  path.join("..", "conventions"),
];

/** The first source file modified after `builtAtMs`, relative to `packDir`, if any. */
export function sourceNewerThan(packDir: string, builtAtMs: number): string | undefined {
  for (const source of SOURCES) {
    const full = path.join(packDir, source);
    if (!fs.existsSync(full)) continue;
    const files = fs.statSync(full).isDirectory()
      ? fs
          .readdirSync(full, { recursive: true, encoding: "utf8" })
          .filter((file) => file.endsWith(".ts"))
          .map((file) => path.join(source, file))
      : [source];
    const newer = files.find((file) => fs.statSync(path.join(packDir, file)).mtimeMs > builtAtMs);
    if (newer !== undefined) return newer;
  }
  return undefined;
}

/**
 * The pack's folder of a built entry file (`<pack>/bin/policy/index.js`, the build mirroring
 * the repository from its root), or undefined when the file is not in a build.
 */
export function packDirOfBuild(entryFile: string): string | undefined {
  const binDir = path.dirname(path.dirname(entryFile));
  return path.basename(binDir) === "bin" ? path.dirname(binDir) : undefined;
}

/**
 * Throws when the pack runs from JavaScript older than its TypeScript sources (an edit or a
 * `git pull` without a rebuild), since a stale build would quietly enforce the old rules. Does
 * nothing when the pack runs from its TypeScript sources.
 */
export function assertBuildIsCurrent(entryFile: string): void {
  const packDir = packDirOfBuild(entryFile);
  if (packDir === undefined) return;
  const newer = sourceNewerThan(packDir, fs.statSync(entryFile).mtimeMs);
  if (newer !== undefined) {
    throw new Error(
      `the policy pack's build (${path.relative(packDir, entryFile)}) is older than ${newer}; ` +
        "rebuild it with `npm run build --prefix policy` (scripts/policy-pack.sh does it when needed)",
    );
  }
}
