// Case 4, real preview: `pulumi preview` of the stacks in bench/cases/previewPlans.ts, set up the
// way scripts/preview.sh does (bench/realPreview.ts), each with the policy pack, without a pack
// and with an empty pack; and scripts/preview.sh itself, once.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { fleetStackFile } from "../fleet";
import { run } from "../lib/children";
import { log } from "../lib/log";
import { round } from "../lib/measure";
import { REPOSITORY_ROOT, WORK_DIR } from "../lib/paths";
import type { PreviewCaseResult, PreviewScriptCheck, PreviewSection } from "../lib/reportTypes";
import { setUpPackStartup } from "../packStartup";
import {
  initStack,
  type PackUse,
  type PreviewEnv,
  type PreviewRun,
  previewOnce,
  setUpPreviews,
  stackFileCopy,
} from "../realPreview";
import { FLEET_MODELS, type PreviewPlan, previewPlans } from "./previewPlans";
import {
  overhead,
  PREVIEW_SIDES,
  type PreviewSide,
  SIDE_LABELS,
  SIDE_ORDERS,
  summarize,
} from "./previewSides";

/** An empty temporary directory for one cold preview (ts-node keeps its cache in TMPDIR). */
function freshTmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "bench-cold-"));
}

/** A case that could not run: no figures, only why. */
function emptyCase(plan: PreviewPlan, failures: string[]): PreviewCaseResult {
  return {
    name: plan.name,
    stack: plan.stack,
    packConfig: plan.packConfig,
    resources: 0,
    withPack: undefined,
    withoutPack: undefined,
    withEmptyPack: undefined,
    packOverhead: undefined,
    emptyPackOverhead: undefined,
    perResource: undefined,
    failures,
  };
}

/**
 * scripts/preview.sh itself, once (it also installs the policy pack's packages when needed);
 * in a state directory of its own, since it uses its own passphrase.
 */
async function checkPreviewScript(): Promise<PreviewScriptCheck> {
  const t0 = performance.now();
  const script = await run("scripts/preview.sh", ["dev"], {
    cwd: REPOSITORY_ROOT,
    env: { ...process.env, K8S_ML_PREVIEW_STATE: path.join(WORK_DIR, "preview-script-state") },
    timeoutMs: 20 * 60 * 1000,
  });
  const scriptCheck = {
    ok: script.status === 0,
    wallMs: round(performance.now() - t0, 0),
    ...(script.status === 0
      ? {}
      : { detail: `${script.stdout}${script.stderr}`.trim().split("\n").slice(-5).join("\n") }),
  };
  log(`  scripts/preview.sh dev: ${scriptCheck.ok ? "ok" : "FAILED"} in ${scriptCheck.wallMs} ms`);
  return scriptCheck;
}

/** Previews one plan's three sides `plan.runs` times each, one preview at a time. */
async function previewPlan(
  previews: PreviewEnv,
  plan: PreviewPlan,
  emptyPackDir: string,
): Promise<PreviewCaseResult> {
  const failures: string[] = [];
  // One stack per side, each with its own state.
  const prefix = `bench-${plan.stack}${plan.cold === true ? "-cold" : ""}`;
  const stacks: Record<PreviewSide, string> = {
    with: `${prefix}-pack`,
    without: `${prefix}-plain`,
    empty: `${prefix}-empty-pack`,
  };
  const init =
    initStack(previews, stacks.with) ??
    initStack(previews, stacks.without) ??
    initStack(previews, stacks.empty);
  if (init !== undefined) return emptyCase(plan, [init]);
  const text =
    plan.stackFile === ""
      ? fleetStackFile(FLEET_MODELS)
      : fs.readFileSync(path.join(REPOSITORY_ROOT, plan.stackFile), "utf8");
  const configFile = stackFileCopy(previews, plan.stack, text);
  const packs: Record<PreviewSide, PackUse | undefined> = {
    with: { dir: "policy", config: plan.packConfig },
    without: undefined,
    empty: { dir: emptyPackDir },
  };
  const runs: Record<PreviewSide, PreviewRun[]> = { with: [], without: [], empty: [] };
  for (let turn = 0; turn < plan.runs; turn++) {
    // One after the other, rotating which goes first: each preview's engine, program,
    // provider and pack keep both cores busy, so two at a time would measure their contention.
    for (const side of SIDE_ORDERS[turn % SIDE_ORDERS.length] ?? PREVIEW_SIDES) {
      const tmp = plan.cold === true ? freshTmp() : undefined;
      const result = await previewOnce(
        previews,
        stacks[side],
        configFile,
        packs[side],
        tmp === undefined ? {} : { TMPDIR: tmp },
      );
      if (tmp !== undefined) fs.rmSync(tmp, { recursive: true, force: true });
      runs[side].push(result);
      if (!result.ok) failures.push(`${SIDE_LABELS[side]}: ${result.error ?? "failed"}`);
      log(
        `  preview ${plan.name} ${SIDE_LABELS[side]}, run ${turn + 1}/${plan.runs}: ${result.ok ? "ok" : "FAILED"}, ${round(result.cpuMs, 0)} ms CPU, ${round(result.wallMs, 0)} ms wall, ${result.resources} resources, load ${round(result.load1m)}`,
      );
    }
  }
  const withPack = summarize(runs.with);
  const withoutPack = summarize(runs.without);
  const withEmptyPack = summarize(runs.empty);
  const resources =
    runs.with.find((run) => run.ok)?.resources ?? runs.without.find((run) => run.ok)?.resources ?? 0;
  return {
    name: plan.name,
    stack: plan.stack,
    packConfig: plan.packConfig,
    resources,
    withPack,
    withoutPack,
    withEmptyPack,
    packOverhead: overhead(withPack, withoutPack),
    emptyPackOverhead: overhead(withEmptyPack, withoutPack),
    perResource:
      withPack === undefined || resources === 0
        ? undefined
        : {
            cpuMsWithPack: round(withPack.cpuMs.median / resources),
            wallMsWithPack: round(withPack.wallMs.median / resources),
          },
    failures,
  };
}

/**
 * Runs every real-preview case (`previewRuns` runs of each side, `fleetRuns` for the fleet);
 * when the toolchain cannot be set up, a section that says why, with no cases.
 */
export async function runPreviewCost(previewRuns: number, fleetRuns: number): Promise<PreviewSection> {
  const previews = setUpPreviews(REPOSITORY_ROOT, path.join(WORK_DIR, "preview-state"));
  if (typeof previews === "string") return { measured: false, reason: previews, cases: [] };
  // Needs the pack's packages, which setting up the previews installs.
  const { emptyPackDir } = setUpPackStartup(REPOSITORY_ROOT, path.basename(WORK_DIR));
  const scriptCheck = await checkPreviewScript();
  const cases: PreviewCaseResult[] = [];
  for (const plan of previewPlans(previewRuns, fleetRuns))
    cases.push(await previewPlan(previews, plan, emptyPackDir));
  return { measured: true, cliVersion: previews.cliVersion, scriptCheck, cases };
}
