/**
 * The project's stacks on the test cluster, driven through the Pulumi CLI the way a user runs it.
 *
 * Backend, passphrase, stack creation and the stack-config copy come from
 * `scripts/up-local.sh --env <stack>` (one convention for the main job, these tests and the
 * benchmark): the local file backend inside the cluster's state directory, the fixed local-only
 * passphrase, and a fresh copy of Pulumi.<stack>.yaml that the CLI may write to.
 */
import * as path from "node:path";
import { clusterEnv, ROOT } from "./cluster";
import { describeRun, run, type RunOptions, type RunResult, type Running, start } from "./run";

/** Generous bounds: the machine may be shared, and a first run compiles the program. */
export const UP_TIMEOUT_MS = 15 * 60_000;
export const DESTROY_TIMEOUT_MS = 10 * 60_000;
/** `up-local.sh --env` builds the toolchain when it is not cached yet. */
const PREPARE_TIMEOUT_MS = 60 * 60_000;

/** Engine events as `pulumi up --json` prints them, one per line after the preview document. */
export interface EngineEvent {
  readonly sequence: number;
  readonly timestamp: number;
  readonly summaryEvent?: {
    readonly resourceChanges?: Readonly<Record<string, number>>;
    readonly result?: string;
    readonly durationSeconds: number;
  };
  readonly resOutputsEvent?: {
    readonly metadata: { readonly op: string; readonly urn: string; readonly type: string };
  };
  readonly diagnosticEvent?: { readonly message: string; readonly severity: string; readonly urn?: string };
}

export interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly custom?: boolean;
  readonly id?: string;
  /** Set when the object was created but its await did not succeed (e.g. cancelled). */
  readonly initErrors?: readonly string[];
  readonly outputs?: {
    readonly kind?: string;
    readonly apiVersion?: string;
    readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly uid?: string };
  };
}

export interface StackState {
  readonly resources: readonly StateResource[];
  readonly pendingOperations: readonly {
    readonly type: string;
    readonly resource: { readonly urn: string };
  }[];
}

/** A Kubernetes object a stack manages: its kind, namespace (or "") and name, as the state records it. */
export interface ManagedObject {
  readonly urn: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string | undefined;
}

export class LocalStack {
  private constructor(
    readonly name: string,
    readonly env: NodeJS.ProcessEnv,
    readonly configFile: string,
  ) {}

  /** Prepares the stack on the test cluster (toolchain, cluster up, stack init, config copy). */
  static async prepare(name: string): Promise<LocalStack> {
    const script = 'eval "$("$0" --env "$1")" && env -0';
    const result = await run("bash", ["-c", script, path.join(ROOT, "scripts/up-local.sh"), name], {
      env: clusterEnv(),
      cwd: ROOT,
      timeoutMs: PREPARE_TIMEOUT_MS,
    });
    if (result.code !== 0) throw new Error(describeRun("scripts/up-local.sh --env", [name], result));
    const env: NodeJS.ProcessEnv = {};
    for (const entry of result.stdout.split("\0")) {
      const eq = entry.indexOf("=");
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    const configFile = env.K8S_ML_LOCAL_CONFIG_FILE;
    if (configFile === undefined || env.PULUMI_BACKEND_URL === undefined) {
      throw new Error(`scripts/up-local.sh --env ${name} did not set the backend and config file`);
    }
    return new LocalStack(name, env, configFile);
  }

  /** Starts `pulumi <args>` from the repository root with the stack's environment. */
  pulumi(args: readonly string[], options: Omit<RunOptions, "env" | "cwd">): Running {
    return start("pulumi", args, { ...options, env: this.env, cwd: ROOT });
  }

  /** The arguments of the main job's `pulumi up`, plus extra ones. */
  upArgs(extra: readonly string[] = []): string[] {
    return [
      "up",
      "--stack",
      this.name,
      "--yes",
      "--config-file",
      this.configFile,
      "--policy-pack",
      "policy",
      "--policy-pack-config",
      `policy-config/${this.name}.json`,
      ...extra,
    ];
  }

  /** `pulumi up --json`; returns the run and the engine events. */
  async upJson(extra: readonly string[] = []): Promise<{ result: RunResult; events: EngineEvent[] }> {
    const args = this.upArgs(["--json", ...extra]);
    const result = await this.pulumi(args, { timeoutMs: UP_TIMEOUT_MS }).done;
    return { result, events: parseEvents(result.stdout) };
  }

  /** `pulumi refresh` of the stack, without a preview. */
  async refresh(): Promise<RunResult> {
    return this.pulumi(this.withoutPreview("refresh"), { timeoutMs: UP_TIMEOUT_MS }).done;
  }

  /** `pulumi destroy` of the stack, without a preview. */
  async destroy(): Promise<RunResult> {
    return this.pulumi(this.withoutPreview("destroy"), { timeoutMs: DESTROY_TIMEOUT_MS }).done;
  }

  private withoutPreview(command: string): string[] {
    return [command, "--stack", this.name, "--yes", "--skip-preview", "--config-file", this.configFile];
  }

  /** How many resources the stack's state holds (0 for a new or destroyed stack). */
  async resourceCount(): Promise<number> {
    const result = await this.pulumi(["stack", "ls", "--json"], { timeoutMs: 60_000 }).done;
    if (result.code !== 0) throw new Error(describeRun("pulumi stack ls --json", [], result));
    const stacks = JSON.parse(result.stdout) as { name: string; resourceCount?: number }[];
    return stacks.find((s) => s.name === this.name)?.resourceCount ?? 0;
  }

  async state(): Promise<StackState> {
    const args = ["stack", "export", "--stack", this.name];
    const result = await this.pulumi(args, { timeoutMs: 60_000 }).done;
    if (result.code !== 0) throw new Error(describeRun("pulumi", args, result));
    const exported = JSON.parse(result.stdout) as {
      deployment?: { resources?: StateResource[]; pending_operations?: StackState["pendingOperations"] };
    };
    return {
      resources: exported.deployment?.resources ?? [],
      pendingOperations: exported.deployment?.pending_operations ?? [],
    };
  }

  /** The Kubernetes objects in the stack's state (not providers, components or the stack). */
  async managedObjects(): Promise<ManagedObject[]> {
    return managedObjects((await this.state()).resources);
  }

  /** A stack output as JSON. */
  async output<T>(name: string): Promise<T> {
    const args = ["stack", "output", name, "--stack", this.name, "--json"];
    const result = await this.pulumi(args, { timeoutMs: 60_000 }).done;
    if (result.code !== 0) throw new Error(describeRun("pulumi", args, result));
    return JSON.parse(result.stdout) as T;
  }
}

/** Engine events from the stdout of a `--json` run: the lines that are event objects. */
export function parseEvents(stdout: string): EngineEvent[] {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith('{"sequence":'))
    .map((line) => JSON.parse(line) as EngineEvent);
}

/** The summary of a run's engine events, or a failure naming the run's diagnostics. */
export function summaryOf(events: readonly EngineEvent[]): NonNullable<EngineEvent["summaryEvent"]> {
  const summary = events.find((e) => e.summaryEvent !== undefined)?.summaryEvent;
  if (summary === undefined) throw new Error("the run printed no summary event");
  return summary;
}

/** Error diagnostics of a run, one per line, for assertion messages. */
export function errorsOf(events: readonly EngineEvent[]): string {
  return events
    .map((e) => e.diagnosticEvent)
    .filter((d) => d !== undefined && d.severity === "error")
    .map((d) => `${d?.urn ?? ""}: ${d?.message.trim() ?? ""}`)
    .join("\n");
}

export function managedObjects(resources: readonly StateResource[]): ManagedObject[] {
  return resources
    .filter(
      (r) => r.custom === true && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:"),
    )
    .map((r) => {
      const kind = r.outputs?.kind ?? r.type.split(":").at(-1) ?? "";
      const id = r.id ?? "";
      const slash = id.indexOf("/");
      return {
        urn: r.urn,
        apiVersion: r.outputs?.apiVersion ?? "",
        kind,
        namespace: r.outputs?.metadata?.namespace ?? (slash >= 0 ? id.slice(0, slash) : ""),
        name: r.outputs?.metadata?.name ?? (slash >= 0 ? id.slice(slash + 1) : id),
        uid: r.outputs?.metadata?.uid,
      };
    });
}

/** `Kind namespace/name` (or `Kind name` when cluster-scoped), the key the tests compare objects by. */
export function objectKey(o: {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}): string {
  return o.namespace === "" ? `${o.kind} ${o.name}` : `${o.kind} ${o.namespace}/${o.name}`;
}
