/**
 * The inputs of a component constructed for another language, with every value that is already
 * known taken out of its Output, so the component checks it before registering anything, as it
 * does for a TypeScript program's plain config.
 */
import * as pulumi from "@pulumi/pulumi";

/** The SDK's view of an Output that this file reads (stable across the pinned SDK release). */
interface OutputState {
  readonly isKnown: Promise<boolean>;
  promise(withUnknowns?: boolean): Promise<unknown>;
  resources(): Set<pulumi.Resource>;
}

/** Known inputs as plain values, and the resources they came from. */
export interface KnownInputs {
  readonly inputs: Record<string, unknown>;
  /** The resources the unwrapped values depended on; the component's children depend on them. */
  readonly dependencies: pulumi.Resource[];
}

/**
 * Replaces every Output that is known and not secret, at any depth, by its value. Unknown values
 * (a preview before their resource exists) and secrets stay Outputs: the component checks them
 * once they resolve and keeps secrets secret.
 */
export async function knownInputs(inputs: Record<string, unknown>): Promise<KnownInputs> {
  const dependencies = new Set<pulumi.Resource>();
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(inputs)) {
    resolved[key] = await knownValue(value, dependencies);
  }
  return { inputs: resolved, dependencies: [...dependencies] };
}

async function knownValue(value: unknown, dependencies: Set<pulumi.Resource>): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const state = value as unknown as OutputState;
    const [known, secret] = await Promise.all([state.isKnown, pulumi.isSecret(value)]);
    if (!known || secret) return value;
    const inner = await state.promise(true);
    if (pulumi.containsUnknowns(inner)) return value;
    for (const resource of state.resources()) dependencies.add(resource);
    return knownValue(inner, dependencies);
  }
  if (Array.isArray(value)) {
    return Promise.all(value.map((item) => knownValue(item, dependencies)));
  }
  if (isPlainObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      result[key] = await knownValue(item, dependencies);
    }
    return result;
  }
  return value;
}

/** A JSON-like object (not an Output, asset, resource or the SDK's unknown marker). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * A transformation that makes a resource depend on `dependencies`. Given to a component, it
 * applies to every child, which keeps the order the unwrapped Outputs implied (create after,
 * delete before the resources they came from).
 */
export function dependOn(dependencies: pulumi.Resource[]): pulumi.ResourceTransformation {
  return ({ props, opts }) => ({
    props,
    opts: pulumi.mergeOptions(opts, { dependsOn: dependencies }),
  });
}
