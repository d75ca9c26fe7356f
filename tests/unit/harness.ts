import * as pulumi from "@pulumi/pulumi";

/** One resource the program registered under mocks. */
export interface RegisteredResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

const registered: RegisteredResource[] = [];

/**
 * Installs Pulumi mocks (preview off, so every output resolves to a known value) that record
 * every resource registered. Call once per test file, in a `before` hook.
 */
export async function useMocks(stack = "test", project = "k8s-ml-patterns"): Promise<void> {
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        return { id: `${args.name}-id`, state: args.inputs as Record<string, unknown> };
      },
      call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        return args.inputs as Record<string, unknown>;
      },
    },
    project,
    stack,
    false,
  );
}

/** Forgets what was recorded, so each test sees only its own resources. */
export function resetRegistrations(): void {
  registered.length = 0;
}

interface RuntimeSettings {
  waitForRPCs(): Promise<void>;
}

/**
 * Waits until every pending registration has reached the mocks, then returns all recorded
 * resources. Uses the SDK's own RPC tracking (pinned SDK version), so no resource is missed.
 */
export async function registrations(): Promise<RegisteredResource[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as RuntimeSettings;
  await settings.waitForRPCs();
  return [...registered];
}

/** Resolves an Output (or plain value) to its value. */
export function valueOf<T>(output: pulumi.Input<T>): Promise<pulumi.Unwrap<T>> {
  return new Promise((resolve) => {
    pulumi.output(output).apply((value) => {
      resolve(value);
      return value;
    });
  });
}

/** The single recorded resource of a type and name; fails the test when absent. */
export function findResource(
  all: readonly RegisteredResource[],
  type: string,
  name: string,
): RegisteredResource {
  const found = all.find((r) => r.type === type && r.name === name);
  if (found === undefined) {
    const known = all.map((r) => `${r.type}:${r.name}`).join(", ");
    throw new Error(`no ${type} named ${name} was registered; registered: ${known}`);
  }
  return found;
}
