/**
 * End to end on the local cluster (issue 5): the real API server, controllers and scheduler,
 * with KWOK's simulated GPU nodes. The tests run in order and share state: each `pulumi up` is
 * expensive on a small machine, so the suite runs as few as the checks allow: dev through the
 * main job, dev again (no changes), dev after a node failure (refresh + up), prod interrupted
 * and resumed, then both destroyed.
 *
 * Every wait is bounded; nothing asserts on how long anything took.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { MLWORKFLOW_CEL_RULES, MLWORKFLOW_CRD_NAME, MLWORKFLOW_LIMITS } from "../../components/mlWorkflow";
import {
  CLUSTER_DIR,
  clusterDown,
  clusterEnv,
  clusterRunning,
  clusterUp,
  getOrUndefined,
  kubectl,
  kubectlJson,
  kubectlRun,
  list,
  ROOT,
} from "./lib/cluster";
import {
  type CustomResourceDefinition,
  type Deployment,
  GPU_PRODUCT_LABEL,
  GPU_RESOURCE,
  hasCondition,
  type Job,
  type KObject,
  live,
  type Namespace,
  type NetworkPolicy,
  type Node,
  type PersistentVolumeClaim,
  type Pod,
  podGpus,
  type ResourceQuota,
  type StatefulSet,
} from "./lib/k8s";
import {
  UPGRADE_NAMESPACE,
  UPGRADE_TEAM_NAMESPACE,
  useComponents,
  writeUpgradeProgram,
} from "./lib/componentUpgrade";
import { descendants, describeRun, endProcesses, type ProcessRef, run, waitFor } from "./lib/run";
import { errorsOf, LocalStack, managedObjects, objectKey, summaryOf, UP_TIMEOUT_MS } from "./lib/stack";
import { gpuProductsByWorkload, stackConfig } from "./lib/stackConfig";
import { evaluateTraffic, matrixTable } from "./lib/cyclonus";
import { trafficCases } from "./lib/trafficMatrix";
import { assertStateMatchesCluster, labelledObjects } from "./lib/stateCheck";
import { startLoad } from "./lib/load";
import { doorDeployment, packFindings } from "./lib/door";

/**
 * prod shares the cluster with dev, which owns the cluster-scoped MLWorkflow CRD. It runs here in
 * quota mode: the interrupted-prod test needs the training StatefulSet's await in flight, which a
 * queued StatefulSet does not have (tests/e2e/queueing.test.ts covers kueue mode).
 */
const PROD_OVERRIDES = {
  "k8s-ml-patterns:installWorkflowCrd": "false",
  "k8s-ml-patterns:queueing": JSON.stringify({ mode: "quota" }),
} as const;
const PROD_CONFIG_ARGS = [
  "--config-path",
  "--config",
  "k8s-ml-patterns:installWorkflowCrd=false",
  "--config",
  "k8s-ml-patterns:queueing.mode=quota",
];

const dev = stackConfig("dev");
const prod = stackConfig("prod", PROD_OVERRIDES);

const INSTANCE = "app.kubernetes.io/instance";
const POD_INDEX = "apps.kubernetes.io/pod-index";
/** Objects the tests create themselves (fixtures and probes), so they can be found and removed. */
const TEST_LABEL = "k8s-ml-patterns/e2e";

const byInstance = (name: string): string => `${INSTANCE}=${name}`;

/** The first item, or a failure naming what was missing. */
function first<T>(items: readonly T[], what: string): T {
  const item = items.at(0);
  if (item === undefined) assert.fail(`no ${what}`);
  return item;
}

/** Rewrites a stack config file (YAML) with one change to its `config` map. */
function editStackConfig(
  file: string,
  text: string,
  change: (config: Record<string, unknown>) => void,
): void {
  const document = parseYaml(text) as { config: Record<string, unknown> };
  change(document.config);
  fs.writeFileSync(file, stringifyYaml(document));
}

/** Only `same` in a run's resource changes. */
function assertNoChanges(changes: Readonly<Record<string, number>> | undefined, what: string): void {
  const changed = Object.entries(changes ?? {}).filter(([op, n]) => op !== "same" && n > 0);
  assert.deepEqual(changed, [], `${what} changed resources: ${JSON.stringify(changes)}`);
}

/** Pods of a workload that are not being deleted. */
async function podsOf(namespace: string, instance: string): Promise<Pod[]> {
  return live(await list<Pod>(["pods", "-n", namespace, "-l", byInstance(instance)]));
}

/**
 * A pod that passes the `restricted` Pod Security Standard, with the given container resources
 * and container security context additions.
 */
function probePod(
  namespace: string,
  name: string,
  resources: Record<string, string>,
  securityContext: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { [TEST_LABEL]: "true" } },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
      tolerations: [{ key: GPU_RESOURCE, operator: "Exists", effect: "NoSchedule" }],
      containers: [
        {
          name: "probe",
          image: "pause:3.10",
          resources: { requests: resources, limits: resources },
          securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            readOnlyRootFilesystem: true,
            ...securityContext,
          },
        },
      ],
    },
  });
}

/**
 * Creates an object that the API server must refuse; returns kubectl's error output. An object
 * that was accepted after all is deleted before the test fails.
 */
async function rejected(manifest: string, kindAndName: readonly string[]): Promise<string> {
  const result = await kubectlRun(["create", "-f", "-"], manifest);
  if (result.code === 0) {
    await kubectlRun(["delete", ...kindAndName, "--wait=false", "--ignore-not-found"]);
    assert.fail(`the API server accepted ${kindAndName.join(" ")}: ${result.stdout}`);
  }
  return result.stderr;
}

describe("the local cluster, end to end", function () {
  let startedCluster = false;
  let devStack: LocalStack;
  let prodStack: LocalStack;

  before(async () => {
    if (await clusterRunning()) {
      console.log(`    reusing the test cluster in ${CLUSTER_DIR}`);
    } else {
      startedCluster = true;
    }
    // Starts it, or reconciles a running one (nodes a previous run deleted come back).
    await clusterUp();
    devStack = await LocalStack.prepare("dev");
    prodStack = await LocalStack.prepare("prod");
    // A reused cluster may hold what an earlier, failed run left: start from nothing.
    for (const stack of [prodStack, devStack]) {
      if ((await stack.resourceCount()) > 0) {
        console.log(`    destroying what an earlier run left in stack ${stack.name}`);
        const result = await stack.destroy();
        assert.equal(result.code, 0, describeRun("pulumi destroy", [stack.name], result));
      }
    }
    await kubectl([
      "delete",
      "pods,persistentvolumes",
      "-A",
      "-l",
      TEST_LABEL,
      "--ignore-not-found",
      "--wait=true",
    ]);
  });

  after(async () => {
    if (!startedCluster || process.env.K8S_ML_E2E_KEEP_CLUSTER === "1") {
      console.log(
        `    leaving the test cluster running (${CLUSTER_DIR}); scripts/cluster.sh down with K8S_ML_CLUSTER_DIR stops it`,
      );
      return;
    }
    await clusterDown();
  });

  describe("dev: the main job", () => {
    let report = "";

    it("scripts/up-local.sh deploys dev with the policy pack and reports pods, nodes and GPU quota", async () => {
      const result = await run("bash", [path.join(ROOT, "scripts/up-local.sh")], {
        env: clusterEnv(),
        cwd: ROOT,
        timeoutMs: UP_TIMEOUT_MS,
      });
      assert.equal(result.code, 0, describeRun("scripts/up-local.sh", [], result));
      report = result.stdout;
      assert.match(report, /Policies:\s*\n\s*✅ k8s-ml-patterns@v[\d.]+ \(local: policy\)/);
      assert.match(report, /Deployed stack "dev" to the local cluster: namespace ml-dev/);
    });

    it("the report names each GPU pod's node and its GPU product, and the GPUs used against the quota", async () => {
      const nodes = new Map((await list<Node>(["nodes"])).map((n) => [n.metadata.name, n]));
      const pods = live(await list<Pod>(["pods", "-n", dev.namespace]));
      const gpuPods = pods.filter((p) => podGpus(p) > 0);
      assert.ok(gpuPods.length > 0, "dev runs no GPU pod");
      for (const pod of gpuPods) {
        const node = pod.spec.nodeName ?? "";
        const product = nodes.get(node)?.metadata.labels?.[GPU_PRODUCT_LABEL] ?? "";
        assert.match(
          report,
          new RegExp(`${pod.metadata.name}\\s+\\w+\\s+${node}\\s+${podGpus(pod)}\\s+${product}`),
          `the report's line for ${pod.metadata.name}`,
        );
      }
      const quota = first(
        await list<ResourceQuota>(["resourcequotas", "-n", dev.namespace]),
        "ResourceQuota",
      );
      const used = quota.status.used?.[`requests.${GPU_RESOURCE}`] ?? "";
      assert.match(report, new RegExp(`${used} of ${dev.quota.gpus} GPUs in use in ${dev.namespace}`));
    });
  });

  describe("dev converges", () => {
    it("the serving Deployment is Available, its pods Ready with the loader sidecar started", async () => {
      for (const model of dev.models) {
        const deployment = await kubectlJson<Deployment>(["deployment", model.name, "-n", dev.namespace]);
        assert.ok(hasCondition(deployment, "Available"), `${model.name} is not Available`);
        assert.equal(deployment.status.readyReplicas, deployment.spec.replicas);
        const pods = await podsOf(dev.namespace, model.name);
        assert.equal(pods.length, deployment.spec.replicas, `${model.name} pods: ${pods.length}`);
        for (const pod of pods) {
          assert.ok(hasCondition(pod, "Ready"), `${pod.metadata.name} is not Ready`);
          const sidecar = (pod.spec.initContainers ?? []).find((c) => c.restartPolicy === "Always");
          assert.ok(sidecar !== undefined, "the model loader is not a native sidecar");
          const status = pod.status.initContainerStatuses?.find((s) => s.name === sidecar.name);
          assert.ok(status?.started === true && status.ready, `${sidecar.name} has not started`);
        }
      }
    });

    it("training pods run, each with RANK from the downward API resolving to its ordinal", async () => {
      for (const job of dev.trainingJobs) {
        const sts = await kubectlJson<StatefulSet>(["statefulset", job.name, "-n", dev.namespace]);
        assert.equal(sts.status.readyReplicas, job.workers);
        const pods = await podsOf(dev.namespace, job.name);
        assert.deepEqual(
          pods.map((p) => p.metadata.name).sort(),
          [...Array(job.workers).keys()].map((i) => `${job.name}-${i}`),
        );
        for (const pod of pods) {
          assert.equal(pod.status.phase, "Running", pod.metadata.name);
          const ordinal = pod.metadata.name.slice(job.name.length + 1);
          assert.equal(
            pod.metadata.labels?.[POD_INDEX],
            ordinal,
            `${pod.metadata.name}'s ${POD_INDEX} label`,
          );
          const env = new Map((pod.spec.containers[0]?.env ?? []).map((e) => [e.name, e]));
          const rankPath = env.get("RANK")?.valueFrom?.fieldRef?.fieldPath;
          assert.equal(rankPath, `metadata.labels['${POD_INDEX}']`, "RANK comes from the pod-index label");
          assert.equal(env.get("PET_NODE_RANK")?.valueFrom?.fieldRef?.fieldPath, rankPath);
          assert.equal(env.get("WORLD_SIZE")?.value, String(job.workers));
          assert.equal(
            env.get("MASTER_ADDR")?.value,
            `${job.name}-0.${job.name}.${dev.namespace}.svc.cluster.local`,
          );
        }
      }
    });

    it("the batch Job completes every index (KWOK completes Job pods)", async () => {
      for (const batch of dev.batchJobs) {
        const job = await waitFor(
          `Job ${batch.name} to complete`,
          async () => {
            const j = await kubectlJson<Job>(["job", batch.name, "-n", dev.namespace]);
            return hasCondition(j, "Complete") ? j : undefined;
          },
          { timeoutMs: 180_000, intervalMs: 2000 },
        );
        assert.equal(job.status.succeeded, batch.completions);
        assert.equal(job.status.failed ?? 0, 0);
        assert.equal(
          job.status.completedIndexes,
          batch.completions === 1 ? "0" : `0-${batch.completions - 1}`,
        );
      }
    });

    it("the MLWorkflow CRD is Established and the configured workflows were accepted", async () => {
      const crd = await kubectlJson<CustomResourceDefinition>([
        "customresourcedefinition",
        MLWORKFLOW_CRD_NAME,
      ]);
      assert.ok(hasCondition(crd, "Established"));
      for (const workflow of dev.workflows) {
        const found = await kubectlJson<KObject & { spec: { modelName: string; gpus: number } }>([
          MLWORKFLOW_CRD_NAME,
          workflow.name,
          "-n",
          dev.namespace,
        ]);
        assert.equal(found.spec.modelName, workflow.modelName);
        assert.equal(found.spec.gpus, workflow.gpus);
      }
    });

    it("the namespace is restricted, GPU-capped by its quota and default-deny", async () => {
      const ns = await kubectlJson<Namespace>(["namespace", dev.namespace]);
      assert.equal(ns.metadata.labels?.["pod-security.kubernetes.io/enforce"], "restricted");
      const quotas = await list<ResourceQuota>(["resourcequotas", "-n", dev.namespace]);
      assert.equal(quotas.length, 1);
      const quota = first(quotas, "ResourceQuota");
      assert.equal(quota.status.hard?.[`requests.${GPU_RESOURCE}`], String(dev.quota.gpus));
      const pods = live(await list<Pod>(["pods", "-n", dev.namespace])).filter(
        (p) => p.status.phase !== "Succeeded",
      );
      const gpusInUse = pods.reduce((sum, p) => sum + podGpus(p), 0);
      assert.equal(quota.status.used?.[`requests.${GPU_RESOURCE}`], String(gpusInUse));

      const policies = await list<NetworkPolicy>(["networkpolicies", "-n", dev.namespace]);
      const denyAll = policies.find(
        (p) =>
          Object.keys(p.spec.podSelector.matchLabels ?? {}).length === 0 &&
          (p.spec.ingress ?? []).length === 0 &&
          (p.spec.egress ?? []).length === 0,
      );
      assert.ok(denyAll !== undefined, "no default-deny NetworkPolicy");
      assert.deepEqual([...(denyAll.spec.policyTypes ?? [])].sort(), ["Egress", "Ingress"]);
      const managed = (await devStack.managedObjects()).filter((o) => o.kind === "NetworkPolicy");
      assert.deepEqual(policies.map((p) => p.metadata.name).sort(), managed.map((o) => o.name).sort());
    });

    it("a second pulumi up reports no changes", async () => {
      const { result, events } = await devStack.upJson(["--expect-no-changes"]);
      assert.equal(result.code, 0, `${describeRun("pulumi up", [], result)}\n${errorsOf(events)}`);
      const summary = summaryOf(events);
      assert.equal(summary.result, "succeeded");
      assertNoChanges(summary.resourceChanges, "the second pulumi up");
    });
  });

  describe("the API server refuses what it should", () => {
    it("a pod over the namespace's GPU quota", async () => {
      const quota = first(
        await list<ResourceQuota>(["resourcequotas", "-n", dev.namespace]),
        "ResourceQuota",
      );
      const key = `requests.${GPU_RESOURCE}`;
      const hard = Number(quota.status.hard?.[key]);
      const used = Number(quota.status.used?.[key] ?? "0");
      const ask = hard - used + 1;
      assert.ok(ask <= (dev.quota.maxGpusPerContainer ?? ask), "the probe would hit the LimitRange instead");
      const name = "e2e-over-gpu-quota";
      const resources = { cpu: "100m", memory: "128Mi", [GPU_RESOURCE]: String(ask) };
      const error = await rejected(probePod(dev.namespace, name, resources), [
        "pod",
        name,
        "-n",
        dev.namespace,
      ]);
      assert.match(error, new RegExp(`pods "${name}" is forbidden: exceeded quota: ${quota.metadata.name}`));
      assert.ok(
        error.includes(`requested: ${key}=${ask}, used: ${key}=${used}, limited: ${key}=${hard}`),
        error,
      );
    });

    it("a privileged pod in the restricted namespace", async () => {
      const name = "e2e-privileged";
      const manifest = probePod(
        dev.namespace,
        name,
        { cpu: "100m", memory: "128Mi" },
        {
          privileged: true,
          allowPrivilegeEscalation: true,
        },
      );
      const error = await rejected(manifest, ["pod", name, "-n", dev.namespace]);
      assert.ok(
        error.includes(`pods "${name}" is forbidden: violates PodSecurity "restricted:latest"`),
        error,
      );
      assert.ok(
        error.includes('privileged (container "probe" must not set securityContext.privileged=true)'),
        error,
      );
    });

    /** A copy of the accepted dev workflow under a new name with its spec edited. */
    function workflowWith(
      name: string,
      edit: (spec: Record<string, unknown>) => Record<string, unknown>,
    ): string {
      const workflow = first(dev.workflows, "dev workflow");
      const spec: Record<string, unknown> = {
        modelName: workflow.modelName,
        trainingData: workflow.trainingData,
        gpus: workflow.gpus,
        hyperparameters: { ...workflow.hyperparameters },
      };
      return JSON.stringify({
        apiVersion: "ai.example.com/v1",
        kind: "MLWorkflow",
        metadata: { name, namespace: dev.namespace, labels: { [TEST_LABEL]: "true" } },
        spec: edit(spec),
      });
    }

    it("an MLWorkflow that breaks the CRD's schema", async () => {
      const name = "e2e-bad-learning-rate";
      const max = MLWORKFLOW_LIMITS.learningRate.maximum;
      const manifest = workflowWith(name, (spec) => ({
        ...spec,
        hyperparameters: { ...(spec.hyperparameters as object), learningRate: max * 5 },
      }));
      const error = await rejected(manifest, [MLWORKFLOW_CRD_NAME, name, "-n", dev.namespace]);
      assert.ok(error.includes(`The MLWorkflow "${name}" is invalid`), error);
      assert.ok(
        error.includes(
          `spec.hyperparameters.learningRate: Invalid value: ${max * 5}: spec.hyperparameters.learningRate in body should be less than or equal to ${max}`,
        ),
        error,
      );
    });

    it("MLWorkflows that break the CRD's CEL rules, on create and on update", async () => {
      const badData = "ftp://datasets/instructions";
      const scheme = await rejected(
        workflowWith("e2e-bad-scheme", (spec) => ({ ...spec, trainingData: badData })),
        [MLWORKFLOW_CRD_NAME, "e2e-bad-scheme", "-n", dev.namespace],
      );
      assert.ok(
        scheme.includes(
          `spec.trainingData: Invalid value: "${badData}": ${MLWORKFLOW_CEL_RULES.trainingDataScheme.message}`,
        ),
        scheme,
      );

      const divisible = await rejected(
        workflowWith("e2e-bad-batch", (spec) => ({
          ...spec,
          gpus: 3,
          hyperparameters: { learningRate: 0.001, batchSize: 16, epochs: 1 },
        })),
        [MLWORKFLOW_CRD_NAME, "e2e-bad-batch", "-n", dev.namespace],
      );
      assert.ok(divisible.includes(`spec.hyperparameters.batchSize: Invalid value`), divisible);
      assert.ok(divisible.includes(MLWORKFLOW_CEL_RULES.batchSizeDivisibleByGpus.message), divisible);

      const workflow = first(dev.workflows, "dev workflow");
      const patch = await kubectlRun([
        "patch",
        MLWORKFLOW_CRD_NAME,
        workflow.name,
        "-n",
        dev.namespace,
        "--type=merge",
        "-p",
        JSON.stringify({ spec: { modelName: "another-model" } }),
      ]);
      assert.notEqual(patch.code, 0, "the API server let modelName change");
      assert.ok(patch.stderr.includes(MLWORKFLOW_CEL_RULES.modelNameImmutable.message), patch.stderr);
    });
  });

  describe("faults", () => {
    it("a deleted node's serving pods come back on the remaining nodes; refresh and up converge", async () => {
      const model = first(dev.models, "dev model");
      const before = await podsOf(dev.namespace, model.name);
      const victim = before[0]?.spec.nodeName;
      assert.ok(victim !== undefined, "the serving pod is not scheduled");
      await kubectl(["delete", "node", victim]);

      let state = "";
      const gone = (pods: readonly Pod[]): boolean => pods.every((p) => p.spec.nodeName !== victim);
      await waitFor(
        `the Deployment ${model.name} to be available again without node ${victim}`,
        async () => {
          const deployment = await kubectlJson<Deployment>(["deployment", model.name, "-n", dev.namespace]);
          const pods = await podsOf(dev.namespace, model.name);
          state = pods
            .map((p) => `${p.metadata.name}@${p.spec.nodeName ?? "-"}:${p.status.phase}`)
            .join(", ");
          const ready = pods.filter((p) => hasCondition(p, "Ready"));
          return gone(pods) &&
            ready.length === deployment.spec.replicas &&
            deployment.status.availableReplicas === deployment.spec.replicas
            ? true
            : undefined;
        },
        // The pod garbage collector removes pods of a deleted node after about 40 s.
        { timeoutMs: 300_000, intervalMs: 2000, describe: () => state },
      );
      for (const job of dev.trainingJobs) {
        await waitFor(
          `the StatefulSet ${job.name} to run all workers without node ${victim}`,
          async () => {
            const pods = await podsOf(dev.namespace, job.name);
            const running = pods.filter((p) => p.status.phase === "Running" && hasCondition(p, "Ready"));
            return gone(pods) && running.length === job.workers ? true : undefined;
          },
          { timeoutMs: 300_000, intervalMs: 2000 },
        );
      }

      // The batch run finished earlier; with no TTL its Job stays, so refresh + up keep it.
      const batchJob = first(dev.batchJobs, "dev batch job").name;
      const finished = await kubectlJson<Job>(["job", batchJob, "-n", dev.namespace]);
      assert.ok(hasCondition(finished, "Complete"), `Job ${batchJob} is not complete`);
      assert.equal(
        (finished as { spec: { ttlSecondsAfterFinished?: number } }).spec.ttlSecondsAfterFinished,
        undefined,
      );

      const refresh = await devStack.refresh();
      assert.equal(refresh.code, 0, describeRun("pulumi refresh", [], refresh));
      const { result, events } = await devStack.upJson();
      assert.equal(result.code, 0, `${describeRun("pulumi up", [], result)}\n${errorsOf(events)}`);
      assert.equal(summaryOf(events).result, "succeeded");
      assertNoChanges(summaryOf(events).resourceChanges, "pulumi up after the node failure and refresh");
      const kept = await kubectlJson<Job>(["job", batchJob, "-n", dev.namespace]);
      assert.equal(kept.metadata.uid, finished.metadata.uid, "refresh + up started the finished batch again");
      assert.ok(hasCondition(kept, "Complete"));

      // Bring the node back for the rest of the suite.
      await clusterUp();
      const node = await kubectlJson<Node>(["node", victim]);
      assert.ok(hasCondition(node, "Ready"));
    });

    it("prod: pulumi up interrupted (SIGINT), then killed (SIGKILL) partway; the main job completes it, nothing lost or duplicated", async () => {
      // The local cluster has no volume provisioner, so the training StatefulSet's checkpoint
      // claims stay Pending (and its await in flight) until the test gives them volumes: both
      // interrupts below land while that await runs, i.e. partway through the update.
      const sts = /kubernetes:apps\/v1:StatefulSet \S+ (creating|updating)/;
      let output = "";
      let interrupted = false;
      const up = prodStack.pulumi(prodStack.upArgs(PROD_CONFIG_ARGS), {
        timeoutMs: UP_TIMEOUT_MS,
        onStdout: (chunk) => {
          output += chunk;
          if (!interrupted && sts.test(output)) {
            interrupted = true;
            // Two seconds into the await: the step is certainly in flight (it cannot finish).
            setTimeout(() => {
              up.kill("SIGINT");
            }, 2000);
          }
        },
      });
      const first = await up.done;
      assert.ok(interrupted, `pulumi up finished before it could be interrupted:\n${first.stdout}`);
      assert.notEqual(first.code, 0, "an interrupted pulumi up must not report success");
      assert.match(first.stdout, /received; cancelling/);

      const partial = await prodStack.state();
      const before = managedObjects(partial.resources);
      assert.ok(before.length > 0, "nothing was created before the interrupt");
      const unfinished = partial.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet");
      assert.ok(
        unfinished === undefined || (unfinished.initErrors ?? []).length > 0,
        "the interrupted run recorded the StatefulSet as finished",
      );
      console.log(
        `      interrupted with ${before.length} objects in the state and ${partial.pendingOperations.length} pending operations`,
      );

      // SIGINT lets the CLI finish its in-flight steps, so it leaves a consistent state. A killed
      // CLI (SIGKILL, a closed terminal) leaves its lock and pending operations: kill the next
      // run during the StatefulSet's await, so the resume below has to deal with both. Its
      // plugins (language host, provider) outlive it; they are ended by pid afterwards.
      let killedAt = "";
      let killOutput = "";
      let plugins: ProcessRef[] = [];
      const killed = prodStack.pulumi(prodStack.upArgs(PROD_CONFIG_ARGS), {
        timeoutMs: UP_TIMEOUT_MS,
        onStdout: (chunk) => {
          killOutput += chunk;
          const step = sts.exec(killOutput);
          const pid = killed.pid;
          if (killedAt === "" && step !== null && pid !== undefined) {
            killedAt = step[0];
            setTimeout(() => {
              plugins = descendants(pid);
              killed.kill("SIGKILL");
            }, 2000);
          }
        },
      });
      const killedRun = await killed.done;
      await endProcesses(plugins);
      assert.notEqual(
        killedAt,
        "",
        `the second pulumi up finished before it could be killed:\n${killedRun.stdout}`,
      );
      assert.equal(killedRun.signal, "SIGKILL");
      const pending = (await prodStack.state()).pendingOperations;
      console.log(`      killed at ${killedAt}: ${pending.length} pending operations`);

      // Now give the checkpoint claims volumes (pre-bound hostPath PVs).
      for (const job of prod.trainingJobs) {
        if (job.checkpointStorage === undefined) continue;
        for (let i = 0; i < job.workers; i++) {
          const claim = `checkpoints-${job.name}-${i}`;
          await kubectl(
            ["apply", "-f", "-"],
            JSON.stringify({
              apiVersion: "v1",
              kind: "PersistentVolume",
              metadata: { name: `e2e-${prod.namespace}-${claim}`, labels: { [TEST_LABEL]: "true" } },
              spec: {
                capacity: { storage: job.checkpointStorage },
                accessModes: ["ReadWriteOnce"],
                persistentVolumeReclaimPolicy: "Retain",
                // Never mounted: no container runs on a simulated node.
                hostPath: { path: `/nonexistent/k8s-ml-e2e/${claim}` },
                claimRef: { namespace: prod.namespace, name: claim },
              },
            }),
          );
        }
      }

      // The main job resumes it: it clears pending creates (refresh --clear-pending-creates)
      // first, then the up creates the dropped objects again, adopting the existing ones.
      const second = await run(
        "bash",
        [path.join(ROOT, "scripts/up-local.sh"), "prod", ...PROD_CONFIG_ARGS],
        {
          env: clusterEnv(),
          cwd: ROOT,
          timeoutMs: UP_TIMEOUT_MS,
        },
      );
      assert.equal(second.code, 0, describeRun("scripts/up-local.sh prod", PROD_CONFIG_ARGS, second));
      assert.match(second.stderr, /removing the lock of pulumi pid \d+, which no longer runs/);
      if (pending.length > 0) assert.match(second.stderr, /pending operation\(s\) from an interrupted run/);
      assert.match(second.stdout, /Deployed stack "prod" to the local cluster: namespace ml-prod/);

      const after = await prodStack.state();
      assert.deepEqual(after.pendingOperations, []);
      const objects = managedObjects(after.resources);
      assert.ok(objects.length >= before.length);
      assert.ok(
        after.resources.every((r) => (r.initErrors ?? []).length === 0),
        "a resource still records an unfinished await",
      );
      console.log(`      completed with ${objects.length} objects`);
      // Nothing lost: what the first run created is still the same object (same uid).
      for (const o of before) {
        const now = objects.find((x) => x.urn === o.urn);
        assert.ok(now !== undefined, `${objectKey(o)} was dropped from the state`);
        if (o.uid !== undefined) assert.equal(now.uid, o.uid, `${objectKey(o)} was re-created`);
      }
      // Nothing duplicated: state and cluster agree one to one, for both stacks.
      await assertStateMatchesCluster([...(await devStack.managedObjects()), ...objects]);

      for (const model of prod.models) {
        const deployment = await kubectlJson<Deployment>(["deployment", model.name, "-n", prod.namespace]);
        assert.ok(hasCondition(deployment, "Available"));
        assert.equal((await podsOf(prod.namespace, model.name)).length, deployment.spec.replicas);
      }
      for (const job of prod.trainingJobs) {
        const pods = await podsOf(prod.namespace, job.name);
        assert.deepEqual(
          pods.map((p) => p.metadata.labels?.[POD_INDEX]).sort(),
          [...Array(job.workers).keys()].map(String),
        );
        const claims = await list<PersistentVolumeClaim>([
          "pvc",
          "-n",
          prod.namespace,
          "-l",
          byInstance(job.name),
        ]);
        assert.deepEqual(
          claims.map((c) => c.status.phase),
          claims.map(() => "Bound"),
        );
      }
    });

    it("every GPU pod of dev and prod runs on a node with the GPU product its config names", async () => {
      const nodes = new Map((await list<Node>(["nodes"])).map((n) => [n.metadata.name, n]));
      let checked = 0;
      for (const config of [dev, prod]) {
        const products = gpuProductsByWorkload(config);
        for (const pod of live(await list<Pod>(["pods", "-n", config.namespace]))) {
          if (podGpus(pod) === 0) continue;
          const workload = pod.metadata.labels?.[INSTANCE] ?? "";
          const want = products.get(workload);
          assert.ok(want !== undefined, `${pod.metadata.name} requests GPUs but ${workload} configures none`);
          const node = nodes.get(pod.spec.nodeName ?? "");
          assert.ok(node !== undefined, `${pod.metadata.name} is not bound to a node`);
          assert.equal(
            node.metadata.labels?.[GPU_PRODUCT_LABEL],
            want,
            `${pod.metadata.name} on ${node.metadata.name}`,
          );
          const allocatable = Number(node.status.allocatable?.[GPU_RESOURCE] ?? "0");
          assert.ok(podGpus(pod) <= allocatable);
          checked++;
        }
      }
      assert.ok(checked > 0);
    });
  });

  describe("the stack's own door: kubectl is held to the pack's rules", () => {
    // A Deployment sent with kubectl, compliant except for its mutable image tag: the pack's
    // pinned-images rule is mandatory in prod and advisory in dev (policy-config/<stack>.json),
    // and the stack's admission policies must give the same verdict at the API server.
    const image = "ghcr.io/k8s-ml-patterns/inference-server:latest";
    const problem = 'the image uses the mutable tag ":latest"';

    it("prod: the pack blocks it, and the API server denies it with the pack's message", async () => {
      const name = "e2e-door-mutable-tag";
      const manifest = doorDeployment(prod.namespace, name, image, { [TEST_LABEL]: "true" });
      const pack = packFindings(manifest, "prod").filter((f) => f.policy === "pinned-images");
      assert.deepEqual(
        pack.map((f) => [f.level, f.resource?.name]),
        [["mandatory", name]],
      );
      assert.ok(pack[0]?.message.includes(problem), pack[0]?.message);
      const error = await rejected(JSON.stringify(manifest), ["deployment", name, "-n", prod.namespace]);
      assert.match(
        error,
        new RegExp(
          `deployments "${name}" is invalid: : ValidatingAdmissionPolicy '${prod.priorityClassPrefix}-admission-pinned-images' with binding '[^']+' denied request: pinned-images: `,
        ),
      );
      assert.ok(error.includes(problem), error);
      assert.equal(await getOrUndefined(["deployment", name, "-n", prod.namespace]), undefined);
    });

    it("dev: the pack advises against it, and the API server admits it with the same warning", async () => {
      const name = "e2e-door-mutable-tag";
      const manifest = doorDeployment(dev.namespace, name, image, { [TEST_LABEL]: "true" });
      const pack = packFindings(manifest, "dev").filter((f) => f.policy === "pinned-images");
      assert.deepEqual(
        pack.map((f) => [f.level, f.resource?.name]),
        [["advisory", name]],
      );
      const result = await kubectlRun(["create", "-f", "-"], JSON.stringify(manifest));
      try {
        assert.equal(result.code, 0, result.stderr);
        const warning = result.stderr
          .split("\n")
          .find((line) =>
            line.includes(
              `Validation failed for ValidatingAdmissionPolicy '${dev.priorityClassPrefix}-admission-pinned-images'`,
            ),
          );
        assert.ok(warning?.includes(problem), result.stderr);
      } finally {
        await kubectlRun(["delete", "deployment", name, "-n", dev.namespace, "--ignore-not-found"]);
      }
    });
  });

  describe("traffic, as an independent NetworkPolicy engine (cyclonus) computes it", () => {
    // KWOK nodes enforce no NetworkPolicy: cyclonus reads the deployed policies from the cluster
    // and answers for connections between the pods that run there (and outside addresses).
    for (const [config, other] of [
      [dev, prod],
      [prod, dev],
    ] as const) {
      it(`${config.namespace}: the whole matrix is as the issue requires`, async () => {
        const cases = await trafficCases(config, other);
        const verdicts = await evaluateTraffic(config.namespace, [config.namespace], cases);
        const table = matrixTable(verdicts);
        fs.writeFileSync(path.join(CLUSTER_DIR, `traffic-matrix-${config.namespace}.md`), `${table}\n`);
        console.log(`      connectivity of ${config.namespace} (cyclonus):\n${table}`);
        const wrong = verdicts.filter((v) => v.verdict !== v.expected);
        assert.deepEqual(
          wrong.map((v) => `${v.from.name} -> ${v.to.name} ${v.protocol} ${v.port}: ${v.verdict}`),
          [],
          table,
        );
        // The matrix is not vacuous: both verdicts occur.
        assert.ok(
          verdicts.some((v) => v.verdict === "allowed") && verdicts.some((v) => v.verdict === "denied"),
        );
      });
    }
  });

  describe("upgrading a stack from release 0.2: separate Autoscaling and ModelMonitoring components, former type tokens", () => {
    it("keeps every object: only the two empty components are deleted, nothing is replaced", async () => {
      const dir = writeUpgradeProgram();
      const env: NodeJS.ProcessEnv = {
        ...devStack.env,
        PULUMI_CONFIG_PASSPHRASE: "component-upgrade-local-only",
      };
      delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
      const pulumi = (args: readonly string[], shape: "old" | "new") =>
        run("pulumi", [...args, "--stack", "component-upgrade", "--non-interactive"], {
          env: { ...env, SHAPE: shape },
          cwd: dir,
          timeoutMs: UP_TIMEOUT_MS,
        });
      try {
        const init = await run("pulumi", ["stack", "init", "component-upgrade", "--non-interactive"], {
          env,
          cwd: dir,
          timeoutMs: 60_000,
        });
        assert.equal(init.code, 0, describeRun("pulumi stack init", [], init));
        useComponents(dir, "former");
        const old = await pulumi(["up", "--yes", "--skip-preview"], "old");
        assert.equal(old.code, 0, describeRun("pulumi up (old shape)", [], old));
        const uidOf = async (kind: string, name: string, namespace = UPGRADE_NAMESPACE): Promise<string> =>
          (await kubectlJson<KObject>([kind, name, "-n", namespace])).metadata.uid;
        const uids = async () => [
          await uidOf("hpa", "llm-scaling"),
          await uidOf("servicemonitor", "llm-monitoring"),
          await uidOf("deployment", "llm"),
          await uidOf("statefulset", "trainer", UPGRADE_TEAM_NAMESPACE),
          await uidOf("namespace", UPGRADE_TEAM_NAMESPACE),
        ];
        const before = await uids();

        useComponents(dir, "current");

        const preview = await pulumi(["preview", "--json"], "new");
        assert.equal(preview.code, 0, describeRun("pulumi preview (new shape)", [], preview));
        const steps = (JSON.parse(preview.stdout) as { steps: { op: string; urn: string }[] }).steps;
        const changed = steps
          .filter((s) => s.op !== "same")
          .map((s) => `${s.op} ${s.urn.split("::").at(-1) ?? ""}`);
        assert.deepEqual(changed.sort(), ["delete llm-monitoring", "delete llm-scaling"]);

        const update = await pulumi(["up", "--yes", "--skip-preview"], "new");
        assert.equal(update.code, 0, describeRun("pulumi up (new shape)", [], update));
        assert.deepEqual(await uids(), before);
        // The tokens changed: the components are recorded under k8sml:index:<Type> now.
        const exported = await pulumi(["stack", "export"], "new");
        const types = (
          JSON.parse(exported.stdout) as { deployment: { resources: { type: string }[] } }
        ).deployment.resources.map((r) => r.type);
        assert.ok(
          types.includes("k8sml:index:ModelServing") && types.includes("k8sml:index:GpuTenancy"),
          types.join(", "),
        );
        assert.ok(!types.some((t) => /^k8sml:(?!index:)/.test(t)), types.join(", "));
      } finally {
        await pulumi(["destroy", "--yes", "--skip-preview"], "new");
        await run("pulumi", ["stack", "rm", "component-upgrade", "--yes", "--non-interactive"], {
          env,
          cwd: dir,
          timeoutMs: 60_000,
        });
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("rollouts at maximum scale and quota headroom", () => {
    it("dev: a new model image rolls out at the maximum replica count within the quota (surge pod admitted)", async () => {
      const model = first(dev.models, "dev model");
      const max = model.autoscaling?.maxReplicas ?? model.replicas;
      // Load the servers to their CPU request (over the HPA's 70 % target): the HPA scales the
      // Deployment to its maximum, and keeps it there through the rollout (new pods get the load
      // too). Scaling by hand would not last: the HPA acts on the cluster's real CPU metrics.
      const load = await startLoad(dev.namespace, byInstance(model.name), model.cpu);
      try {
        await waitFor(
          `${model.name} at ${String(max)} ready replicas`,
          async () => {
            const d = await kubectlJson<Deployment>(["deployment", model.name, "-n", dev.namespace]);
            return (d.status.readyReplicas ?? 0) === max ? d : undefined;
          },
          { timeoutMs: 300_000, intervalMs: 2000 },
        );
        const saved = fs.readFileSync(devStack.configFile, "utf8");
        const image = model.image.replace(/:[^:/]+$/, ":1.4.1");
        try {
          editStackConfig(devStack.configFile, saved, (config) => {
            const models = config["k8s-ml-patterns:models"] as Record<string, unknown>[];
            models[0] = { ...models[0], image };
          });
          const { result, events } = await devStack.upJson();
          assert.equal(
            result.code,
            0,
            `${describeRun("pulumi up (new image)", [], result)}\n${errorsOf(events)}`,
          );
          const d = await kubectlJson<
            Deployment & { spec: { template: { spec: { containers: { image: string }[] } } } }
          >(["deployment", model.name, "-n", dev.namespace]);
          assert.equal(d.spec.replicas, max);
          assert.equal(d.spec.template.spec.containers[0]?.image, image);
          const pods = await podsOf(dev.namespace, model.name);
          assert.equal(pods.length, max);
          for (const pod of pods) {
            const server = pod.spec.containers.find((c) => c.name !== "model-loader") as
              { image?: string } | undefined;
            assert.equal(server?.image, image, `pod ${pod.metadata.name} runs the new image`);
          }
        } finally {
          fs.writeFileSync(devStack.configFile, saved);
        }
      } finally {
        await load.stop();
      }
    });
  });

  describe("pulumi destroy", () => {
    it("leaves no object of the project in the cluster", async () => {
      for (const stack of [prodStack, devStack]) {
        const result = await stack.destroy();
        assert.equal(result.code, 0, describeRun("pulumi destroy", [stack.name], result));
        assert.equal(await stack.resourceCount(), 0);
      }
      for (const namespace of [dev.namespace, prod.namespace]) {
        const left = await waitFor(
          `namespace ${namespace} to be gone`,
          async () =>
            (await getOrUndefined<Namespace>(["namespace", namespace])) === undefined ? true : undefined,
          { timeoutMs: 120_000, intervalMs: 2000 },
        );
        assert.ok(left);
      }
      const remaining = (await labelledObjects()).map((o) =>
        objectKey({ kind: o.kind, namespace: o.metadata.namespace ?? "", name: o.metadata.name }),
      );
      assert.deepEqual(remaining, []);
      assert.equal(await getOrUndefined(["customresourcedefinition", MLWORKFLOW_CRD_NAME]), undefined);
      // The test's own volumes, released by the deleted claims.
      await kubectl(["delete", "persistentvolumes", "-l", TEST_LABEL, "--ignore-not-found"]);
    });
  });
});
