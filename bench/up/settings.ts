// What the `up` benchmark deploys to and where: its stack and namespace, and its own cluster
// (state directory, ports and nodes), so it never disturbs the main job's or the tests' cluster.

import * as os from "node:os";
import * as path from "node:path";
import { REPOSITORY_ROOT } from "../lib/paths";

export const PROJECT = "k8s-ml-patterns";
export const STACK = "bench";
export const NAMESPACE = "ml-bench";

/** Time limit of the long steps (cluster start, up, destroy). */
export const LONG_MS = 60 * 60_000;

const CACHE =
  process.env.K8S_ML_CACHE ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "k8s-ml-patterns");

/** The benchmark cluster's state directory (pids, etcd data, kubeconfig, Pulumi state). */
export const CLUSTER_DIR = path.resolve(
  process.env.K8S_ML_BENCH_CLUSTER_DIR ?? path.join(CACHE, "bench-cluster"),
);

/** The environment scripts/cluster.sh and scripts/up-local.sh get, to use the benchmark's cluster. */
export const CLUSTER_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  K8S_ML_CLUSTER_DIR: CLUSTER_DIR,
  K8S_ML_CLUSTER_PORT_BASE: process.env.K8S_ML_BENCH_CLUSTER_PORT_BASE ?? "16640",
  K8S_ML_CLUSTER_NODES: path.join(REPOSITORY_ROOT, "bench/up-nodes.yaml"),
};

/** The policy pack at dev's levels, as the main job runs it: both Pulumi sides get it. */
export const POLICY_ARGS: readonly string[] = [
  "--policy-pack",
  path.join(REPOSITORY_ROOT, "policy"),
  "--policy-pack-config",
  path.join(REPOSITORY_ROOT, "policy-config/dev.json"),
];
