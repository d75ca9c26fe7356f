// npm run bench:up [-- --sizes 1,10,50,200 --keep-cluster --parallel N --name up-latest]
//
// `pulumi up` of generated stacks with 1, 10, 50 and 200 model servers against the local cluster,
// each from nothing and destroyed afterwards. Writes bench/results/up-latest.{json,md}: wall
// time of each up and destroy, the up time of each resource (from the CLI's per-step
// durations) summarised per resource type, the API server's and etcd's CPU time and memory
// during the up (from /proc of their recorded pids), the etcd database size, and the machine.
// A benchmark, not a test: it reports figures and fails only when a run fails.
//
// The stacks: namespace ml-bench, the policy pack at dev's levels (as the main job), N models
// with an HPA (1-2 replicas) and a ServiceMonitor each; every fifth model (the first included)
// serves on 1 GPU, alternately NVIDIA-H100-80GB-HBM3 and NVIDIA-L40S, the others are CPU-only
// (gpusPerPod 0). quota.gpus is the GPU demand at maximum scale (2 replicas x 1 GPU per GPU
// model). The cluster is a separate one (its own state directory and ports, nodes from
// bench/up-nodes.yaml, sized for 200 models), reused when running, stopped at the end when
// this run started it unless --keep-cluster.
//
// The parts live in bench/up/: the settings and cluster, the generated stack config, the /proc
// sampler, reading the CLI's output, one size's up and destroy, and the Markdown.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { run } from "../tests/e2e/lib/run";
import { REPOSITORY_ROOT } from "./lib/paths";
import { initStack, ok } from "./up/commands";
import { CLOCK_TICKS } from "./up/controlPlane";
import { markdown } from "./up/markdown";
import { type BenchStack, measureSize } from "./up/measureSize";
import { round } from "./up/rounding";
import { CLUSTER_DIR, CLUSTER_ENV, LONG_MS, PROJECT, STACK } from "./up/settings";
import { benchConfig } from "./up/stackConfig";
import type { SizeResult, UpReport } from "./up/upReport";

const options = parseArgs({
  options: {
    sizes: { type: "string", default: "1,10,50,200" },
    "keep-cluster": { type: "boolean", default: false },
    // The engine's step parallelism for both Pulumi sides (PULUMI_PARALLEL); the CLI's default
    // is 4 x the cores, 8 here.
    parallel: { type: "string", default: "" },
    // Results go to bench/results/<name>.{json,md}.
    name: { type: "string", default: "up-latest" },
  },
}).values;
const sizes = options.sizes.split(",").map(Number);
if (options.parallel !== "") {
  if (!/^[1-9]\d*$/.test(options.parallel))
    throw new Error(`--parallel: a whole number above 0, got ${options.parallel}`);
}
if (!/^[\w.-]+$/.test(options.name))
  throw new Error(`--name: letters, digits, '.', '_' or '-', got ${options.name}`);
if (sizes.some((size) => !Number.isInteger(size) || size < 1))
  throw new Error(`--sizes: whole numbers above 0, got ${options.sizes}`);

/** The main job's environment (toolchain on PATH, backend, passphrase, KUBECONFIG), from `scripts/up-local.sh --env`. */
async function mainJobEnv(): Promise<NodeJS.ProcessEnv> {
  const envText = await ok("bash", ["-c", 'eval "$("$0" --env dev)" && env -0', "scripts/up-local.sh"], {
    env: CLUSTER_ENV,
    cwd: REPOSITORY_ROOT,
    timeoutMs: LONG_MS,
  });
  const env: NodeJS.ProcessEnv = {};
  for (const entry of envText.split("\0")) {
    const equals = entry.indexOf("=");
    if (equals > 0) env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return env;
}

/**
 * Creates the benchmark's stack in the main job's file backend at `state` (when missing) and
 * destroys what an earlier run left.
 */
async function prepareStack(env: NodeJS.ProcessEnv, state: string): Promise<BenchStack> {
  await initStack(env, STACK, path.join(state, "scratch", PROJECT));
  const configFile = path.join(state, "config", `Pulumi.${STACK}.yaml`);
  const stackArgs = ["--stack", STACK, "--config-file", configFile];
  const destroy = (): Promise<string> =>
    ok("pulumi", ["destroy", ...stackArgs, "--yes", "--skip-preview"], {
      env,
      cwd: REPOSITORY_ROOT,
      timeoutMs: LONG_MS,
    });
  fs.writeFileSync(configFile, stringify(benchConfig(1)));
  await destroy(); // whatever an earlier, interrupted run left
  return { env, configFile, stackArgs, destroy };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const clusterWasRunning =
    (
      await run("bash", ["scripts/cluster.sh", "status"], {
        env: CLUSTER_ENV,
        cwd: REPOSITORY_ROOT,
        timeoutMs: 60_000,
      })
    ).code === 0;
  const t0 = performance.now();
  await ok("bash", ["scripts/cluster.sh", "up"], {
    env: CLUSTER_ENV,
    cwd: REPOSITORY_ROOT,
    timeoutMs: LONG_MS,
  });
  const clusterUpSeconds = round((performance.now() - t0) / 1000, 1);
  console.log(
    `bench:up: cluster ${clusterWasRunning ? "reused" : "started"} in ${clusterUpSeconds}s (${CLUSTER_DIR})`,
  );

  const env = await mainJobEnv();
  if (options.parallel !== "") env.PULUMI_PARALLEL = options.parallel;
  const backend = env.PULUMI_BACKEND_URL ?? "";
  if (!backend.startsWith("file://")) throw new Error(`unexpected backend ${backend}`);
  const pulumi = (args: readonly string[]): Promise<string> =>
    ok("pulumi", args, { env, cwd: REPOSITORY_ROOT, timeoutMs: LONG_MS });

  const ticks = Number((await ok("getconf", ["CLK_TCK"], { timeoutMs: 10_000 })).trim());
  if (ticks !== CLOCK_TICKS) throw new Error(`CLK_TCK is ${ticks}, the sampler assumes ${CLOCK_TICKS}`);

  const stack = await prepareStack(env, backend.slice("file://".length));

  const version = (await pulumi(["version"])).trim();
  const serverVersion = JSON.parse(
    await ok("bash", ["scripts/cluster.sh", "kubectl", "get", "--raw", "/version"], {
      env: CLUSTER_ENV,
      cwd: REPOSITORY_ROOT,
      timeoutMs: 60_000,
    }),
  ) as { gitVersion: string };

  const results: SizeResult[] = [];
  for (const models of sizes) results.push(await measureSize(stack, models));

  const cpus = os.cpus();
  const report: UpReport = {
    generatedAt: startedAt.toISOString(),
    machine: {
      cpuModel: cpus[0]?.model.trim() ?? "unknown",
      cores: cpus.length,
      memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
      loadAverage1mAtEnd: round(os.loadavg()[0] ?? 0, 2),
    },
    versions: {
      pulumi: version,
      kubernetes: serverVersion.gitVersion,
      kubernetesProvider: env.PULUMI_ENV_KUBERNETES_VERSION ?? "",
    },
    parallel: options.parallel === "" ? `default (4 x ${os.cpus().length} cores)` : options.parallel,
    cluster: { reused: clusterWasRunning, upSeconds: clusterUpSeconds, nodes: "bench/up-nodes.yaml" },
    stacks:
      "namespace ml-bench; N models, each Deployment + Service + PDB + ServiceAccount + HPA + ServiceMonitor; every fifth on 1 GPU; policy pack at dev levels",
    results,
  };
  const outDir = path.join(REPOSITORY_ROOT, "bench/results");
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, `${options.name}.json`), JSON.stringify(report, null, 2) + "\n");
  fs.writeFileSync(path.join(outDir, `${options.name}.md`), markdown(report));
  console.log(`bench:up: wrote bench/results/${options.name}.json and .md`);

  if (!clusterWasRunning && !options["keep-cluster"]) {
    await ok("bash", ["scripts/cluster.sh", "down"], {
      env: CLUSTER_ENV,
      cwd: REPOSITORY_ROOT,
      timeoutMs: 120_000,
    });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
