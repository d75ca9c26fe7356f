// The kubectl side of the `up` benchmark: the very objects a `pulumi up` created, taken from the
// stack's state, applied with `kubectl apply --server-side`, waited for with `kubectl wait` (the
// readiness the provider awaits for these kinds: Deployments Available), and deleted with
// `kubectl delete --wait`. Each phase is timed as a wall time of the commands.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { REPOSITORY_ROOT } from "../lib/paths";
import { ok } from "./commands";
import { round } from "./rounding";
import { CLUSTER_ENV, LONG_MS, NAMESPACE } from "./settings";

export interface KubectlTimes {
  readonly objects: number;
  readonly applySeconds: number;
  readonly waitSeconds: number;
  /** apply + wait: what `pulumi up` is compared with. */
  readonly upSeconds: number;
  readonly deleteSeconds: number;
}

function kubectl(args: readonly string[]): Promise<string> {
  return ok("bash", ["scripts/cluster.sh", "kubectl", ...args], {
    env: CLUSTER_ENV,
    cwd: REPOSITORY_ROOT,
    timeoutMs: LONG_MS,
  });
}

/** Applies, waits for and deletes the objects; the cluster must not hold them already. */
export async function kubectlRound(objects: readonly Record<string, unknown>[]): Promise<KubectlTimes> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-kubectl-"));
  const file = path.join(dir, "objects.yaml");
  fs.writeFileSync(file, objects.map((object) => stringify(object)).join("---\n"));
  try {
    const t0 = performance.now();
    await kubectl(["apply", "--server-side", "--field-manager=bench-kubectl", "-f", file]);
    const t1 = performance.now();
    const deployments = objects.some((object) => object.kind === "Deployment");
    if (deployments) {
      await kubectl([
        "wait",
        "--for=condition=Available",
        "deployment",
        "--all",
        "-n",
        NAMESPACE,
        "--timeout=1800s",
      ]);
    }
    const t2 = performance.now();
    await kubectl(["delete", "--wait=true", "--ignore-not-found", "-f", file]);
    const t3 = performance.now();
    return {
      objects: objects.length,
      applySeconds: round((t1 - t0) / 1000, 1),
      waitSeconds: round((t2 - t1) / 1000, 1),
      upSeconds: round((t2 - t0) / 1000, 1),
      deleteSeconds: round((t3 - t2) / 1000, 1),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
