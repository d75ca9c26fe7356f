/** The AdmissionPolicies component: the pack's per-resource rules enforced by the API server. */
import * as admissionregistration from "@pulumi/kubernetes/admissionregistration";
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as pulumi from "@pulumi/pulumi";
import { ADMISSION_RULES } from "../../conventions/admission/index";
import { childOptions } from "../lib/component";
import { CustomResourceFields } from "../lib/customResourceFields";
import { componentOptions, componentType } from "../lib/typeTokens";
import { fieldsOf } from "../lib/resolve";
import { ValidationError } from "../lib/validation";
import type { AdmissionPoliciesArgs, AdmissionPoliciesSettings } from "./args";
import { bindingObject, paramsApiVersion, paramsCrd, paramsKind, paramsObject, policyObject } from "./specs";
import {
  resolveRules,
  validateAdmissionPoliciesArgs,
  validateAdmissionPolicyConfig,
  withAdmissionPoliciesDefaults,
} from "./validate";

/** Type token of the component. */
export const ADMISSION_POLICIES_TYPE = componentType("AdmissionPolicies");

const paramsOf = new CustomResourceFields<AdmissionPolicies, apiextensions.CustomResource>();

/**
 * The policy pack's per-resource rules as ValidatingAdmissionPolicies (CEL, enforced by the API
 * server for kubectl, Helm and GitOps clients as well as Pulumi), generated from the same rule
 * definitions the pack's policies use (conventions/admission). One policy per rule
 * (`<name>-<policy>`, cluster-scoped); one params object (`<name>-params`, kind AdmissionParams
 * of the component's own CRD `admissionparams.<name>.admission.k8sml.io`) in the namespace
 * holding the limits; and one binding per enabled rule that applies it to that namespace only
 * (selected by its `kubernetes.io/metadata.name` label), so stacks on one cluster do not affect
 * each other. Changing a level or a limit changes a binding or the params object, never a policy.
 */
export class AdmissionPolicies extends pulumi.ComponentResource {
  public readonly policies: admissionregistration.v1.ValidatingAdmissionPolicy[];
  public readonly paramsDefinition: apiextensions.v1.CustomResourceDefinition;
  /** The params object the policies read (a getter: see CustomResourceFields). */
  public get params(): apiextensions.CustomResource {
    return paramsOf.get(this);
  }
  public readonly bindings: admissionregistration.v1.ValidatingAdmissionPolicyBinding[];
  /** Names of the policies the stack binds, by pack policy name. */
  public readonly boundPolicies: pulumi.Output<string[]>;

  constructor(name: string, args: AdmissionPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    if (args.policyConfig !== undefined && pulumi.Output.isInstance(args.policyConfig)) {
      throw new ValidationError(
        `AdmissionPolicies ${JSON.stringify(name)}: policyConfig decides which bindings exist, so it must be a plain value, not an Output`,
      );
    }
    // The config decides the children: validated (and resolved) now, before anything is registered.
    validateAdmissionPolicyConfig(name, args.policyConfig);
    const rules = resolveRules(args.policyConfig);
    const policyConfig = args.policyConfig;
    const settings: pulumi.Output<AdmissionPoliciesSettings> = pulumi
      .output(args.namespace)
      .apply((namespace) => {
        const resolved = { namespace, policyConfig };
        validateAdmissionPoliciesArgs(name, resolved);
        return withAdmissionPoliciesDefaults(name, resolved);
      });
    super(ADMISSION_POLICIES_TYPE, name, {}, componentOptions("AdmissionPolicies", opts));

    const settingsFor = { name, rules };
    this.paramsDefinition = new apiextensions.v1.CustomResourceDefinition(
      `${name}-params-crd`,
      paramsCrd(settingsFor) as unknown as apiextensions.v1.CustomResourceDefinitionArgs,
      childOptions(this),
    );
    const params = new apiextensions.CustomResource(
      `${name}-params`,
      {
        apiVersion: paramsApiVersion(name),
        kind: paramsKind(name).kind,
        ...fieldsOf(settings, paramsObject, ["metadata", "spec"]),
      },
      childOptions(this, { dependsOn: [this.paramsDefinition] }),
    );
    paramsOf.set(this, params);
    this.policies = rules.map(
      ({ rule }) =>
        new admissionregistration.v1.ValidatingAdmissionPolicy(
          `${name}-${rule.policy}-policy`,
          fieldsOf(settings, (s) => policyObject(s, rule), ["metadata", "spec"]),
          childOptions(this, { dependsOn: [this.paramsDefinition] }),
        ),
    );
    this.bindings = rules.flatMap((rule, index) =>
      rule.actions.length === 0
        ? []
        : [
            new admissionregistration.v1.ValidatingAdmissionPolicyBinding(
              `${name}-${rule.rule.policy}-binding`,
              fieldsOf(settings, (s) => bindingObject(s, s.rules[index] ?? rule), ["metadata", "spec"]),
              childOptions(this, { dependsOn: [params, ...this.policies] }),
            ),
          ],
    );
    this.boundPolicies = pulumi.output(
      rules.filter((rule) => rule.actions.length > 0).map((rule) => rule.rule.policy),
    );
    this.registerOutputs({ boundPolicies: this.boundPolicies });
  }
}

/** The rules the component generates policies for. */
export const ADMISSION_POLICY_RULES = ADMISSION_RULES;
