// Field paths in messages, e.g. spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"].

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Appends segments to a path: strings become `.name` (or `["odd/key"]`), numbers become `[i]`. */
export function fieldPath(base: string, ...segments: readonly (string | number)[]): string {
  let out = base;
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (IDENT.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
