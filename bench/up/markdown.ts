// bench/results/up-latest.md from the report bench/upBench.ts collected.

import type { UpReport } from "./upReport";

/** The report as Markdown: the machine and versions, one row per size, then each size's step times per type. */
export function markdown(report: UpReport): string {
  const machine = report.machine;
  const lines = [
    "# `pulumi up` benchmark on the local cluster",
    "",
    `${report.generatedAt}. Pulumi ${report.versions.pulumi}, Kubernetes provider ${report.versions.kubernetesProvider}, Kubernetes ${report.versions.kubernetes} (local cluster, KWOK nodes from \`bench/up-nodes.yaml\`, ${report.cluster.reused ? "reused" : `started in ${report.cluster.upSeconds} s`}).`,
    "",
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.os}. Load average (1 min) at the end: ${machine.loadAverage1mAtEnd}. Engine parallelism: ${report.parallel}.`,
    "",
    "Each size is deployed from nothing with `pulumi up` (policy pack at dev levels) and destroyed. Steps run concurrently, so per-resource times overlap; the CLI prints them to 10 ms below one second and to whole seconds above. Wall times on a busy machine are inflated: compare the load average. N models: each a Deployment (server + loader sidecar), Service, PodDisruptionBudget, ServiceAccount, HPA and ServiceMonitor, plus the namespace's guardrails; every fifth model on 1 GPU, the rest CPU-only. Up and destroy times are wall times of the CLI (program start, preview and update); the engine's own update duration is the CLI's `Duration`.",
    "",
    "The kubectl side takes the very objects the `pulumi up` created from the stack's state (`pulumi stack export`: each object's inputs), and, after the `pulumi destroy`, applies them with `kubectl apply --server-side` (one file, namespace first), waits with `kubectl wait --for=condition=Available` on every Deployment (the readiness the provider awaits for these kinds), and deletes them with `kubectl delete --wait`. Ratios: `pulumi up` wall / (apply + wait); the engine's `Duration` / (apply + wait); `pulumi destroy` / `kubectl delete --wait`.",
    "",
    "| models | objects | pulumi up s | engine s | kubectl apply s | kubectl wait s | apply + wait s | up / kubectl | engine / kubectl | destroy s | kubectl delete s | destroy / delete |",
    "| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
    ...report.results.map(
      (r) =>
        `| ${r.models} | ${r.kubectl.objects} | ${r.upSeconds} | ${r.pulumiReportedSeconds} | ${r.kubectl.applySeconds} | ${r.kubectl.waitSeconds} | ${r.kubectl.upSeconds} | ${r.ratios.upVsKubectl} | ${r.ratios.engineVsKubectl} | ${r.destroySeconds} | ${r.kubectl.deleteSeconds} | ${r.ratios.destroyVsKubectlDelete} |`,
    ),
    "",
    "The plain baseline (`bench/baseline/up`) registers the very same objects, read back from the program's state, directly with `@pulumi/kubernetes`: no components, no validation, no plan, each object depending on what it depended on in the program (its components' dependencies included). It is deployed after the program's destroy with the same CLI, provider, cluster and policy pack, and destroyed. Its `pulumi up` is what any Pulumi program of these objects costs on this machine; the program's time above it is what this project's components add, and the baseline's time above kubectl is Pulumi's own.",
    "",
    "| models | program up s | baseline up s | kubectl apply + wait s | program / baseline | baseline / kubectl | program / kubectl | program destroy s | baseline destroy s | kubectl delete s | program destroy / delete | baseline destroy / delete |",
    "| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
    ...report.results.map(
      (r) =>
        `| ${r.models} | ${r.upSeconds} | ${r.baseline.upSeconds} | ${r.kubectl.upSeconds} | ${r.ratios.upVsBaseline} | ${r.ratios.baselineVsKubectl} | ${r.ratios.upVsKubectl} | ${r.destroySeconds} | ${r.baseline.destroySeconds} | ${r.kubectl.deleteSeconds} | ${r.ratios.destroyVsKubectlDelete} | ${r.ratios.baselineDestroyVsKubectlDelete} |`,
    ),
    "",
    "Where each up's time went, from the engine's event stream (each event stamped as it arrived, `bench/up/eventLog.ts`): the CLI's start-up and the policy pack's until the preview's prelude; the preview (the program runs once here); the gap until the update; in the update, the language host and program start until the first resource step, the steps (first start to last end; they overlap), and the engine's finish; then the CLI's exit (state saved, plugins closed).",
    "",
    "| models | side | wall s | start-up s | preview s | gap s | update: program start s | update: steps s | update: finish s | exit s | steps |",
    "| --: | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
    ...report.results.flatMap((r) =>
      (
        [
          ["program", r.upSeconds, r.phases],
          ["baseline", r.baseline.upSeconds, r.baseline.phases],
        ] as const
      ).map(
        ([side, wall, p]) =>
          `| ${r.models} | ${side} | ${wall} | ${p.startupSeconds} | ${p.previewSeconds} | ${p.betweenSeconds} | ${p.programStartSeconds} | ${p.stepsSeconds} | ${p.finishSeconds} | ${p.exitSeconds} | ${p.steps} |`,
      ),
    ),
    "",
    "| models | GPU models | created | up s | engine s | destroy s | pods running | API server CPU s | API server RSS MiB (peak) | etcd CPU s | etcd RSS MiB (peak) | etcd db MiB |",
    "| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
  ];
  for (const result of report.results) {
    const apiserver = result.process.apiserver;
    const etcd = result.process.etcd;
    lines.push(
      `| ${result.models} | ${result.gpuModels} | ${result.created} | ${result.upSeconds} | ${result.pulumiReportedSeconds} | ${result.destroySeconds} | ${result.podsRunning} | ${apiserver.cpuSeconds} | ${apiserver.rssMiB} (${apiserver.peakRssMiB}) | ${etcd.cpuSeconds} | ${etcd.rssMiB} (${etcd.peakRssMiB}) | ${result.etcdDbMiB} |`,
    );
  }
  for (const result of report.results) {
    lines.push(
      "",
      `## ${result.models} models: up time per resource type (seconds, from the CLI's per-step durations)`,
      "",
    );
    lines.push("| type | count | mean | p50 | p95 | max |", "| --- | --: | --: | --: | --: | --: |");
    for (const summary of result.perType) {
      lines.push(
        `| ${summary.type} | ${summary.count} | ${summary.meanSeconds} | ${summary.p50Seconds} | ${summary.p95Seconds} | ${summary.maxSeconds} |`,
      );
    }
    lines.push(
      "",
      `Slowest: ${result.slowest.map((step) => `${step.name} (${step.type.split(":").at(-1) ?? step.type}) ${step.seconds} s`).join(", ")}.`,
    );
  }
  return lines.join("\n") + "\n";
}
