import * as pulumi from "@pulumi/pulumi";

/** Component arguments with every `pulumi.Input` resolved to its plain value. */
export type Resolved<T> = pulumi.Unwrap<T>;

/**
 * True when a value holds no Output, Promise or unknown anywhere, so it can be checked right now.
 * (A program in another language sends a value that is unknown during a preview as the SDK's
 * unknown marker, inside otherwise plain arguments.)
 */
export function isPlain(value: unknown): boolean {
  if (value === null || typeof value !== "object") return true;
  if (pulumi.Output.isInstance(value) || value instanceof Promise || pulumi.isUnknown(value)) {
    return false;
  }
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
    validateKnown(resolved, validate);
    return resolved;
  });
}

/**
 * Validates resolved arguments unless a value is still unknown: a preview can resolve a program's
 * Outputs with unknowns inside (another language's program sends the SDK's unknown marker), and
 * an unknown value is neither good nor bad yet. The update resolves it and validates then.
 */
function validateKnown<T>(resolved: T, validate: (resolved: T) => void): void {
  if (!pulumi.containsUnknowns(resolved)) validate(resolved);
}

/**
 * Validates the arguments and applies defaults in one step: `resolveArgs` followed by one
 * `apply`, without the intermediate Output (the SDK walks every value an Output holds, looking
 * for unknowns, when it is created and again when it is awaited).
 */
export function resolveSettings<T extends object, S>(
  args: T,
  validate: (resolved: Resolved<T>) => void,
  withDefaults: (resolved: Resolved<T>) => S,
): pulumi.Output<S> {
  if (isPlain(args)) {
    validate(args as Resolved<T>);
    return pulumi.output(withDefaults(args as Resolved<T>)) as pulumi.Output<S>;
  }
  return pulumi.output(args).apply<S>((resolved) => {
    validateKnown(resolved, validate);
    return withDefaults(resolved);
  });
}

/**
 * The top-level fields of a spec built from settings, one Output each: what a resource's
 * arguments take. Same result as `settings.apply(build)` followed by a lifted access per field,
 * with one Output per field instead of one more for the whole spec, whose every value the SDK
 * would walk twice more. `build` is pure and cheap, so it runs once per field.
 */
export function fieldsOf<S, T extends object, const K extends keyof T>(
  settings: pulumi.Output<S>,
  build: (settings: S) => T,
  keys: readonly K[],
): { [P in K]: pulumi.Output<pulumi.Unwrap<T[P]>> } {
  const fields = {} as { [P in K]: pulumi.Output<pulumi.Unwrap<T[P]>> };
  for (const key of keys) {
    fields[key] = settings.apply((s) => build(s)[key]) as pulumi.Output<pulumi.Unwrap<T[typeof key]>>;
  }
  return fields;
}
