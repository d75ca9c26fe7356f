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
}

export interface Registrations {
  /** Every registration (components included). */
  total: number;
  /** Registrations of Kubernetes objects (type `kubernetes:*`). */
  kubernetes: number;
  /** The recorded registrations, when recording. */
  readonly recorded: RecordedResource[] | undefined;
}

interface RegisterRequest {
  getParent(): string;
}

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
function keyOfUrn(urn: string): string | undefined {
  const parts = urn.split("::");
  const type = parts[2]?.split("$").at(-1);
  const name = parts.slice(3).join("::");
  return type === undefined || name === "" ? undefined : `${type}::${name}`;
}

export async function installMocks(record: boolean): Promise<Registrations> {
  const seen: Registrations = { total: 0, kubernetes: 0, recorded: record ? [] : undefined };
  let parent: string | undefined;
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        const inputs = args.inputs as Record<string, unknown>;
        seen.total++;
        if (args.type.startsWith("kubernetes:")) seen.kubernetes++;
        seen.recorded?.push({
          type: args.type,
          name: args.name,
          inputs,
          ...(parent === undefined ? {} : { parent }),
        });
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
    // The mocks are not told the parent; the request is. newResource runs synchronously inside
    // registerResource, so the parent noted here is the one of the registration it records.
    const registerResource = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
      parent = req.getParent() === "" ? undefined : keyOfUrn(req.getParent());
      return registerResource(req, callback);
    };
  }
  return seen;
}

/** Resolves once every registration so far has reached the mocks (the SDK's own RPC tracking). */
export function waitForRegistrations(): Promise<void> {
  return runtimeSettings().waitForRPCs();
}
