/** Field paths in messages, e.g. spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]. */

/** A key that may follow a dot unquoted (a JavaScript identifier). */
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Appends segments to a path: strings become `.name` (or `["odd/key"]`), numbers become `[i]`. */
export function fieldPath(base: string, ...segments: readonly (string | number)[]): string {
  let path = base;
  for (const segment of segments) {
    if (typeof segment === "number") path += `[${segment}]`;
    else if (IDENT.test(segment)) path += path === "" ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}
