// The shape of bench/results/up-latest.json.

import type { Step, TypeSummary } from "./cliOutput";
import type { ControlPlaneUse } from "./controlPlane";
import type { BaselineTimes } from "./baselineSide";
import type { UpPhases } from "./eventLog";
import type { KubectlTimes } from "./kubectlSide";

/** One stack size: its up and destroy, the step times, and what the control plane used. */
export interface SizeResult {
  readonly models: number;
  readonly gpuModels: number;
  /** Kubernetes objects and components the up created (the CLI's "+ N created"). */
  readonly created: number;
  readonly upSeconds: number;
  /** The engine's own duration of the update (after the preview and program start). */
  readonly pulumiReportedSeconds: number;
  /** Where the up's time went, from its engine event log. */
  readonly phases: UpPhases;
  readonly destroySeconds: number;
  /** The same objects with the plain baseline program (bench/baseline/up): up and destroy. */
  readonly baseline: BaselineTimes;
  /** The same objects (from the stack's state) with kubectl: apply --server-side, wait, delete --wait. */
  readonly kubectl: KubectlTimes;
  readonly ratios: {
    /** `pulumi up` wall time / (kubectl apply + wait). */
    readonly upVsKubectl: number;
    /** `pulumi up` of the program / `pulumi up` of the plain baseline: what the components add. */
    readonly upVsBaseline: number;
    /** `pulumi up` of the plain baseline / (kubectl apply + wait): what Pulumi itself costs. */
    readonly baselineVsKubectl: number;
    /** `pulumi destroy` of the program / of the baseline. */
    readonly destroyVsBaseline: number;
    /** `pulumi destroy` of the baseline / `kubectl delete --wait`. */
    readonly baselineDestroyVsKubectlDelete: number;
    /** The engine's own update duration / (kubectl apply + wait). */
    readonly engineVsKubectl: number;
    /** `pulumi destroy` wall time / `kubectl delete --wait`. */
    readonly destroyVsKubectlDelete: number;
  };
  readonly podsRunning: number;
  readonly perType: readonly TypeSummary[];
  readonly slowest: readonly Step[];
  readonly process: ControlPlaneUse;
  readonly etcdDbMiB: number;
}

export interface UpReport {
  readonly generatedAt: string;
  readonly machine: {
    readonly cpuModel: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly os: string;
    readonly node: string;
    readonly loadAverage1mAtEnd: number;
  };
  readonly versions: {
    readonly pulumi: string;
    readonly kubernetes: string;
    readonly kubernetesProvider: string;
  };
  /** The engine's step parallelism of both Pulumi sides. */
  readonly parallel: string;
  readonly cluster: { readonly reused: boolean; readonly upSeconds: number; readonly nodes: string };
  readonly stacks: string;
  readonly results: readonly SizeResult[];
}
