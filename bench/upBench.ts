// npm run bench:up [-- --sizes 1,10,50 --keep-cluster]
//
// `pulumi up` of generated stacks with 1, 10 and 50 model servers against the local cluster,
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
// bench/up-nodes.yaml with six 32-core CPU nodes), reused when running, stopped at the end when
// this run started it unless --keep-cluster.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { describeRun, run, type RunOptions, start } from "../tests/e2e/lib/run";

const ROOT = path.resolve(__dirname, "..");
const PROJECT = "k8s-ml-patterns";
const STACK = "bench";
const NAMESPACE = "ml-bench";
const CACHE =
  process.env.K8S_ML_CACHE ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "k8s-ml-patterns");
const CLUSTER_DIR = path.resolve(process.env.K8S_ML_BENCH_CLUSTER_DIR ?? path.join(CACHE, "bench-cluster"));
const CLUSTER_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  K8S_ML_CLUSTER_DIR: CLUSTER_DIR,
  K8S_ML_CLUSTER_PORT_BASE: process.env.K8S_ML_BENCH_CLUSTER_PORT_BASE ?? "16640",
  K8S_ML_CLUSTER_NODES: path.join(ROOT, "bench/up-nodes.yaml"),
};
const LONG_MS = 60 * 60_000;
const GPU_PRODUCTS = ["NVIDIA-H100-80GB-HBM3", "NVIDIA-L40S"] as const;

const options = parseArgs({
  options: {
    sizes: { type: "string", default: "1,10,50" },
    "keep-cluster": { type: "boolean", default: false },
  },
}).values;
const sizes = options.sizes.split(",").map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1))
  throw new Error(`--sizes: whole numbers above 0, got ${options.sizes}`);

async function ok(command: string, args: readonly string[], opts: RunOptions): Promise<string> {
  const result = await run(command, args, opts);
  if (result.code !== 0) throw new Error(describeRun(command, args, result));
  return result.stdout;
}

// ------------------------------------------------------------------ generated config

function benchConfig(models: number): Record<string, unknown> {
  const list = Array.from({ length: models }, (_, i) => {
    const gpu = i % 5 === 0;
    return {
      name: `model-${String(i + 1).padStart(3, "0")}`,
      image: "ghcr.io/k8s-ml-patterns/inference-server:1.4.0",
      loaderImage: "ghcr.io/k8s-ml-patterns/model-loader:1.4.0",
      modelUri: `s3://models/bench-${i + 1}`,
      gpuProduct: GPU_PRODUCTS[(i / 5) % 2 === 0 ? 0 : 1],
      gpusPerPod: gpu ? 1 : 0,
      cpu: "500m",
      // Above the 8Gi /dev/shm every server mounts (the component requires memory > shm).
      memory: "10Gi",
      replicas: 1,
      maxModelLoadSeconds: 60,
      autoscaling: { minReplicas: 1, maxReplicas: 2, targetCpuUtilization: 70, targetRequestsPerSecond: 100 },
    };
  });
  const gpuModels = list.filter((m) => m.gpusPerPod > 0).length;
  const c = (key: string): string => `${PROJECT}:${key}`;
  return {
    config: {
      [c("namespace")]: NAMESPACE,
      [c("priorityClassPrefix")]: "ml-bench",
      [c("installWorkflowCrd")]: false,
      [c("gpuNodes")]: { "NVIDIA-H100-80GB-HBM3": 8, "NVIDIA-L40S": 4 },
      [c("quota")]: {
        gpus: 2 * gpuModels,
        requestsCpu: "1000",
        requestsMemory: "4Ti",
        limitsMemory: "8Ti",
        maxGpusPerContainer: 1,
      },
      [c("models")]: list,
    },
  };
}

// ------------------------------------------------------------------ /proc sampling

interface ProcSample {
  readonly cpuTicks: number;
  readonly rssKiB: number;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux; checked against getconf below

function sampleProc(pid: number): ProcSample {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the command name: state is field 3, utime field 14, stime field 15 (1-based).
  const cpuTicks = Number(fields[11]) + Number(fields[12]);
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return { cpuTicks, rssKiB: Number(rss?.[1] ?? 0) };
}

function pidOf(component: string): number {
  const pid = Number(fs.readFileSync(path.join(CLUSTER_DIR, "pids", `${component}.pid`), "utf8").trim());
  if (!Number.isInteger(pid) || !fs.existsSync(`/proc/${pid}`))
    throw new Error(`${component} is not running`);
  return pid;
}

interface ProcessUse {
  /** CPU seconds (user + system) the process used during the run. */
  cpuSeconds: number;
  /** Resident memory at the end of the run, MiB. */
  rssMiB: number;
  /** Highest resident memory seen while the run went on (sampled every 250 ms), MiB. */
  peakRssMiB: number;
}

interface ControlPlaneUse {
  readonly apiserver: ProcessUse;
  readonly etcd: ProcessUse;
}

/** CPU time and memory of the API server and etcd over a run. */
class Sampler {
  private readonly pids = { apiserver: pidOf("kube-apiserver"), etcd: pidOf("etcd") };
  private first = { apiserver: sampleProc(this.pids.apiserver), etcd: sampleProc(this.pids.etcd) };
  private peak = { apiserver: 0, etcd: 0 };
  private timer: NodeJS.Timeout | undefined;

  begin(): void {
    this.first = { apiserver: sampleProc(this.pids.apiserver), etcd: sampleProc(this.pids.etcd) };
    this.peak = { apiserver: this.first.apiserver.rssKiB, etcd: this.first.etcd.rssKiB };
    this.timer = setInterval(() => {
      this.peak.apiserver = Math.max(this.peak.apiserver, sampleProc(this.pids.apiserver).rssKiB);
      this.peak.etcd = Math.max(this.peak.etcd, sampleProc(this.pids.etcd).rssKiB);
    }, 250);
  }

  end(): ControlPlaneUse {
    clearInterval(this.timer);
    const use = (first: ProcSample, last: ProcSample, peak: number): ProcessUse => ({
      cpuSeconds: round((last.cpuTicks - first.cpuTicks) / CLOCK_TICKS, 2),
      rssMiB: round(last.rssKiB / 1024, 1),
      peakRssMiB: round(Math.max(peak, last.rssKiB) / 1024, 1),
    });
    return {
      apiserver: use(this.first.apiserver, sampleProc(this.pids.apiserver), this.peak.apiserver),
      etcd: use(this.first.etcd, sampleProc(this.pids.etcd), this.peak.etcd),
    };
  }
}

function etcdDbBytes(): number {
  return fs.statSync(path.join(CLUSTER_DIR, "etcd/member/snap/db")).size;
}

// ------------------------------------------------------------------ CLI output

/** Seconds of a Go duration as the CLI prints it: "0.07s", "12s", "1m5s", "1m5.2s". */
function goDurationSeconds(text: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:([\d.]+)s)?$/.exec(text);
  if (m === null) return Number.NaN;
  // Groups that did not take part are undefined at run time, whatever the typings say.
  const part = (i: number): number => {
    const value = m.at(i);
    return value === undefined ? 0 : Number(value);
  };
  return part(1) * 3600 + part(2) * 60 + part(3);
}

interface Step {
  type: string;
  name: string;
  seconds: number;
}

/** Each `<type> <name> created (<duration>)` line of the CLI's progress output. */
function createdSteps(output: string): Step[] {
  const steps: Step[] = [];
  for (const m of output.matchAll(/^\s*\+\s+(\S+)\s+(\S+)\s+created \(([\dhms.]+)\)/gm)) {
    const [, type, name, duration] = m;
    steps.push({ type, name, seconds: goDurationSeconds(duration) });
  }
  return steps;
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

interface TypeSummary {
  type: string;
  count: number;
  meanSeconds: number;
  p50Seconds: number;
  p95Seconds: number;
  maxSeconds: number;
}

function perType(steps: readonly Step[]): TypeSummary[] {
  const groups = new Map<string, number[]>();
  for (const s of steps) groups.set(s.type, [...(groups.get(s.type) ?? []), s.seconds]);
  return [...groups]
    .map(([type, xs]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return {
        type,
        count: xs.length,
        meanSeconds: round(xs.reduce((a, b) => a + b, 0) / xs.length),
        p50Seconds: round(quantile(sorted, 0.5)),
        p95Seconds: round(quantile(sorted, 0.95)),
        maxSeconds: round(sorted.at(-1) ?? Number.NaN),
      };
    })
    .sort((a, b) => b.meanSeconds * b.count - a.meanSeconds * a.count);
}

// ------------------------------------------------------------------ the benchmark

interface SizeResult {
  models: number;
  gpuModels: number;
  /** Kubernetes objects and components the up created (the CLI's "+ N created"). */
  created: number;
  upSeconds: number;
  /** The engine's own duration of the update (after the preview and program start). */
  pulumiReportedSeconds: number;
  destroySeconds: number;
  podsRunning: number;
  perType: TypeSummary[];
  slowest: Step[];
  process: ControlPlaneUse;
  etcdDbMiB: number;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const clusterWasRunning =
    (await run("bash", ["scripts/cluster.sh", "status"], { env: CLUSTER_ENV, cwd: ROOT, timeoutMs: 60_000 }))
      .code === 0;
  const t0 = performance.now();
  await ok("bash", ["scripts/cluster.sh", "up"], { env: CLUSTER_ENV, cwd: ROOT, timeoutMs: LONG_MS });
  const clusterUpSeconds = round((performance.now() - t0) / 1000, 1);
  console.log(
    `bench:up: cluster ${clusterWasRunning ? "reused" : "started"} in ${clusterUpSeconds}s (${CLUSTER_DIR})`,
  );

  // The main job's environment: toolchain on PATH, backend, passphrase, KUBECONFIG.
  const envText = await ok("bash", ["-c", 'eval "$("$0" --env dev)" && env -0', "scripts/up-local.sh"], {
    env: CLUSTER_ENV,
    cwd: ROOT,
    timeoutMs: LONG_MS,
  });
  const env: NodeJS.ProcessEnv = {};
  for (const entry of envText.split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  const backend = env.PULUMI_BACKEND_URL ?? "";
  if (!backend.startsWith("file://")) throw new Error(`unexpected backend ${backend}`);
  const state = backend.slice("file://".length);
  const pulumi = (args: readonly string[], timeoutMs = LONG_MS): Promise<string> =>
    ok("pulumi", args, { env, cwd: ROOT, timeoutMs });

  const ticks = Number((await ok("getconf", ["CLK_TCK"], { timeoutMs: 10_000 })).trim());
  if (ticks !== CLOCK_TICKS) throw new Error(`CLK_TCK is ${ticks}, the sampler assumes ${CLOCK_TICKS}`);

  const init = await run(
    "pulumi",
    [
      "stack",
      "init",
      STACK,
      "--cwd",
      path.join(state, "scratch", PROJECT),
      "--no-select",
      "--non-interactive",
    ],
    { env, cwd: ROOT, timeoutMs: 60_000 },
  );
  if (init.code !== 0 && !init.stderr.includes("already exists"))
    throw new Error(describeRun("pulumi stack init", [STACK], init));
  const configFile = path.join(state, "config", `Pulumi.${STACK}.yaml`);
  const common = ["--stack", STACK, "--config-file", configFile];
  const destroy = (): Promise<string> => pulumi(["destroy", ...common, "--yes", "--skip-preview"]);
  fs.writeFileSync(configFile, stringify(benchConfig(1)));
  await destroy(); // whatever an earlier, interrupted run left

  const version = (await pulumi(["version"])).trim();
  const serverVersion = JSON.parse(
    await ok("bash", ["scripts/cluster.sh", "kubectl", "get", "--raw", "/version"], {
      env: CLUSTER_ENV,
      cwd: ROOT,
      timeoutMs: 60_000,
    }),
  ) as { gitVersion: string };

  const results: SizeResult[] = [];
  for (const models of sizes) {
    const config = benchConfig(models);
    fs.writeFileSync(configFile, stringify(config));
    const sampler = new Sampler();
    sampler.begin();
    const upStart = performance.now();
    const up = await start(
      "pulumi",
      [
        "up",
        ...common,
        "--yes",
        "--policy-pack",
        "policy",
        "--policy-pack-config",
        "policy-config/dev.json",
        "--suppress-progress",
      ],
      { env, cwd: ROOT, timeoutMs: LONG_MS },
    ).done;
    const upSeconds = round((performance.now() - upStart) / 1000, 1);
    const use = sampler.end();
    if (up.code !== 0) throw new Error(describeRun("pulumi up", [String(models)], up));
    // The stack resource's "created" time is the whole update; it is reported as the engine's.
    const steps = createdSteps(up.stdout).filter((st) => st.type !== "pulumi:pulumi:Stack");
    const created = Number(/\+ (\d+) created/.exec(up.stdout)?.[1] ?? Number.NaN);
    const reported = /^Duration: (\S+)$/m.exec(up.stdout)?.[1] ?? "";
    const pods = await ok(
      "bash",
      [
        "scripts/cluster.sh",
        "kubectl",
        "get",
        "pods",
        "-n",
        NAMESPACE,
        "--field-selector=status.phase=Running",
        "-o",
        "name",
      ],
      { env: CLUSTER_ENV, cwd: ROOT, timeoutMs: 60_000 },
    );
    const db = etcdDbBytes();
    const destroyStart = performance.now();
    await destroy();
    const destroySeconds = round((performance.now() - destroyStart) / 1000, 1);
    const result: SizeResult = {
      models,
      gpuModels: Math.ceil(models / 5),
      created,
      upSeconds,
      pulumiReportedSeconds: goDurationSeconds(reported),
      destroySeconds,
      podsRunning: pods.split("\n").filter((l) => l.trim() !== "").length,
      perType: perType(steps),
      slowest: [...steps].sort((a, b) => b.seconds - a.seconds).slice(0, 5),
      process: use,
      etcdDbMiB: round(db / 1024 / 1024, 1),
    };
    results.push(result);
    console.log(
      `bench:up: ${models} models: ${created} created in ${upSeconds}s (engine ${reported}), destroyed in ${destroySeconds}s; ` +
        `kube-apiserver ${use.apiserver.cpuSeconds} CPU s, etcd ${use.etcd.cpuSeconds} CPU s`,
    );
  }

  const cpus = os.cpus();
  const report = {
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
    cluster: { reused: clusterWasRunning, upSeconds: clusterUpSeconds, nodes: "bench/up-nodes.yaml" },
    stacks:
      "namespace ml-bench; N models, each Deployment + Service + PDB + ServiceAccount + HPA + ServiceMonitor; every fifth on 1 GPU; policy pack at dev levels",
    results,
  };
  const outDir = path.join(ROOT, "bench/results");
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "up-latest.json"), JSON.stringify(report, null, 2) + "\n");
  fs.writeFileSync(path.join(outDir, "up-latest.md"), markdown(report));
  console.log(`bench:up: wrote bench/results/up-latest.json and .md`);

  if (!clusterWasRunning && !options["keep-cluster"]) {
    await ok("bash", ["scripts/cluster.sh", "down"], { env: CLUSTER_ENV, cwd: ROOT, timeoutMs: 120_000 });
  }
}

function markdown(report: {
  generatedAt: string;
  machine: {
    cpuModel: string;
    cores: number;
    memoryGiB: number;
    os: string;
    node: string;
    loadAverage1mAtEnd: number;
  };
  versions: { pulumi: string; kubernetes: string; kubernetesProvider: string };
  cluster: { reused: boolean; upSeconds: number };
  results: SizeResult[];
}): string {
  const m = report.machine;
  const lines = [
    "# `pulumi up` benchmark on the local cluster",
    "",
    `${report.generatedAt}. Pulumi ${report.versions.pulumi}, Kubernetes provider ${report.versions.kubernetesProvider}, Kubernetes ${report.versions.kubernetes} (local cluster, KWOK nodes from \`bench/up-nodes.yaml\`, ${report.cluster.reused ? "reused" : `started in ${report.cluster.upSeconds} s`}).`,
    "",
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}. Load average (1 min) at the end: ${m.loadAverage1mAtEnd}.`,
    "",
    "Each size is deployed from nothing with `pulumi up` (policy pack at dev levels) and destroyed. Steps run concurrently, so per-resource times overlap; the CLI prints them to 10 ms below one second and to whole seconds above. Wall times on a busy machine are inflated: compare the load average. N models: each a Deployment (server + loader sidecar), Service, PodDisruptionBudget, ServiceAccount, HPA and ServiceMonitor, plus the namespace's guardrails; every fifth model on 1 GPU, the rest CPU-only. Up and destroy times are wall times of the CLI (program start, preview and update); the engine's own update duration is the CLI's `Duration`.",
    "",
    "| models | GPU models | created | up s | engine s | destroy s | pods running | API server CPU s | API server RSS MiB (peak) | etcd CPU s | etcd RSS MiB (peak) | etcd db MiB |",
    "| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
  ];
  for (const r of report.results) {
    const a = r.process.apiserver;
    const e = r.process.etcd;
    lines.push(
      `| ${r.models} | ${r.gpuModels} | ${r.created} | ${r.upSeconds} | ${r.pulumiReportedSeconds} | ${r.destroySeconds} | ${r.podsRunning} | ${a.cpuSeconds} | ${a.rssMiB} (${a.peakRssMiB}) | ${e.cpuSeconds} | ${e.rssMiB} (${e.peakRssMiB}) | ${r.etcdDbMiB} |`,
    );
  }
  for (const r of report.results) {
    lines.push(
      "",
      `## ${r.models} models: up time per resource type (seconds, from the CLI's per-step durations)`,
      "",
    );
    lines.push("| type | count | mean | p50 | p95 | max |", "| --- | --: | --: | --: | --: | --: |");
    for (const t of r.perType) {
      lines.push(
        `| ${t.type} | ${t.count} | ${t.meanSeconds} | ${t.p50Seconds} | ${t.p95Seconds} | ${t.maxSeconds} |`,
      );
    }
    lines.push(
      "",
      `Slowest: ${r.slowest.map((s) => `${s.name} (${s.type.split(":").at(-1) ?? s.type}) ${s.seconds} s`).join(", ")}.`,
    );
  }
  return lines.join("\n") + "\n";
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
