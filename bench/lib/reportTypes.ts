// The shape of bench/results/latest.json: what bench/run.ts collects from the cases under
// bench/cases/ and bench/report.ts renders as latest.md. In a module of its own so that the
// runner, the cases and the renderer share it without importing one another.

import type { TARGETS } from "./targets";

/** Median, min and max of one measure over the runs. */
export interface Stat {
  readonly runs: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** The measures of one child process's section over the runs, with the load averages they started at. */
export interface Stats {
  readonly wallMs: Stat;
  readonly cpuMs: Stat;
  /** The synchronous part (construction: config, plan, components, resource objects). */
  readonly syncCpuMs?: Stat;
  readonly peakRssMiB: Stat;
  readonly heapRetainedMiB: Stat;
  readonly load1m: Stat;
}

/** CPU and wall time of one side over another's, of the medians. */
export interface TimeRatio {
  readonly cpu: number;
  readonly wall: number;
}

export interface ProgramSize {
  readonly models: number;
  readonly registrations: number;
  readonly kubernetesResources: number;
  readonly program: Stats;
  /**
   * The plain program: the same Kubernetes objects, replayed from the program's first run, with
   * the same dependency edges (`dependsOn`) and options (`deleteBeforeReplace`, `ignoreChanges`)
   * and no components, validation or plan.
   */
  readonly baseline: Stats;
  /**
   * Only at the size given by --shells-at: the baseline plus one empty component per component
   * of the program, run side by side with the baseline; ratio of their CPU medians.
   */
  readonly shells?: { readonly withShells: Stats; readonly baseline: Stats; readonly ratio: number };
  /** program / baseline, of the medians. */
  readonly ratio: { readonly cpu: number; readonly wall: number; readonly peakRss: number };
  /** Per Kubernetes resource (the same count on both sides): µs and KiB. */
  readonly perResource: {
    readonly programCpuUs: number;
    readonly programWallUs: number;
    readonly baselineCpuUs: number;
    readonly baselineWallUs: number;
    readonly programPeakRssKiB: number;
    readonly baselinePeakRssKiB: number;
  };
}

/** time(1000 models) / time(100 models) of the program and of the baseline. */
export interface ProgramGrowth {
  readonly program: TimeRatio;
  readonly baseline: TimeRatio;
}

export interface StartupVariant {
  readonly name: string;
  readonly description: string;
  readonly stats: Stats;
}

export interface PolicySize {
  readonly models: number;
  /** Everything CrossGuard would see: Kubernetes objects and the components. */
  readonly resources: number;
  readonly kubernetesResources: number;
  readonly violations: number;
  readonly firstViolations: readonly string[];
  readonly cold: Stats;
  readonly warm: { readonly wallMs: Stat; readonly cpuMs: Stat };
  readonly perResourceColdCpuUs: number;
  readonly perResourceWarmCpuUs: number;
}

/** The successful previews of one side of a real-preview case. */
export interface PreviewTimes {
  readonly wallMs: Stat;
  readonly cpuMs: Stat;
  readonly load1m: Stat;
}

export interface PreviewCaseResult {
  readonly name: string;
  readonly stack: string;
  readonly packConfig: string;
  readonly resources: number;
  readonly withPack: PreviewTimes | undefined;
  readonly withoutPack: PreviewTimes | undefined;
  /** The same preview with an empty pack: what Pulumi's policy runtime costs on its own. */
  readonly withEmptyPack: PreviewTimes | undefined;
  readonly packOverhead: TimeRatio | undefined;
  readonly emptyPackOverhead: TimeRatio | undefined;
  readonly perResource: { readonly cpuMsWithPack: number; readonly wallMsWithPack: number } | undefined;
  readonly failures: readonly string[];
}

/** The policy pack's analyzer start-up (bench/packStartup.ts), against an empty pack's. */
export interface PackStartupResult {
  readonly pack: { readonly cpuMs: Stat; readonly wallMs: Stat };
  readonly emptyPack: { readonly cpuMs: Stat; readonly wallMs: Stat };
  /** Median CPU of this pack's start-up minus the empty pack's: what its own modules add. */
  readonly ownCpuMs: number;
  /** The pack's start-up CPU over the CPU of the dev preview without the pack. */
  readonly shareOfDevPreview: number | undefined;
}

/** The result of running scripts/preview.sh itself once. */
export interface PreviewScriptCheck {
  readonly ok: boolean;
  readonly wallMs: number;
  readonly detail?: string;
}

export interface PreviewSection {
  readonly measured: boolean;
  readonly reason?: string;
  readonly cliVersion?: string;
  readonly scriptCheck?: PreviewScriptCheck;
  readonly cases: readonly PreviewCaseResult[];
  readonly packStartup?: PackStartupResult;
}

/** One target, the value measured against it, and whether it was met (null: not measured). */
export interface Verdict {
  readonly target: string;
  readonly value: string;
  readonly met: boolean | null;
}

export interface Report {
  readonly date: string;
  readonly durationS: number;
  readonly command: string;
  readonly machine: Readonly<Record<string, string | number>>;
  readonly versions: Readonly<Record<string, string>>;
  readonly source: { readonly commit: string; readonly dirtyPaths: readonly string[] };
  readonly settings: Readonly<Record<string, unknown>>;
  readonly targets: typeof TARGETS;
  readonly program: readonly ProgramSize[];
  readonly growth: ProgramGrowth | undefined;
  readonly startup: readonly StartupVariant[];
  readonly startupRatios: Readonly<Record<string, number>>;
  readonly policy: readonly PolicySize[];
  readonly preview: PreviewSection;
  readonly verdicts: readonly Verdict[];
}
