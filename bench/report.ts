// bench/results/latest.md from the report bench/run.ts collected.

import type { Report, Stat, Stats } from "./lib/reportTypes";

const round2 = (x: number): number => Math.round(x * 100) / 100;

const fmt = (s: Stat | undefined, unit = ""): string =>
  s === undefined ? "-" : `${s.median}${unit} (${s.min}-${s.max})`;

const load = (s: Stats | { load1m: Stat } | undefined): string =>
  s === undefined ? "-" : `${s.load1m.median} (${s.load1m.min}-${s.load1m.max})`;

function programSection(r: Report): string[] {
  const lines = [
    "## 1. Program cost under mocks",
    "",
    "The real program (`pulumi.runtime.setAllConfig` + `main()` from `program/main.ts`: config validation, plan, components) on a generated fleet (`bench/fleet.ts`: N model servers with an HPA, or a KEDA ScaledObject for every fourth, a ServiceMonitor each, the DCGM ServiceMonitor, and the stack's guardrails), against the baseline (`bench/baseline/plainProgram.ts`), which registers the very same Kubernetes objects (replayed from the program's first run) directly with `@pulumi/kubernetes`: no components, no validation, no plan. It carries the same dependency edges and options as the program's registrations, registered the plain way, with `dependsOn` on the objects each one depended on (plus `deleteBeforeReplace` and `ignoreChanges` where the program set them): a plain program without them could not deploy (Kubernetes rejects a Deployment in a namespace that does not exist yet), and with them the comparison is about components, validation and Output wiring, not about leaving out the dependency graph. Both under the same Pulumi mocks (preview off), timed from the first call until every registration reached the mocks (the baseline's time includes parsing the recorded objects, standing in for building them). Program and baseline children run at the same time, in pairs. Median (min-max) over the runs; CPU = user + system time of the child process.",
    "",
    "| models | k8s resources | registrations (with components) | program CPU ms | baseline CPU ms | ratio CPU | program wall ms | baseline wall ms | ratio wall | load (1 min) |",
    "| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
    ...r.program.map(
      (s) =>
        `| ${s.models} | ${s.kubernetesResources} | ${s.registrations} | ${fmt(s.program.cpuMs)} | ${fmt(s.baseline.cpuMs)} | **${s.ratio.cpu}** | ${fmt(s.program.wallMs)} | ${fmt(s.baseline.wallMs)} | ${s.ratio.wall} | ${load(s.program)} |`,
    ),
    "",
    "Per Kubernetes resource (medians) and memory:",
    "",
    "| models | program CPU µs | baseline CPU µs | program wall µs | baseline wall µs | program sync CPU ms | program peak RSS MiB | baseline peak RSS MiB | program KiB/resource | baseline KiB/resource | program heap retained MiB |",
    "| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
    ...r.program.map(
      (s) =>
        `| ${s.models} | ${s.perResource.programCpuUs} | ${s.perResource.baselineCpuUs} | ${s.perResource.programWallUs} | ${s.perResource.baselineWallUs} | ${s.program.syncCpuMs?.median ?? "-"} | ${s.program.peakRssMiB.median} | ${s.baseline.peakRssMiB.median} | ${s.perResource.programPeakRssKiB} | ${s.perResource.baselinePeakRssKiB} | ${s.program.heapRetainedMiB.median} |`,
    ),
    "",
    "Peak RSS is the growth of the process's peak resident set during the measured section; sync CPU is the part spent before `main()` returned (config, plan, component and resource constructors), the rest is the SDK's asynchronous registration work.",
    "",
  ];
  const at = r.program.find((s) => s.shells !== undefined);
  if (at?.shells !== undefined) {
    const sh = at.shells;
    const own = round2(at.ratio.cpu / sh.ratio);
    lines.push(
      `Where the difference goes, at ${at.models} models: the baseline plus one empty ComponentResource per component of the program (same type tokens and names, \`bench/baseline/componentShells.ts\`), run side by side with the baseline, costs **${sh.ratio}x** the baseline's CPU (${sh.withShells.cpuMs.median} vs ${sh.baseline.cpuMs.median} ms, load ${load(sh.withShells)}). That is the SDK's price of the components themselves: a registration and an outputs registration each, and a parent link (URN and aliases derived from the parent's) for each child. The program's ${at.ratio.cpu}x divided by it leaves **${own}x** for this project's own code: config validation, plan, spec builders and the Outputs that carry values and dependencies between resources.`,
      "",
    );
  }
  if (r.growth !== undefined) {
    lines.push(
      `Growth from 100 to 1,000 models (10 = linear): program ${r.growth.program.cpu} CPU, ${r.growth.program.wall} wall; baseline ${r.growth.baseline.cpu} CPU, ${r.growth.baseline.wall} wall.`,
      "",
    );
  }
  return lines;
}

function startupSection(r: Report): string[] {
  return [
    "## 2. Start-up cost",
    "",
    "Time to load the modules (`require`) in a fresh process, measured inside it. Median (min-max).",
    "",
    "| what | CPU ms | wall ms | load (1 min) |",
    "| --- | --: | --: | --: |",
    ...r.startup.map(
      (v) =>
        `| ${v.name}: ${v.description} | ${fmt(v.stats.cpuMs)} | ${fmt(v.stats.wallMs)} | ${load(v.stats)} |`,
    ),
    "",
    ...Object.entries(r.startupRatios).map(([k, v]) => `- ${k}: **${v}**`),
    "",
  ];
}

function policySection(r: Report): string[] {
  return [
    "## 3. Policy cost",
    "",
    `Every resource and stack policy of the pack (\`runPolicies\`, config \`${String(r.settings.packConfig)}\`) over the registrations the program made for the same fleets (Kubernetes objects and components, as CrossGuard sees them). Cold: the first evaluation in a fresh process, as in a preview; warm: the second. Median (min-max).`,
    "",
    "| models | resources | violations | cold CPU ms | cold wall ms | warm CPU ms | cold CPU µs/resource | warm CPU µs/resource | load (1 min) |",
    "| --: | --: | --: | --: | --: | --: | --: | --: | --: |",
    ...r.policy.map(
      (p) =>
        `| ${p.models} | ${p.resources} | ${p.violations} | ${fmt(p.cold.cpuMs)} | ${fmt(p.cold.wallMs)} | ${fmt(p.warm.cpuMs)} | ${p.perResourceColdCpuUs} | ${p.perResourceWarmCpuUs} | ${load(p.cold)} |`,
    ),
    "",
    ...r.policy
      .filter((p) => p.violations > 0)
      .map((p) => `Violations at ${p.models} models, first ones: ${p.firstViolations.join("; ")}`),
  ];
}

function previewSection(r: Report): string[] {
  const p = r.preview;
  if (!p.measured) return ["## 4. Real preview", "", `Not measured: ${p.reason ?? "unknown reason"}.`, ""];
  return [
    "## 4. Real preview",
    "",
    `\`pulumi preview\` (CLI ${p.cliVersion ?? "?"}) the way \`scripts/preview.sh\` runs it (project toolchain, local file backend, offline kubeconfig), in the benchmark's own state directory, with \`--policy-pack policy\`, without a pack, and with an empty pack (three stacks with the same config file, previewed one after the other, rotating which goes first: a preview keeps both cores busy, so previews side by side would measure their contention). CPU is the CLI's with everything it waited for (language host, program, provider, policy pack), from bash's \`times\`. The fresh-machine case runs each preview with an empty \`TMPDIR\`, so ts-node has no cache, as on every CI job; the others reuse ts-node's cache, as on a developer's machine. \`scripts/preview.sh dev\` itself: ${p.scriptCheck?.ok === true ? "ok" : "FAILED"} (${p.scriptCheck?.wallMs ?? "?"} ms wall${p.scriptCheck?.detail === undefined ? "" : `; ${p.scriptCheck.detail}`}).`,
    "",
    "| stack | resources | CPU ms with pack | CPU ms without | overhead CPU | wall ms with pack | wall ms without | overhead wall | CPU ms with an empty pack | empty pack's overhead CPU (wall) | CPU ms/resource (with pack) | load (1 min) |",
    "| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
    ...p.cases.map(
      (c) =>
        `| ${c.name} | ${c.resources} | ${fmt(c.withPack?.cpuMs)} | ${fmt(c.withoutPack?.cpuMs)} | **${c.packOverhead?.cpu ?? "-"}** | ${fmt(c.withPack?.wallMs)} | ${fmt(c.withoutPack?.wallMs)} | ${c.packOverhead?.wall ?? "-"} | ${fmt(c.withEmptyPack?.cpuMs)} | ${c.emptyPackOverhead === undefined ? "-" : `${c.emptyPackOverhead.cpu} (${c.emptyPackOverhead.wall})`} | ${c.perResource?.cpuMsWithPack ?? "-"} | ${load(c.withPack)} |`,
    ),
    "",
    "The empty pack (one policy that checks nothing, on the same @pulumi/policy and @pulumi/pulumi; `bench/packStartup.ts`) is Pulumi's policy runtime alone: its overhead is the part of the pack's that no pack can avoid.",
    "",
    ...p.cases.flatMap((c) => c.failures.map((f) => `- ${c.name}: ${f.replace(/\n/g, " / ")}`)),
    "",
    ...packStartupLines(p.packStartup),
  ];
}

function packStartupLines(s: Report["preview"]["packStartup"]): string[] {
  if (s === undefined) return [];
  return [
    "Where the overhead of a small stack goes: the engine starts the pack's analyzer process and waits until it listens before it runs the program. That start-up, measured on its own (`run-policy-pack` from the pack's @pulumi/pulumi, in the pack's directory, as the language host starts it, until it prints its port; `bench/packStartup.ts`), for this pack and for an empty pack on the same packages (one policy that checks nothing), alternating. The empty pack's start-up is Pulumi's policy runtime (its TypeScript loader, the SDK, gRPC, @pulumi/policy); the difference is this pack's own modules. Median (min-max).",
    "",
    "| pack | CPU ms | wall ms |",
    "| --- | --: | --: |",
    `| this pack | ${fmt(s.pack.cpuMs)} | ${fmt(s.pack.wallMs)} |`,
    `| empty pack | ${fmt(s.emptyPack.cpuMs)} | ${fmt(s.emptyPack.wallMs)} |`,
    "",
    `- this pack's own modules: **${s.ownCpuMs} ms** CPU of the start-up`,
    `- the start-up against the CPU of the dev preview without the pack: **${s.shareOfDevPreview ?? "-"}** (on its own, before any resource is checked)`,
    "",
  ];
}

export function markdown(r: Report): string {
  const m = r.machine;
  const lines = [
    "# Benchmark: the program and the policy pack per resource",
    "",
    `${r.date}, \`${r.command}\`, ${r.durationS} s. Source ${r.source.commit}${r.source.dirtyPaths.length > 0 ? ` with uncommitted changes in ${r.source.dirtyPaths.join(", ")}` : ""}.`,
    "",
    `Machine: ${String(m.cpuModel)}, ${String(m.cores)} cores, ${String(m.memoryGiB)} GiB, ${String(m.platform)}; load average (1, 5, 15 min) at start: ${String(m.loadAverageAtStart)}. Versions: ${Object.entries(
      r.versions,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}.`,
    "",
    "Each figure is the median of several runs, each in a fresh child process that measures itself; ratios compare runs made side by side in the same benchmark. On a loaded machine wall times swell with the load; CPU time much less, so targets are judged on CPU.",
    "",
    "## Targets",
    "",
    "| target | value | met |",
    "| --- | --- | --- |",
    ...r.verdicts.map(
      (v) => `| ${v.target} | ${v.value} | ${v.met === null ? "not measured" : v.met ? "yes" : "**no**"} |`,
    ),
    "",
    ...programSection(r),
    ...startupSection(r),
    ...policySection(r),
    "",
    ...previewSection(r),
  ];
  return `${lines.join("\n")}\n`;
}
