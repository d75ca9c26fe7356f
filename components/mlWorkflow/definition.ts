/** The MLWorkflowDefinition component: installs the MLWorkflow CRD. */
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../lib/component";
import { componentOptions, componentType } from "../lib/typeTokens";
import { ArgChecker } from "../lib/validation";
import { mlWorkflowCrd } from "./crd";

export const MLWORKFLOW_DEFINITION_TYPE = componentType("MLWorkflowDefinition");

export interface MLWorkflowDefinitionArgs {
  /**
   * Leave the CRD in the cluster when the stack deletes it. Deleting a CRD deletes every
   * MLWorkflow in every namespace, including other stacks'. Must be known when the component is
   * constructed. @default false
   */
  readonly retainOnDelete?: boolean;
}

/** Every literal default of MLWorkflowDefinition. */
export const MLWORKFLOW_DEFINITION_DEFAULTS = { retainOnDelete: false } as const;

/**
 * Installs the MLWorkflow CustomResourceDefinition. CRDs are cluster-wide: install it from one
 * stack per cluster, and pass it (or `CustomResourceDefinition.get`) to the MLWorkflows of others.
 */
export class MLWorkflowDefinition extends pulumi.ComponentResource {
  public readonly crd: apiextensions.v1.CustomResourceDefinition;

  /** `mlworkflows.ai.example.com`. */
  public readonly crdName: pulumi.Output<string>;

  constructor(name: string, args: MLWorkflowDefinitionArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    new ArgChecker(`MLWorkflowDefinition "${name}"`)
      // The name is the CRD's instance label, so it must be a valid label value.
      .dnsLabel("name", name)
      .check(
        args.retainOnDelete === undefined || typeof args.retainOnDelete === "boolean",
        "retainOnDelete",
        args.retainOnDelete,
        "true or false",
      )
      .throwIfInvalid();
    super(MLWORKFLOW_DEFINITION_TYPE, name, {}, componentOptions("MLWorkflowDefinition", opts));
    const crd = mlWorkflowCrd(name);
    this.crd = new apiextensions.v1.CustomResourceDefinition(
      `${name}-crd`,
      crd,
      childOptions(this, {
        retainOnDelete: args.retainOnDelete ?? MLWORKFLOW_DEFINITION_DEFAULTS.retainOnDelete,
      }),
    );
    this.crdName = this.crd.metadata.name;
    this.registerOutputs({ crdName: this.crdName });
  }
}
