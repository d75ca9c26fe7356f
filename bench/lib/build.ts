// Transpiles the modules the child processes run (program, config, components, the conventions
// they share with the policy pack, the pack, the benchmark's own child and baseline) to plain
// CommonJS once per benchmark, so that children load JavaScript the way a compiled program
// would: no TypeScript loader hooks and no source maps in the measured time (with source maps
// on, every Error.stack the Pulumi SDK captures per resource is source-mapped, which would
// inflate both sides of every ratio).

import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

/** The folders (relative to the repository root) whose .ts files the children need. */
const SOURCE_DIRS = [
  "config",
  "components",
  "conventions",
  "program",
  "policy/lib",
  "policy/policies",
  "bench",
];

/** Skipped inside bench/: the parent's own modules (its cases too) and the other benchmarks'. */
const SKIP = /^bench\/(run|realPreview|report|policy[^/]*|up[^/]*)\.ts$|^bench\/(cases|up|results)\//;

function sources(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules") walk(child);
      } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") && !SKIP.test(child)) {
        out.push(child);
      }
    }
  };
  walk(dir);
  return out;
}

/**
 * Writes `<outDir>/<path>.js` for every source, with the repository's compiler options. The
 * output lives under the repository's node_modules/.cache, so package imports resolve from the
 * repository's node_modules as they do for the sources.
 */
export function transpileForChildren(root: string, outDir: string): number {
  const configFile = ts.readConfigFile(path.join(root, "tsconfig.json"), (f) => ts.sys.readFile(f));
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    sourceMap: false,
    inlineSourceMap: false,
    declaration: false,
    noEmit: false,
  };
  fs.rmSync(outDir, { recursive: true, force: true });
  let count = 0;
  for (const rel of SOURCE_DIRS.flatMap((d) => sources(root, d))) {
    const text = fs.readFileSync(path.join(root, rel), "utf8");
    const result = ts.transpileModule(text, {
      compilerOptions: options,
      fileName: rel,
      reportDiagnostics: false,
    });
    const target = path.join(outDir, rel.replace(/\.ts$/, ".js"));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, result.outputText);
    count++;
  }
  return count;
}
