// Real `pulumi preview` runs for the benchmark, with and without the policy pack, the way
// scripts/preview.sh runs them: the project's toolchain (scripts/pulumi-env.sh), a local file
// backend outside the repository, a throwaway passphrase, a temporary copy of the stack file
// without its secrets-provider keys, and an offline kubeconfig (a cluster without a server, so
// the provider previews from the program's inputs alone). The state directory is the
// benchmark's own, so nothing here touches the stacks of scripts/preview.sh.

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { run } from "./lib/children";

const PROJECT = "k8s-ml-patterns";
/** Protects nothing: the benchmark's preview stacks live in a scratch directory and hold no secrets. */
const BENCH_PASSPHRASE = "k8s-ml-patterns-bench-local-only";

export interface PreviewEnv {
  readonly root: string;
  readonly state: string;
  readonly env: NodeJS.ProcessEnv;
  readonly cliVersion: string;
}

export interface PreviewRun {
  readonly ok: boolean;
  readonly wallMs: number;
  /** User + system CPU time of the CLI and everything it waited for (language host, program, plugins, pack). */
  readonly cpuMs: number;
  /** Resources the preview would create (`+ N to create`), 0 when not found. */
  readonly resources: number;
  readonly load1m: number;
  /** The last lines of the output, for a failed preview. */
  readonly error?: string;
}

function tail(text: string, lines = 15): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}

/** The environment of `source scripts/pulumi-env.sh`, or the reason it is not available. */
function toolchainEnv(root: string): NodeJS.ProcessEnv | string {
  const result = spawnSync("bash", ["-c", "source scripts/pulumi-env.sh >&2 && env -0"], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
    timeout: 30 * 60 * 1000,
  });
  if (result.status !== 0) return `scripts/pulumi-env.sh failed: ${tail(result.stderr, 5)}`;
  const env: NodeJS.ProcessEnv = {};
  for (const entry of result.stdout.split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** Sets up the toolchain and the state directory; a string is the reason previews cannot run. */
export function setUpPreviews(root: string, state: string): PreviewEnv | string {
  const base = toolchainEnv(root);
  if (typeof base === "string") return base;
  fs.mkdirSync(path.join(state, "scratch", PROJECT), { recursive: true });
  fs.mkdirSync(path.join(state, "tmp"), { recursive: true });
  fs.writeFileSync(
    path.join(state, "scratch", PROJECT, "Pulumi.yaml"),
    `name: ${PROJECT}\nruntime: nodejs\n`,
  );
  const env: NodeJS.ProcessEnv = {
    ...base,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: BENCH_PASSPHRASE,
    PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER: "true",
    // A cluster without a server, so previews run offline (see the file's comment).
    KUBECONFIG: path.join(root, "scripts", "offline-kubeconfig.yaml"),
  };
  delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
  const version = spawnSync("pulumi", ["version"], { env, encoding: "utf8" });
  if (version.status !== 0) return `pulumi version failed: ${tail(version.stderr, 5)}`;
  // The policy pack runs from its JavaScript build; make sure it is there and current.
  const pack = spawnSync(path.join(root, "scripts", "policy-pack.sh"), [], { env, encoding: "utf8" });
  if (pack.status !== 0) return `scripts/policy-pack.sh failed: ${tail(pack.stderr, 5)}`;
  return { root, state, env, cliVersion: version.stdout.trim() };
}

/** Creates the stack in the benchmark's backend (from a scratch project, as scripts/preview.sh does). */
export function initStack(p: PreviewEnv, stack: string): string | undefined {
  const result = spawnSync(
    "pulumi",
    [
      "stack",
      "init",
      stack,
      "--cwd",
      path.join(p.state, "scratch", PROJECT),
      "--no-select",
      "--non-interactive",
    ],
    { env: p.env, encoding: "utf8" },
  );
  const out = `${result.stdout}${result.stderr}`;
  if (result.status === 0 || out.includes("already exists")) return undefined;
  return `pulumi stack init ${stack} failed: ${tail(out, 5)}`;
}

/** Writes the stack file the preview reads: a copy without the secrets-provider keys. */
export function stackFileCopy(p: PreviewEnv, stack: string, text: string): string {
  const file = path.join(p.state, "tmp", `Pulumi.${stack}.yaml`);
  const kept = text
    .split("\n")
    .filter((line) => !/^(encryptionsalt|secretsprovider|encryptedkey):/.test(line));
  fs.writeFileSync(file, kept.join("\n"));
  return file;
}

/** A policy pack a preview enforces: its directory and, optionally, its config file. */
export interface PackUse {
  readonly dir: string;
  readonly config?: string;
}

/** One `pulumi preview`, timed; with `pack`, that policy pack is enforced. */
export async function previewOnce(
  p: PreviewEnv,
  stack: string,
  configFile: string,
  pack: PackUse | undefined,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<PreviewRun> {
  const log = path.join(p.state, "tmp", `preview-${stack}.log`);
  const packArgs =
    pack === undefined
      ? []
      : [
          "--policy-pack",
          pack.dir,
          ...(pack.config === undefined ? [] : ["--policy-pack-config", pack.config]),
        ];
  const args = ["preview", "--stack", stack, "--config-file", configFile, "--non-interactive", ...packArgs];
  // `times` prints the CPU time of the shell's children: the CLI, with everything it waited for.
  const script = 'log="$1"; shift; pulumi "$@" >"$log" 2>&1; rc=$?; times; exit $rc';
  const load1m = os.loadavg()[0] ?? 0;
  const t0 = performance.now();
  const result = await run("bash", ["-c", script, "bash", log, ...args], {
    cwd: p.root,
    env: { ...p.env, ...extraEnv },
    timeoutMs: 20 * 60 * 1000,
  });
  const wallMs = performance.now() - t0;
  const output = fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "";
  const times = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(result.stdout.trim().split("\n")[1] ?? "");
  const cpuMs =
    times === null
      ? Number.NaN
      : (Number(times[1]) * 60 + Number(times[2]) + Number(times[3]) * 60 + Number(times[4])) * 1000;
  const created = /\+ (\d+) to create/.exec(output);
  const ok = result.status === 0;
  return {
    ok,
    wallMs,
    cpuMs,
    resources: created === null ? 0 : Number(created[1]),
    load1m,
    ...(ok ? {} : { error: result.error ?? tail(output) }),
  };
}
