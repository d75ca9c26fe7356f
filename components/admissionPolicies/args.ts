/**
 * The arguments of AdmissionPolicies and the settings its specs are built from: the stack's
 * policy pack config turned into one enforcement per rule and the parameter values.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AdmissionRule } from "../../conventions/admission/rule";

export interface AdmissionPoliciesArgs {
  /**
   * The namespace the policies govern: the bindings select it by its
   * `kubernetes.io/metadata.name` label, and the params ConfigMap is created in it.
   */
  readonly namespace: pulumi.Input<string>;
  /**
   * The stack's policy pack config, in the `--policy-pack-config` format
   * (`{ "all": <level>, "<policy>": <level> | { enforcementLevel?, ...properties } }`), the same
   * object `pulumi preview --policy-pack-config` reads. Levels map to binding actions:
   * mandatory and remediate -> Deny, advisory -> Warn and Audit, disabled -> no binding.
   * Must be a plain value: it decides which children exist.
   * @default {} (every rule at the pack's default level and parameters)
   */
  // Free-form JSON, like the pack's config file: `any` is what the package schema calls Any.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly policyConfig?: Readonly<Record<string, any>>;
}

/** What a binding does with a violation (ValidatingAdmissionPolicyBinding validationActions). */
export type AdmissionAction = "Deny" | "Warn" | "Audit";

/** One rule as the stack enforces it. */
export interface RuleSettings {
  readonly rule: AdmissionRule;
  /** The binding's actions; empty: the rule is disabled and not bound. */
  readonly actions: readonly AdmissionAction[];
  /** Every parameter's value (the config's over the rule's defaults). */
  readonly params: Readonly<Record<string, unknown>>;
}

/** The validated, defaulted arguments. */
export interface AdmissionPoliciesSettings {
  readonly name: string;
  readonly namespace: string;
  readonly rules: readonly RuleSettings[];
}
