/**
 * A small Pulumi program, written to a scratch project, that deploys one model server either the
 * way releases before 0.2 composed it (ModelServing next to separate Autoscaling and
 * ModelMonitoring components, SHAPE=old) or the way ModelServing does it now (its own autoscaler
 * and ServiceMonitors). Updating from the first to the second must keep the objects.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "./cluster";

export const UPGRADE_NAMESPACE = "component-upgrade";

const PROGRAM = `
import * as corev1 from "@pulumi/kubernetes/core/v1";
import { Autoscaling } from "./components/autoscaling";
import { ModelMonitoring } from "./components/monitoring";
import { ModelServing } from "./components/modelServing";

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
 * project's `node_modules` and `components` linked in, and returns the directory.
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
  fs.symlinkSync(path.join(ROOT, "components"), path.join(dir, "components"));
  return dir;
}
