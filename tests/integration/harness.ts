/**
 * Real `pulumi preview` runs for the integration tests: the project's toolchain
 * (scripts/pulumi-env.sh), one local file backend per test run in a temporary directory, and
 * previews through the Automation API, collecting the engine events.
 *
 * The CLI writes a passphrase stack's `encryptionsalt` into the stack's config file, so no
 * committed Pulumi.<stack>.yaml is ever handed to it: stacks are created from scratch project
 * directories inside the backend directory, and every preview reads a copy of its stack config
 * from there (`--config-file`), the salt coming from the stack's state.
 */
import { spawn, execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import {
  type EngineEvent,
  LocalWorkspace,
  type PolicyEvent,
  PulumiCommand,
  type PulumiFn,
  Stack,
} from "@pulumi/pulumi/automation";

export const ROOT = path.resolve(__dirname, "..", "..");

/** A kubeconfig whose cluster has no server, so previews run offline (see the file's comment). */
const OFFLINE_KUBECONFIG = path.join(ROOT, "scripts", "offline-kubeconfig.yaml");
export const FIXTURES = path.join(__dirname, "fixtures");
export const POLICY_PACK = path.join(ROOT, "policy");

/**
 * The passphrase of the throwaway test stacks. Local-only and published: these stacks hold no
 * secrets and live in a temporary directory removed after the run.
 */
const TEST_PASSPHRASE = "k8s-ml-patterns-integration-tests-only";

/** Long enough for a first, cold build of the toolchain by scripts/pulumi-env.sh. */
export const TOOLCHAIN_TIMEOUT_MS = 60 * 60_000;

const execFileAsync = promisify(execFile);

interface PolicySummary {
  readonly resourceUrn?: string;
  readonly policyPackName: string;
  readonly passed?: readonly string[];
  readonly failed?: readonly string[];
}

/** A remediation the engine applied: the resource's inputs before and after one policy. */
export interface PolicyRemediation {
  readonly resourceUrn?: string;
  readonly policyName: string;
  readonly policyPackName: string;
  readonly before?: Record<string, unknown>;
  readonly after?: Record<string, unknown>;
}

/** Engine events as the CLI sends them, including kinds the SDK's EngineEvent type does not declare. */
export type RawEngineEvent = EngineEvent & {
  readonly policyRemediationEvent?: PolicyRemediation;
  readonly policyAnalyzeSummaryEvent?: PolicySummary;
  readonly policyRemediateSummaryEvent?: PolicySummary;
  readonly policyAnalyzeStackSummaryEvent?: PolicySummary;
};

/** One resource step of a preview. */
export interface PreviewStep {
  readonly op: string;
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly inputs: Record<string, unknown>;
}

export interface PreviewRun {
  /** False when the CLI exited non-zero. */
  readonly succeeded: boolean;
  /** The CLI's output (stdout and stderr; on failure the Automation API's error message). */
  readonly output: string;
  readonly seconds: number;
  readonly events: readonly RawEngineEvent[];
}

export interface PreviewOptions {
  /** The Pulumi project directory (the repository root or a fixture). */
  readonly workDir: string;
  readonly stack: string;
  /** The stack config YAML the preview reads. */
  readonly stackConfig: string;
  /** A --policy-pack-config file; without it the policy pack does not run. */
  readonly policyPackConfig?: string;
}

export interface Integration {
  /** Where the state, scratch projects and config copies of this run live. */
  readonly dir: string;
  /** The environment the CLI runs with: the toolchain on PATH, the run's backend, offline cluster. */
  readonly env: Readonly<Record<string, string>>;
  /** The project's Pulumi CLI. */
  readonly pulumi: string;
  preview(options: PreviewOptions): Promise<PreviewRun>;
  /** A preview of an Automation API inline program, run in this process. */
  previewInline(project: string, stack: string, program: PulumiFn): Promise<PreviewRun>;
  /** Writes a file into the run's directory and returns its path. */
  writeFile(name: string, text: string): string;
}

let shared: Promise<Integration> | undefined;

/**
 * Registers, in the calling `describe`, the hooks every preview test needs: set up the toolchain
 * and backend (with the toolchain's long timeout, since a first run builds it), then run one
 * preview with the options `options` gives, and hand its run to `use`.
 */
export function previewBeforeAll(
  options: (it: Integration) => PreviewOptions,
  use: (run: PreviewRun) => void,
): void {
  before(async function () {
    this.timeout(TOOLCHAIN_TIMEOUT_MS);
    await integration();
  });
  before(async () => {
    const it = await integration();
    use(await it.preview(options(it)));
  });
}

/** The run's toolchain and backend, set up on first use and shared by every test file. */
export function integration(): Promise<Integration> {
  shared ??= setUp();
  return shared;
}

async function setUp(): Promise<Integration> {
  const toolEnv = await toolchainEnv();
  await ensurePolicyPackages(toolEnv);

  const dir = mkdtempSync(path.join(os.tmpdir(), "k8s-ml-previews-"));
  if (process.env.K8S_ML_KEEP_TEST_STATE === "1") {
    process.once("exit", () => {
      console.error(`integration tests: state kept in ${dir}`);
    });
  } else {
    process.once("exit", () => {
      rmSync(dir, { recursive: true, force: true });
    });
  }
  const writeFile = (name: string, text: string): string => {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  };

  const state = path.join(dir, "state");
  mkdirSync(state);
  const env: Record<string, string> = {
    ...toolEnv,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
    PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER: "true",
    // A cluster without a server: the provider cannot build a client, marks the cluster
    // unreachable without any network access (and without falling back to ~/.kube/config or
    // in-cluster credentials), and previews offline.
    KUBECONFIG: OFFLINE_KUBECONFIG,
  };
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(path.dirname(whichPulumi(env))) });

  const created = new Set<string>();
  const createStack = async (project: string, stack: string): Promise<void> => {
    if (created.has(`${project}/${stack}`)) return;
    const scratch = path.dirname(
      writeFile(`scratch/${project}/Pulumi.yaml`, `name: ${project}\nruntime: nodejs\n`),
    );
    await execFileAsync(
      pulumiCommand.command,
      ["stack", "init", stack, "--cwd", scratch, "--no-select", "--non-interactive"],
      { env: { ...process.env, ...env } },
    );
    created.add(`${project}/${stack}`);
  };

  let configs = 0;
  const preview = async (options: PreviewOptions): Promise<PreviewRun> => {
    const project = projectName(options.workDir);
    await createStack(project, options.stack);
    configs += 1;
    const configFile = writeFile(
      `config/${project}/Pulumi.${options.stack}.${String(configs)}.yaml`,
      // Secrets-provider keys would tie the copy to another passphrase; the state supplies them.
      options.stackConfig.replace(/^(encryptionsalt|secretsprovider|encryptedkey):.*\n?/gm, ""),
    );
    const workspace = await LocalWorkspace.create({ workDir: options.workDir, envVars: env, pulumiCommand });
    const stack = await Stack.select(options.stack, workspace);
    const events: RawEngineEvent[] = [];
    const started = process.hrtime.bigint();
    const seconds = (): number => {
      const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
      if (process.env.K8S_ML_TEST_TIMINGS === "1") {
        console.error(`      preview ${project}/${options.stack}: ${elapsed.toFixed(1)}s`);
      }
      return elapsed;
    };
    try {
      const result = await stack.preview({
        configFile,
        color: "never",
        onEvent: (event) => {
          events.push(event);
        },
        ...(options.policyPackConfig === undefined
          ? {}
          : { policyPacks: [POLICY_PACK], policyPackConfigs: [options.policyPackConfig] }),
      });
      return { succeeded: true, output: result.stdout + result.stderr, seconds: seconds(), events };
    } catch (error) {
      if (!(error instanceof Error) || error.name !== "CommandError") throw error;
      return { succeeded: false, output: error.message, seconds: seconds(), events };
    }
  };

  const previewInline = async (project: string, stack: string, program: PulumiFn): Promise<PreviewRun> => {
    const inline = await LocalWorkspace.createOrSelectStack(
      { projectName: project, stackName: stack, program },
      { envVars: env, pulumiCommand, projectSettings: { name: project, runtime: "nodejs" } },
    );
    const events: RawEngineEvent[] = [];
    const started = process.hrtime.bigint();
    const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const result = await inline.preview({
        color: "never",
        onEvent: (event) => {
          events.push(event);
        },
      });
      return { succeeded: true, output: result.stdout + result.stderr, seconds: seconds(), events };
    } catch (error) {
      if (!(error instanceof Error) || error.name !== "CommandError") throw error;
      return { succeeded: false, output: error.message, seconds: seconds(), events };
    }
  };

  return { dir, env, pulumi: pulumiCommand.command, preview, previewInline, writeFile };
}

/** The environment after `source scripts/pulumi-env.sh` (which builds the toolchain if needed). */
async function toolchainEnv(): Promise<Record<string, string>> {
  const child = spawn("bash", ["-c", "source scripts/pulumi-env.sh >&2 && env -0"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const chunks: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (code !== 0) throw new Error(`source scripts/pulumi-env.sh failed (exit ${String(code)})`);
  const env: Record<string, string> = {};
  for (const entry of Buffer.concat(chunks).toString("utf8").split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

function whichPulumi(env: Record<string, string>): string {
  const searchPath = "PATH" in env ? env.PATH : "";
  for (const dir of searchPath.split(path.delimiter)) {
    const candidate = path.join(dir, "pulumi");
    if (dir !== "" && existsSync(candidate)) return candidate;
  }
  throw new Error("no pulumi on the PATH of scripts/pulumi-env.sh");
}

/** The pack's packages and JavaScript build, when missing or out of date (scripts/policy-pack.sh). */
async function ensurePolicyPackages(env: Record<string, string>): Promise<void> {
  await execFileAsync(path.join(ROOT, "scripts", "policy-pack.sh"), [], { env: { ...process.env, ...env } });
}

function projectName(workDir: string): string {
  const match = /^name:\s*(\S+)\s*$/m.exec(readFileSync(path.join(workDir, "Pulumi.yaml"), "utf8"));
  if (match?.[1] === undefined) throw new Error(`no project name in ${workDir}/Pulumi.yaml`);
  return match[1];
}

/** Every resource step of a preview (default providers left out), in event order. */
export function steps(run: PreviewRun): PreviewStep[] {
  return run.events.flatMap((event) => {
    const metadata = event.resourcePreEvent?.metadata;
    if (metadata === undefined || metadata.type.startsWith("pulumi:providers:")) return [];
    return [
      {
        op: metadata.op,
        type: metadata.type,
        name: metadata.urn.slice(metadata.urn.lastIndexOf("::") + 2),
        urn: metadata.urn,
        inputs: (metadata.new?.inputs ?? {}) as Record<string, unknown>,
      },
    ];
  });
}

export function policyViolations(run: PreviewRun): PolicyEvent[] {
  return run.events.flatMap((event) => (event.policyEvent === undefined ? [] : [event.policyEvent]));
}

export function remediations(run: PreviewRun): PolicyRemediation[] {
  return run.events.flatMap((event) =>
    event.policyRemediationEvent === undefined ? [] : [event.policyRemediationEvent],
  );
}

/** The names of the policies the pack evaluated (passed or failed), resource and stack policies alike. */
export function policiesRun(run: PreviewRun): Set<string> {
  const names = new Set<string>();
  for (const event of run.events) {
    for (const summary of [event.policyAnalyzeSummaryEvent, event.policyAnalyzeStackSummaryEvent]) {
      for (const name of [...(summary?.passed ?? []), ...(summary?.failed ?? [])]) names.add(name);
    }
  }
  return names;
}

/** Error diagnostics, one string each without the trailing newline. */
export function errors(run: PreviewRun): string[] {
  return run.events.flatMap((event) => {
    const diagnostic = event.diagnosticEvent;
    return diagnostic?.severity === "error" ? [diagnostic.message.trimEnd()] : [];
  });
}

/** The summary's change counts ({create: 36}); empty when the engine sent no summary. */
export function changeSummary(run: PreviewRun): Record<string, number> {
  for (const event of run.events) {
    const summary = event.summaryEvent;
    if (summary !== undefined) return { ...summary.resourceChanges };
  }
  return {};
}

/** Counts by resource type. */
export function countByType(resources: readonly { readonly type: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
}

/** A stack file of the repository, as text. */
export function stackFile(stack: string): string {
  return readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
}
