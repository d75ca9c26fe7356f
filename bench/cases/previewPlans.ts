// The stacks the real-preview case previews: dev, prod, dev as on a fresh machine, and a
// generated fleet.

/** The size of the generated fleet the last real-preview case previews. */
export const FLEET_MODELS = 100;

/** One real-preview case: which stack, with which stack file and pack config, how many times. */
export interface PreviewPlan {
  readonly name: string;
  readonly stack: string;
  /** The committed stack file; "" for the generated fleet (bench/fleet.ts). */
  readonly stackFile: string;
  readonly packConfig: string;
  readonly runs: number;
  /**
   * Each preview with an empty temporary directory, so ts-node has no cache: what the first
   * preview on a fresh machine (every CI job) costs.
   */
  readonly cold?: boolean;
}

/** The cases in the order they run; the fleet's runs are counted apart, since it is the slowest. */
export function previewPlans(previewRuns: number, fleetRuns: number): PreviewPlan[] {
  return [
    {
      name: "dev",
      stack: "dev",
      stackFile: "Pulumi.dev.yaml",
      packConfig: "policy-config/dev.json",
      runs: previewRuns,
    },
    {
      name: "prod",
      stack: "prod",
      stackFile: "Pulumi.prod.yaml",
      packConfig: "policy-config/prod.json",
      runs: previewRuns,
    },
    {
      name: "dev, fresh machine (no ts-node cache)",
      stack: "dev",
      stackFile: "Pulumi.dev.yaml",
      packConfig: "policy-config/dev.json",
      runs: previewRuns,
      cold: true,
    },
    {
      name: `fleet of ${FLEET_MODELS} models`,
      stack: `bench-fleet-${FLEET_MODELS}`,
      stackFile: "",
      packConfig: "policy-config/prod.json",
      runs: fleetRuns,
    },
  ];
}
