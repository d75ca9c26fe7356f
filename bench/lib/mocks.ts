// Pulumi mocks for the benchmark's child processes: preview off (every Output resolves), each
// registration counted and, when asked, recorded. The program and the baseline run under the
// same mocks, so what the mocks cost is the same on both sides of a ratio.

import * as pulumi from "@pulumi/pulumi";

export const BENCH_PROJECT = "k8s-ml-patterns";
export const BENCH_STACK = "bench";

/** One registration as the engine would receive it. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  /** `<type>::<name>` of the parent component, when it has one. */
  readonly parent?: string;
  /**
   * `<type>::<name>` of the Kubernetes objects it depends on (explicit `dependsOn` and the
   * resources its inputs' Outputs came from; dependencies on components arrive expanded to their
   * children), in the order the request listed them; absent when none.
   */
  readonly dependsOn?: string[];
  /** Set (true) when the registration asked for `deleteBeforeReplace`. */
  readonly deleteBeforeReplace?: boolean;
  /** The registration's `ignoreChanges` property paths; absent when none. */
  readonly ignoreChanges?: string[];
}

export interface Registrations {
  /** Every registration (components included). */
  total: number;
  /** Registrations of Kubernetes objects (type `kubernetes:*`). */
  kubernetes: number;
  /** The recorded registrations, when recording. */
  readonly recorded: RecordedResource[] | undefined;
}

/** The parts of a RegisterResourceRequest (@pulumi/pulumi/proto/resource_pb) the recording reads. */
interface RegisterRequest {
  getParent(): string;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): {
    forEach(callback: (dependencies: { getUrnsList(): string[] }, property: string) => void): void;
  };
  getDeletebeforereplace(): boolean;
  getIgnorechangesList(): string[];
}

/** What the request says about a registration that the mocks' newResource is not told. */
type RequestFields = Pick<RecordedResource, "parent" | "dependsOn" | "deleteBeforeReplace" | "ignoreChanges">;

interface MockMonitor {
  registerResource(req: RegisterRequest, callback: unknown): unknown;
}

interface RuntimeSettings {
  waitForRPCs(): Promise<void>;
  getMonitor(): MockMonitor | undefined;
}

function runtimeSettings(): RuntimeSettings {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("@pulumi/pulumi/runtime/settings") as RuntimeSettings;
}

/** `<type>::<name>` of the resource a URN names (its type without the parents' types). */
export function keyOfUrn(urn: string): string | undefined {
  const parts = urn.split("::");
  const type = parts[2]?.split("$").at(-1);
  const name = parts.slice(3).join("::");
  return type === undefined || name === "" ? undefined : `${type}::${name}`;
}

/** Parent, Kubernetes dependencies and replacement options of a request, empty ones left out. */
function requestFields(req: RegisterRequest): RequestFields {
  const parent = req.getParent() === "" ? undefined : keyOfUrn(req.getParent());
  const urns = new Set(req.getDependenciesList());
  req.getPropertydependenciesMap().forEach((dependencies) => {
    for (const urn of dependencies.getUrnsList()) urns.add(urn);
  });
  const dependsOn = new Set<string>();
  for (const urn of urns) {
    const key = keyOfUrn(urn);
    if (key?.startsWith("kubernetes:") === true) dependsOn.add(key);
  }
  const ignoreChanges = req.getIgnorechangesList();
  return {
    ...(parent === undefined ? {} : { parent }),
    ...(dependsOn.size === 0 ? {} : { dependsOn: [...dependsOn] }),
    ...(req.getDeletebeforereplace() ? { deleteBeforeReplace: true } : {}),
    ...(ignoreChanges.length === 0 ? {} : { ignoreChanges: [...ignoreChanges] }),
  };
}

export async function installMocks(record: boolean): Promise<Registrations> {
  const seen: Registrations = { total: 0, kubernetes: 0, recorded: record ? [] : undefined };
  let fromRequest: RequestFields = {};
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        const inputs = args.inputs as Record<string, unknown>;
        seen.total++;
        if (args.type.startsWith("kubernetes:")) seen.kubernetes++;
        seen.recorded?.push({ type: args.type, name: args.name, inputs, ...fromRequest });
        return { id: `${args.name}-id`, state: inputs };
      },
      call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        return args.inputs as Record<string, unknown>;
      },
    },
    BENCH_PROJECT,
    BENCH_STACK,
    false,
  );
  const monitor = runtimeSettings().getMonitor();
  if (record && monitor !== undefined) {
    // The mocks are not told the parent, the dependencies or the options; the request is.
    // newResource runs synchronously inside registerResource, so what is noted here belongs to
    // the registration it records.
    const registerResource = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
      fromRequest = requestFields(req);
      return registerResource(req, callback);
    };
  }
  return seen;
}

/** Resolves once every registration so far has reached the mocks (the SDK's own RPC tracking). */
export function waitForRegistrations(): Promise<void> {
  return runtimeSettings().waitForRPCs();
}
