/**
 * Rendering a kustomize directory with the real engine: `kubectl kustomize DIR`, with the kubectl
 * the toolchain builds (scripts/toolchain.sh, family "kubernetes"), or K8S_ML_KUBECTL when set.
 */

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The file names that make a directory a kustomization (as kustomize looks for them). */
export const KUSTOMIZATION_FILES: readonly string[] = [
  "kustomization.yaml",
  "kustomization.yml",
  "Kustomization",
];

/** Whether the directory holds a kustomization file. */
export function isKustomization(dir: string): boolean {
  return KUSTOMIZATION_FILES.some((name) => fs.existsSync(path.join(dir, name)));
}

function repositoryRoot(): string | undefined {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "scripts", "toolchain.sh"))) return dir;
  }
  return undefined;
}

/** The kubectl to run: K8S_ML_KUBECTL, or the toolchain's (built when missing). */
export function kubectlPath(): string {
  const given = process.env.K8S_ML_KUBECTL;
  if (given !== undefined && given !== "") return given;
  const root = repositoryRoot();
  if (!root) throw new Error("K8S_ML_KUBECTL is not set and scripts/toolchain.sh is not found");
  const result = spawnSync(
    "bash",
    [path.join(root, "scripts", "toolchain.sh"), "--print-path", "kubernetes"],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  if (result.status !== 0) {
    throw new Error(
      `scripts/toolchain.sh --print-path kubernetes failed: ${result.stderr.trim().split("\n").at(-1) ?? ""}`,
    );
  }
  for (const dir of result.stdout.trim().split(":")) {
    const candidate = path.join(dir, "kubectl");
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`no kubectl in ${result.stdout.trim()}`);
}

/** The manifests `kubectl kustomize DIR` renders; throws with kubectl's message when it fails. */
export function renderKustomization(dir: string): string {
  const result = spawnSync(kubectlPath(), ["kustomize", dir], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (result.error) throw new Error(`cannot run kubectl kustomize: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(
      `kubectl kustomize failed: ${result.stderr.trim().split("\n")[0] ?? `exit ${String(result.status)}`}`,
    );
  }
  return result.stdout;
}
