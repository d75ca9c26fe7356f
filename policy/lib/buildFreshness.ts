import * as fs from "node:fs";
import * as path from "node:path";

/** What the build compiles, relative to the pack's folder (see tsconfig.json). */
const SOURCES = ["index.ts", "tsconfig.json", "lib", "policies"];

/** The first source file modified after `builtAtMs`, relative to `packDir`, if any. */
export function sourceNewerThan(packDir: string, builtAtMs: number): string | undefined {
  for (const source of SOURCES) {
    const full = path.join(packDir, source);
    if (!fs.existsSync(full)) continue;
    const files = fs.statSync(full).isDirectory()
      ? fs
          .readdirSync(full, { recursive: true, encoding: "utf8" })
          .filter((f) => f.endsWith(".ts"))
          .map((f) => path.join(source, f))
      : [source];
    const newer = files.find((f) => fs.statSync(path.join(packDir, f)).mtimeMs > builtAtMs);
    if (newer !== undefined) return newer;
  }
  return undefined;
}

/**
 * Throws when the pack runs from JavaScript older than its TypeScript sources (an edit or a
 * `git pull` without a rebuild), since a stale build would quietly enforce the old rules. Does
 * nothing when the pack runs from its TypeScript sources.
 */
export function assertBuildIsCurrent(entryFile: string): void {
  const binDir = path.dirname(entryFile);
  if (path.basename(binDir) !== "bin") return;
  const packDir = path.dirname(binDir);
  const newer = sourceNewerThan(packDir, fs.statSync(entryFile).mtimeMs);
  if (newer !== undefined) {
    throw new Error(
      `the policy pack's build (${path.join("bin", path.basename(entryFile))}) is older than ${newer}; ` +
        "rebuild it with `npm run build --prefix policy` (scripts/policy-pack.sh does it when needed)",
    );
  }
}
