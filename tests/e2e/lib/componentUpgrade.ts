/**
 * A small Pulumi program, written to a scratch project, that deploys one model server, a team's
 * GPU tenancy and a training job, either the way releases up to 0.2 did (ModelServing next to
 * separate Autoscaling and ModelMonitoring components, SHAPE=old, with the components of
 * FORMER_RELEASE: the type tokens of then, `k8sml:serving:ModelServing`, ...) or the way the
 * current components do (ModelServing's own autoscaler and ServiceMonitors, `k8sml:index:<Type>`
 * tokens). Updating from the first to the second must keep every object.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "./cluster";

export const UPGRADE_NAMESPACE = "component-upgrade";
export const UPGRADE_TEAM_NAMESPACE = "component-upgrade-team";

/**
 * The last commit whose components registered under the former type tokens (the repository's
 * history must hold it: a full clone does).
 */
export const FORMER_RELEASE = "815fe0dd6e4d45000a15a6216f8d4a78099bd4f9";

const PROGRAM = `
import * as corev1 from "@pulumi/kubernetes/core/v1";
import { Autoscaling } from "./components/autoscaling";
import { ModelMonitoring } from "./components/monitoring";
import { ModelServing } from "./components/modelServing";
import { DistributedTraining } from "./components/distributedTraining";
import { GpuTenancy } from "./components/gpuTenancy";

const ns = new corev1.Namespace("upgrade-ns", { metadata: { name: "${UPGRADE_NAMESPACE}" } });
const server = {
  namespace: ns.metadata.name,
  modelName: "tiny",
  modelUri: ":http,url=https://example.com:tiny",
  image: "vllm/vllm-openai:v0.6.3",
  gpusPerPod: 0,
  cpu: "1",
  memory: "2Gi",
  sharedMemorySize: "512Mi",
  // Fixed, so the update is only the move of the autoscaler and monitor: by default the rollout
  // timeout follows the maximum replica count, which the old shape did not tell ModelServing.
  rolloutTimeoutSeconds: 600,
};
const scaling = { minReplicas: 1, maxReplicas: 2 };
const team = new GpuTenancy("upgrade-team", {
  namespace: "${UPGRADE_TEAM_NAMESPACE}",
  gpuQuota: 2,
  requestsCpu: "8",
  requestsMemory: "16Gi",
  limitsMemory: "16Gi",
});
new DistributedTraining(
  "trainer",
  {
    namespace: team.namespaceName,
    image: "ghcr.io/k8s-ml-patterns/trainer:1.4.0",
    command: ["torchrun", "train.py"],
    workers: 2,
    gpusPerPod: 1,
    gpuProducts: ["NVIDIA-L40S"],
    cpu: "1",
    memory: "2Gi",
    sharedMemorySize: "512Mi",
  },
  { dependsOn: [team] },
);
if (process.env.SHAPE === "old") {
  const serving = new ModelServing("llm", { ...server, autoscaled: true, maxReplicas: scaling.maxReplicas });
  new Autoscaling("llm-scaling", { ...scaling, namespace: ns.metadata.name, deploymentName: serving.deploymentName });
  new ModelMonitoring("llm-monitoring", { namespace: ns.metadata.name, serviceSelectorLabels: serving.selectorLabels });
} else {
  new ModelServing("llm", { ...server, autoscaling: scaling, monitoring: {} });
}
`;

/**
 * Writes the program into a new scratch directory (the CLI writes stack files there) with the
 * project's `node_modules` linked in and FORMER_RELEASE's components and conventions extracted
 * into `former/`, and returns the directory; `useComponents` links `components` to either.
 */
export function writeUpgradeProgram(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "component-upgrade-"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: component-upgrade\nruntime: nodejs\n");
  const compilerOptions = {
    target: "ES2022",
    module: "commonjs",
    moduleResolution: "node",
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noCheck: true,
  };
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions }));
  fs.writeFileSync(path.join(dir, "index.ts"), PROGRAM);
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  const former = path.join(dir, "former");
  fs.mkdirSync(former);
  const archive = execFileSync("git", ["-C", ROOT, "archive", FORMER_RELEASE, "components", "conventions"]);
  execFileSync("tar", ["-x", "-C", former], { input: archive });
  useComponents(dir, "current");
  return dir;
}

/** Points the program's \`components\` at FORMER_RELEASE's or at the repository's. */
export function useComponents(dir: string, release: "former" | "current"): void {
  const link = path.join(dir, "components");
  fs.rmSync(link, { force: true });
  const target =
    release === "former" ? path.join(dir, "former", "components") : path.join(ROOT, "components");
  fs.symlinkSync(target, link);
}
