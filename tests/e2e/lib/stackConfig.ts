/** A committed stack file's config, validated by the program's own loader, with any overrides. */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { parseStackConfig, readRawConfig } from "../../../config/load";
import type { StackConfig } from "../../../config/schema";
import { ROOT } from "./cluster";

export function stackConfig(stack: string, overrides: Readonly<Record<string, string>> = {}): StackConfig {
  const file = parse(readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  const text = Object.fromEntries(
    Object.entries(file.config).map(([key, value]) => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
  return parseStackConfig(stack, readRawConfig({ ...text, ...overrides }));
}

/** The GPU product each GPU workload of a stack asks for, by workload (component) name. */
export function gpuProductsByWorkload(config: StackConfig): Map<string, string> {
  const products = new Map<string, string>();
  for (const m of config.models) if (m.gpusPerPod > 0) products.set(m.name, m.gpuProduct);
  for (const t of config.trainingJobs) if (t.gpusPerWorker > 0) products.set(t.name, t.gpuProduct);
  for (const b of config.batchJobs) if (b.gpusPerPod > 0) products.set(b.name, b.gpuProduct);
  return products;
}
