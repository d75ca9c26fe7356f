import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..", "..");

/**
 * A stack file's config the way the Pulumi CLI hands it to the program: structured values as
 * JSON text, plain values as text, keys with their namespace.
 */
export function stackConfigText(stack: string): Record<string, string> {
  const file = parse(readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(file.config).map(([key, value]) => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}

/** The project file, parsed. */
export function projectFile(): { config: Record<string, { type?: string; default?: unknown }> } {
  return parse(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
    config: Record<string, { type?: string; default?: unknown }>;
  };
}
