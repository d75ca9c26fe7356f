// A small stand-in for the CrossGuard analyzer: the args objects the pack's in-process runner
// builds (policy/lib/runPack.ts), with a reportViolation that collects.

import type {
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { PackResource } from "../../policy/lib/resource";
import { resourceArgs, stackArgs, stackResources } from "../../policy/lib/runPack";

/** Like the analyzer: getConfig returns only what the config file set (the policy applies defaults). */
export function fakeResourceArgs(r: PackResource, config: object = {}): ResourceValidationArgs {
  return resourceArgs(r, config as Record<string, unknown>);
}

export function fakeStackArgs(resources: readonly PackResource[], config: object = {}): StackValidationArgs {
  return stackArgs(stackResources(resources), config as Record<string, unknown>);
}

/** The messages a resource policy reports for one resource. */
export async function validateResource(
  policy: ResourceValidationPolicy,
  r: PackResource,
  config: object = {},
): Promise<string[]> {
  const messages: string[] = [];
  const v = policy.validateResource;
  const validations = v === undefined ? [] : Array.isArray(v) ? v : [v];
  for (const validate of validations) {
    await validate(fakeResourceArgs(r, config), (m) => {
      messages.push(m);
    });
  }
  return messages;
}

export interface StackViolation {
  message: string;
  urn: string | undefined;
}

/** The violations a stack policy reports for a stack. */
export async function validateStack(
  policy: StackValidationPolicy,
  resources: readonly PackResource[],
  config: object = {},
): Promise<StackViolation[]> {
  const out: StackViolation[] = [];
  await policy.validateStack(fakeStackArgs(resources, config), (message, urn) => {
    out.push({ message, urn });
  });
  return out;
}

/** The remediated props, or undefined when the policy changed nothing. */
export async function remediate(
  policy: ResourceValidationPolicy,
  r: PackResource,
  config: object = {},
): Promise<Record<string, unknown> | undefined> {
  const fn = policy.remediateResource;
  if (!fn) throw new Error(`${policy.name} has no remediation`);
  const result = await fn(fakeResourceArgs(r, config));
  return result ?? undefined;
}

interface PolicySdkInternals {
  unknownCheckingProxy(o: object): Record<string, unknown>;
}

/**
 * The policy SDK's unknown-checking proxy, which the analyzer wraps props in during preview (the SDK
 * exports it without type declarations).
 */
export async function loadUnknownCheckingProxy(): Promise<(props: object) => Record<string, unknown>> {
  const sdk = (await import("@pulumi/policy")) as unknown as PolicySdkInternals;
  return (props) => sdk.unknownCheckingProxy(props);
}
