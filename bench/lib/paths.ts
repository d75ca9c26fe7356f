// Where the benchmark runs and keeps its scratch files.

import * as path from "node:path";

/** The repository root: the children's working directory and the base of every relative path. */
export const REPOSITORY_ROOT = path.resolve(__dirname, "..", "..");

/**
 * The benchmark's scratch directory (fixtures, the children's build, preview state), inside the
 * repository's node_modules so that the children's package imports resolve; removed at the end
 * unless --keep.
 */
export const WORK_DIR = path.join(REPOSITORY_ROOT, "node_modules", ".cache", "k8s-ml-patterns-bench");
