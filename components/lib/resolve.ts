import * as pulumi from "@pulumi/pulumi";

/** Component arguments with every `pulumi.Input` resolved to its plain value. */
export type Resolved<T> = pulumi.Unwrap<T>;

/** True when a value holds no Output or Promise anywhere, so it can be checked right now. */
export function isPlain(value: unknown): boolean {
  if (value === null || typeof value !== "object") return true;
  if (pulumi.Output.isInstance(value) || value instanceof Promise) return false;
  if (Array.isArray(value)) return value.every(isPlain);
  return Object.values(value as Record<string, unknown>).every(isPlain);
}

/**
 * Validates component arguments and returns them resolved.
 *
 * Plain arguments (the common case, and always the case for stack config) are validated
 * synchronously, so a bad value throws from the constructor before any child is registered.
 * Arguments that hold Outputs are validated once they resolve; the specs are built from the
 * returned Output, so a failure there fails the resources instead of passing silently.
 */
export function resolveArgs<T extends object>(
  args: T,
  validate: (resolved: Resolved<T>) => void,
): pulumi.Output<Resolved<T>> {
  if (isPlain(args)) {
    validate(args as Resolved<T>);
    return pulumi.output(args);
  }
  return pulumi.output(args).apply((resolved) => {
    validate(resolved);
    return resolved;
  });
}
