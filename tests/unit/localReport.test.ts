import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { nodeGpuLines, quotaLines } from "../../scripts/localReport/gpus";
import { gpusOf, podRows, sortedPods } from "../../scripts/localReport/pods";
import { type KueueWorkload, queueRows } from "../../scripts/localReport/queue";
import { readReportInput } from "../../scripts/localReport/readInput";
import { type LocalReportInput, localReportLines } from "../../scripts/localReport/report";
import { tableLines } from "../../scripts/localReport/table";
import { workloadRows } from "../../scripts/localReport/workloads";
import type { Node } from "../../scripts/localReport/kubernetesObjects";
import {
  COMPLETE_JOB,
  CPU_QUOTA,
  EMBEDDER,
  FAILED_JOB,
  GPU_QUOTA,
  LLAMA_HPA,
  LLAMA_SERVER,
  NODES,
  OBJECTS,
  pod,
  PODS,
  READY_TRAINER,
  RUNNING_JOB,
  TRAINER,
  WORKFLOWS,
} from "./localReportFixtures";

const ROOT = path.resolve(__dirname, "..", "..");
const nodesByName = (nodes: readonly Node[]): Map<string, Node> =>
  new Map(nodes.map((node) => [node.metadata.name, node]));

const INPUT: LocalReportInput = {
  stack: "dev",
  namespace: "ml-dev",
  kubeconfig: "/tmp/cluster/kubeconfig",
  nodes: NODES,
  objects: OBJECTS,
  workflows: WORKFLOWS,
  queueWorkloads: [],
};

/** What scripts/up-local.sh printed for INPUT before the report moved to TypeScript. */
const EXPECTED = [
  "",
  'Deployed stack "dev" to the local cluster: namespace ml-dev (KUBECONFIG=/tmp/cluster/kubeconfig)',
  "",
  "Workloads",
  "  KIND         NAME             READY  STATUS",
  "  Deployment   embedder         0/1    not available",
  "  Deployment   llama-server     2/2    Available, HPA llama-server-hpa 2-6",
  "  StatefulSet  tuner-workers    2/2    all workers ready",
  "  StatefulSet  trainer-workers  1/2    starting",
  "  Job          eval-nightly     1/1    Complete",
  "  Job          eval-broken      0/1    Failed",
  "  Job          batch-embed      1/4    Running (pulumi up waits for the start only; simulated Job pods succeed a second after they run)",
  "  MLWorkflow   llama-finetune   -      accepted (model llama-3-8b, 8 GPUs)",
  "  MLWorkflow   distill-small    -      accepted (model tiny-distill, 0 GPUs)",
  "",
  "Pods",
  "  POD                      PHASE      NODE           GPUS  NODE GPU PRODUCT",
  "  batch-embed-0-r5t6y      Running    gpu-l40s-0     1     NVIDIA-L40S",
  "  batch-embed-1-u7i8o      Pending    gpu-l40s-0     1     NVIDIA-L40S",
  "  embedder-5c6d-zz9q1      Running    cpu-0          0     - (CPU node)",
  "  eval-broken-p0o9i        Failed     cpu-1          0     - (CPU node)",
  "  eval-nightly-q8w7e       Succeeded  gpu-l40s-0     1     NVIDIA-L40S",
  "  llama-server-7d9f-a1b2c  Running    gpu-h100-0     1     NVIDIA-H100-80GB-HBM3",
  "  llama-server-7d9f-b2x4k  Running    gpu-h100-1     1     NVIDIA-H100-80GB-HBM3",
  "  trainer-workers-0        Running    gpu-h100-0     5     NVIDIA-H100-80GB-HBM3",
  "  trainer-workers-1        Pending    (unscheduled)  4     -",
  "",
  "Queue (Kueue)",
  "  no queued workloads: training and batch jobs are admitted by the ResourceQuota alone",
  "",
  "GPUs",
  "  11 of 16 GPUs in use in ml-dev (ResourceQuota ml-quota, requests.nvidia.com/gpu)",
  "  gpu-h100-0    6 of 8 NVIDIA-H100-80GB-HBM3 GPUs used by this stack",
  "  gpu-h100-1    1 of 8 NVIDIA-H100-80GB-HBM3 GPUs used by this stack",
  "  gpu-l40s-0    2 of 4 NVIDIA-L40S GPUs used by this stack",
];

describe("the local cluster report (scripts/localReport)", () => {
  it("prints the workloads, pods and GPUs of the namespace, as up-local.sh always has", () => {
    assert.deepEqual(localReportLines(INPUT), EXPECTED);
  });

  describe("workloads", () => {
    it("shows a Deployment's readiness and the HPA that scales it", () => {
      assert.deepEqual(workloadRows([LLAMA_SERVER, LLAMA_HPA, EMBEDDER], []), [
        ["Deployment", "llama-server", "2/2", "Available, HPA llama-server-hpa 2-6"],
        ["Deployment", "embedder", "0/1", "not available"],
      ]);
    });

    it("shows a StatefulSet as ready only when every replica is", () => {
      assert.deepEqual(workloadRows([TRAINER, READY_TRAINER], []), [
        ["StatefulSet", "trainer-workers", "1/2", "starting"],
        ["StatefulSet", "tuner-workers", "2/2", "all workers ready"],
      ]);
    });

    it("shows a Job as Complete, Failed or Running, with its succeeded pods of its completions", () => {
      const rows = workloadRows([COMPLETE_JOB, FAILED_JOB, RUNNING_JOB], []);
      assert.deepEqual(
        rows.map((row) => row.slice(0, 3)),
        [
          ["Job", "eval-nightly", "1/1"],
          ["Job", "eval-broken", "0/1"],
          ["Job", "batch-embed", "1/4"],
        ],
      );
      assert.deepEqual(
        rows.map((row) => String(row[3]).split(" ")[0]),
        ["Complete", "Failed", "Running"],
      );
    });

    it("lists MLWorkflows after the built-in kinds, with their model and GPUs (0 when unset)", () => {
      const rows = workloadRows([RUNNING_JOB, EMBEDDER], WORKFLOWS);
      assert.deepEqual(
        rows.map((row) => row[0]),
        ["Deployment", "Job", "MLWorkflow", "MLWorkflow"],
      );
      assert.deepEqual(rows.slice(2), [
        ["MLWorkflow", "llama-finetune", "-", "accepted (model llama-3-8b, 8 GPUs)"],
        ["MLWorkflow", "distill-small", "-", "accepted (model tiny-distill, 0 GPUs)"],
      ]);
    });
  });

  describe("pods", () => {
    const nodes = nodesByName(NODES);

    it("counts the GPUs of containers and init containers", () => {
      assert.equal(gpusOf(pod("p", "Running", "gpu-h100-0", 4, 1)), 5);
      assert.equal(gpusOf(pod("p", "Running", "cpu-0", 0)), 0);
    });

    it("names the node's GPU product, a CPU node, or '-' for a pod without a known node", () => {
      const rows = podRows(
        [
          pod("on-gpu", "Running", "gpu-h100-1", 1),
          pod("on-cpu", "Running", "cpu-1", 0),
          pod("unscheduled", "Pending", undefined, 2),
          pod("on-unlisted-node", "Running", "gone-0", 0),
        ],
        nodes,
      );
      assert.deepEqual(rows, [
        ["on-gpu", "Running", "gpu-h100-1", 1, "NVIDIA-H100-80GB-HBM3"],
        ["on-cpu", "Running", "cpu-1", 0, "- (CPU node)"],
        ["unscheduled", "Pending", "(unscheduled)", 2, "-"],
        ["on-unlisted-node", "Running", "gone-0", 0, "-"],
      ]);
    });

    it("sorts pods by name", () => {
      assert.deepEqual(
        sortedPods(PODS).map((listed) => listed.metadata.name),
        PODS.map((listed) => listed.metadata.name).sort((a, b) => a.localeCompare(b)),
      );
    });
  });

  describe("GPUs", () => {
    it("prints one quota line per ResourceQuota that limits GPU requests", () => {
      assert.deepEqual(quotaLines([CPU_QUOTA, GPU_QUOTA], "ml-dev"), [
        "  11 of 16 GPUs in use in ml-dev (ResourceQuota ml-quota, requests.nvidia.com/gpu)",
      ]);
      const unused = { ...GPU_QUOTA, status: { hard: { "requests.nvidia.com/gpu": "4" } } };
      assert.deepEqual(quotaLines([unused], "ml-dev"), [
        "  0 of 4 GPUs in use in ml-dev (ResourceQuota ml-quota, requests.nvidia.com/gpu)",
      ]);
    });

    it("prints each GPU node by name with the GPUs of running and pending pods on it", () => {
      assert.deepEqual(nodeGpuLines(PODS, nodesByName(NODES)), [
        "  gpu-h100-0    6 of 8 NVIDIA-H100-80GB-HBM3 GPUs used by this stack",
        "  gpu-h100-1    1 of 8 NVIDIA-H100-80GB-HBM3 GPUs used by this stack",
        // The Succeeded pod's GPU is free again; the pending one's is held.
        "  gpu-l40s-0    2 of 4 NVIDIA-L40S GPUs used by this stack",
      ]);
    });

    it("prints no GPU lines without GPU nodes or quotas", () => {
      const cpuOnly = NODES.filter((node) => node.metadata.name.startsWith("cpu-"));
      assert.deepEqual(nodeGpuLines(PODS, nodesByName(cpuOnly)), []);
      assert.deepEqual(quotaLines([CPU_QUOTA], "ml-dev"), []);
    });
  });

  it("pads every column to its widest cell and drops trailing blanks", () => {
    assert.deepEqual(
      tableLines(
        ["A", "BB", "C"],
        [
          ["long", 1, ""],
          ["x", 22, undefined],
        ],
      ),
      ["  A     BB  C", "  long  1", "  x     22  undefined"],
    );
  });

  it("reads the files up-local.sh writes and prints the report from the command line", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-report-"));
    try {
      const list = (items: unknown): string => JSON.stringify({ apiVersion: "v1", kind: "List", items });
      fs.writeFileSync(path.join(dir, "nodes.json"), list(NODES));
      fs.writeFileSync(path.join(dir, "objects.json"), list(OBJECTS));
      fs.writeFileSync(path.join(dir, "workflows.json"), list(WORKFLOWS));
      fs.writeFileSync(path.join(dir, "queue.json"), list([]));
      assert.deepEqual(readReportInput(dir, INPUT.stack, INPUT.namespace, INPUT.kubeconfig), INPUT);
      const cli = spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "scripts/localReport/main.ts",
          dir,
          INPUT.stack,
          INPUT.namespace,
          INPUT.kubeconfig,
        ],
        { cwd: ROOT, encoding: "utf8" },
      );
      assert.equal(cli.status, 0, cli.stderr);
      assert.equal(cli.stdout, EXPECTED.map((line) => `${line}\n`).join(""));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("shows each Kueue Workload's queue, priority and state, with Kueue's reason when pending", () => {
    const workload = (name: string, conditions: KueueWorkload["status"]): KueueWorkload => ({
      kind: "Workload",
      metadata: { name },
      spec: { queueName: "ml-prod-queue", priorityClassName: "ml-prod-training", priority: 50000 },
      status: conditions,
    });
    const pendingMessage = "couldn't assign flavors to pod set main: insufficient quota for nvidia.com/gpu";
    const rows = queueRows([
      workload("statefulset-pretrain-1a2b3", {
        conditions: [
          { type: "QuotaReserved", status: "True" },
          { type: "Admitted", status: "True" },
        ],
      }),
      workload("statefulset-big-4c5d6", {
        conditions: [{ type: "QuotaReserved", status: "False", reason: "Pending", message: pendingMessage }],
      }),
      workload("job-scoring-7e8f9", {
        conditions: [
          { type: "Admitted", status: "True" },
          { type: "Finished", status: "True" },
        ],
      }),
      workload("job-new-0a1b2", undefined),
    ]);
    assert.deepEqual(rows, [
      ["statefulset-pretrain-1a2b3", "ml-prod-queue", "ml-prod-training (50000)", "admitted"],
      ["statefulset-big-4c5d6", "ml-prod-queue", "ml-prod-training (50000)", `pending: ${pendingMessage}`],
      ["job-scoring-7e8f9", "ml-prod-queue", "ml-prod-training (50000)", "finished"],
      ["job-new-0a1b2", "ml-prod-queue", "ml-prod-training (50000)", "pending"],
    ]);
    const lines = localReportLines({ ...INPUT, queueWorkloads: [workload("job-x-1", undefined)] });
    const at = lines.indexOf("Queue (Kueue)");
    assert.deepEqual(lines.slice(at + 1, at + 3), [
      "  WORKLOAD  QUEUE          PRIORITY                  STATE",
      "  job-x-1   ml-prod-queue  ml-prod-training (50000)  pending",
    ]);
  });

  it("refuses a file that is not a kubectl list", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-report-"));
    try {
      for (const file of ["nodes.json", "objects.json", "workflows.json", "queue.json"])
        fs.writeFileSync(path.join(dir, file), "{}");
      assert.throws(() => readReportInput(dir, "dev", "ml-dev", "kc"), /nodes\.json: not a kubectl list/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
