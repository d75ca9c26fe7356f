/**
 * The local cluster the end-to-end tests run against, and kubectl on it.
 *
 * The tests use a cluster of their own (state directory and ports apart from the default
 * `.cluster/` one), so a run never touches what `npm run up:local` deployed, and its fault
 * tests (deleting a node) never hit a cluster someone is using:
 *
 * - K8S_ML_E2E_CLUSTER_DIR (default `$K8S_ML_CACHE/e2e-cluster`) and
 *   K8S_ML_E2E_CLUSTER_PORT_BASE (default 16540) choose it; when they are unset,
 *   K8S_ML_CLUSTER_DIR and K8S_ML_CLUSTER_PORT_BASE do (as for scripts/cluster.sh). Point them at
 *   `.cluster` and 16440 to run the tests on the default cluster.
 * - The cluster belongs to the checkout that started it (scripts/cluster.sh): a second checkout
 *   with the same directory or ports gets a message naming the owner, never a shared cluster.
 * - A running cluster there is reused; otherwise the run starts one and stops it at the end
 *   (K8S_ML_E2E_KEEP_CLUSTER=1 keeps it).
 */
import { existsSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describeRun, run, type RunResult, runOk } from "./run";

export const ROOT = path.resolve(__dirname, "..", "..", "..");

const CACHE =
  process.env.K8S_ML_CACHE ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "k8s-ml-patterns");

export const CLUSTER_DIR = path.resolve(
  process.env.K8S_ML_E2E_CLUSTER_DIR ?? process.env.K8S_ML_CLUSTER_DIR ?? path.join(CACHE, "e2e-cluster"),
);
export const CLUSTER_PORT_BASE =
  process.env.K8S_ML_E2E_CLUSTER_PORT_BASE ?? process.env.K8S_ML_CLUSTER_PORT_BASE ?? "16540";
export const KUBECONFIG = path.join(CLUSTER_DIR, "kubeconfig");

/** The environment scripts/cluster.sh and scripts/up-local.sh need to act on the test cluster. */
export function clusterEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    K8S_ML_CLUSTER_DIR: CLUSTER_DIR,
    K8S_ML_CLUSTER_PORT_BASE: CLUSTER_PORT_BASE,
    ...extra,
  };
}

/** A cold toolchain build happens inside `cluster.sh up`; allow for it. */
const CLUSTER_UP_TIMEOUT_MS = 60 * 60_000;

export async function clusterRunning(): Promise<boolean> {
  const result = await run("bash", [path.join(ROOT, "scripts/cluster.sh"), "status"], {
    env: clusterEnv(),
    timeoutMs: 60_000,
  });
  return result.code === 0;
}

/** Starts the cluster, or reconciles a running one (re-creates deleted nodes). */
export async function clusterUp(): Promise<void> {
  await runOk("bash", [path.join(ROOT, "scripts/cluster.sh"), "up"], {
    env: clusterEnv(),
    timeoutMs: CLUSTER_UP_TIMEOUT_MS,
  });
}

export async function clusterDown(): Promise<void> {
  await runOk("bash", [path.join(ROOT, "scripts/cluster.sh"), "down"], {
    env: clusterEnv(),
    timeoutMs: 120_000,
  });
}

/** The control-plane processes a fault test may stop and start again. */
export type RestartableComponent = "etcd" | "kube-apiserver";

/** Stops one control-plane process of the test cluster (SIGTERM, then SIGKILL). */
export async function stopComponent(name: RestartableComponent): Promise<void> {
  await runOk("bash", [path.join(ROOT, "scripts/cluster.sh"), "stop-component", name], {
    env: clusterEnv(),
    timeoutMs: 120_000,
  });
}

/** Starts a stopped control-plane process again, as it was started; waits for /readyz. */
export async function startComponent(name: RestartableComponent): Promise<void> {
  await runOk("bash", [path.join(ROOT, "scripts/cluster.sh"), "start-component", name], {
    env: clusterEnv(),
    timeoutMs: 300_000,
  });
}

/** The kubectl the running cluster was started with (its bin-path file), called directly. */
function kubectlBinary(): string {
  const binPath = path.join(CLUSTER_DIR, "bin-path");
  if (!existsSync(binPath)) throw new Error(`${binPath} is missing: is the test cluster running?`);
  for (const dir of readFileSync(binPath, "utf8").trim().split(":")) {
    const candidate = path.join(dir, "kubectl");
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`no kubectl in ${readFileSync(binPath, "utf8").trim()}`);
}

const KUBECTL_TIMEOUT_MS = 120_000;

/** Runs kubectl against the test cluster; returns the result whatever the exit code. */
export function kubectlRun(args: readonly string[], input?: string): Promise<RunResult> {
  return run(kubectlBinary(), ["--kubeconfig", KUBECONFIG, ...args], {
    timeoutMs: KUBECTL_TIMEOUT_MS,
    ...(input === undefined ? {} : { input }),
  });
}

/** Runs kubectl and returns its stdout; fails on a non-zero exit. */
export async function kubectl(args: readonly string[], input?: string): Promise<string> {
  const result = await kubectlRun(args, input);
  if (result.code !== 0) throw new Error(describeRun("kubectl", args, result));
  return result.stdout;
}

/** `kubectl get ... -o json`. */
export async function kubectlJson<T>(args: readonly string[]): Promise<T> {
  return JSON.parse(await kubectl(["get", ...args, "-o", "json"])) as T;
}

/** Items of a `kubectl get` list. */
export async function list<T>(args: readonly string[]): Promise<T[]> {
  return (await kubectlJson<{ items: T[] }>(args)).items;
}

/** The object, or undefined when the API server has none by that name. */
export async function getOrUndefined<T>(args: readonly string[]): Promise<T | undefined> {
  const result = await kubectlRun(["get", ...args, "-o", "json", "--ignore-not-found"]);
  if (result.code !== 0) throw new Error(describeRun("kubectl get", args, result));
  return result.stdout.trim() === "" ? undefined : (JSON.parse(result.stdout) as T);
}
