/**
 * Pure builders of the admission objects: one ValidatingAdmissionPolicy per rule (CEL from the
 * rule's definition), the params object holding every rule's parameters and its CRD, and one
 * binding per enabled rule, bound to the namespace by its name label.
 *
 * The params kind is a CRD of the component's own API group (`<name>.admission.k8sml.io`), not a
 * ConfigMap: on Kubernetes 1.36 the API server's informer for a built-in paramKind stops for good
 * once no binding names that kind (kubernetes/kubernetes#130887), after which every binding that
 * reads a ConfigMap denies with "no params found" until the API server restarts; CRD paramKinds
 * do not have that problem. One group per component keeps stacks apart (no shared CRD to own).
 */
import { POD_TEMPLATE_RESOURCES, POD_VARIABLES } from "../../conventions/admission/cel";
import { celString } from "../../conventions/admission/message";
import { paramSchema, paramsField } from "../../conventions/admission/params";
import { ruleCel, type AdmissionRule } from "../../conventions/admission/rule";
import { ComponentRoles, NAMESPACE_NAME_LABEL } from "../../conventions/labels";
import { standardLabels } from "../lib/labels";
import type { AdmissionPoliciesSettings, RuleSettings } from "./args";

export const ADMISSION_API_VERSION = "admissionregistration.k8s.io/v1";
/** The app name in the objects' labels. */
export const ADMISSION_APP_NAME = "admission-policies";

type Obj = Record<string, unknown>;

function labels(settings: AdmissionPoliciesSettings): Record<string, string> {
  return standardLabels(ADMISSION_APP_NAME, settings.name, ComponentRoles.guardrails);
}

/** The cluster-scoped name of a rule's policy and binding: `<component>-<policy>`. */
export function admissionObjectName(
  settings: Pick<AdmissionPoliciesSettings, "name">,
  rule: AdmissionRule,
): string {
  return `${settings.name}-${rule.policy}`;
}

/** The params object's name (in the governed namespace). */
export function paramsObjectName(settings: Pick<AdmissionPoliciesSettings, "name">): string {
  return `${settings.name}-params`;
}

/** The params kind of a component: its API group, version, kind and plural. */
export function paramsKind(name: string): { group: string; version: string; kind: string; plural: string } {
  return {
    group: `${name}.admission.k8sml.io`,
    version: "v1",
    kind: "AdmissionParams",
    plural: "admissionparams",
  };
}

/** The params kind's apiVersion. */
export function paramsApiVersion(name: string): string {
  const kind = paramsKind(name);
  return `${kind.group}/${kind.version}`;
}

/** The ValidatingAdmissionPolicy `spec` of a rule. */
export function policySpecOf(name: string, rule: AdmissionRule): Obj {
  const cel = ruleCel(rule);
  const podVariables = rule.match === POD_TEMPLATE_RESOURCES ? POD_VARIABLES : [];
  return {
    failurePolicy: "Fail",
    paramKind: { apiVersion: paramsApiVersion(name), kind: paramsKind(name).kind },
    matchConstraints: {
      resourceRules: rule.match.map((match) => ({
        apiGroups: [...match.apiGroups],
        apiVersions: [...match.apiVersions],
        resources: [...match.resources],
        operations: ["CREATE", "UPDATE"],
      })),
    },
    variables: [
      ...podVariables,
      ...cel.variables,
      { name: "problems", expression: cel.problems.map((list) => `(${list})`).join(" + ") },
    ].map((variable) => ({ name: variable.name, expression: variable.expression })),
    validations: [
      {
        expression: "variables.problems.size() == 0",
        message: `${rule.policy}: the object breaks the rule`,
        messageExpression: `${celString(`${rule.policy}: `)} + variables.problems.join("; ")`,
        reason: "Invalid",
      },
    ],
  };
}

/** The ValidatingAdmissionPolicy of a rule. */
export function policyObject(settings: AdmissionPoliciesSettings, rule: AdmissionRule): Obj {
  return {
    apiVersion: ADMISSION_API_VERSION,
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: admissionObjectName(settings, rule), labels: labels(settings) },
    spec: policySpecOf(settings.name, rule),
  };
}

/** The CRD of the params kind: one spec field per rule, typed by the rule's parameters. */
export function paramsCrd(settings: Pick<AdmissionPoliciesSettings, "name" | "rules">): Obj {
  const kind = paramsKind(settings.name);
  const properties: Record<string, unknown> = {};
  for (const { rule } of settings.rules) {
    const params = Object.entries(rule.params);
    properties[paramsField(rule.policy)] = {
      type: "object",
      description: `Parameters of ${rule.policy}.`,
      properties: Object.fromEntries(params.map(([param, definition]) => [param, paramSchema(definition)])),
      required: params.map(([param]) => param),
    };
  }
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${kind.plural}.${kind.group}`, labels: labels(settings as AdmissionPoliciesSettings) },
    spec: {
      group: kind.group,
      scope: "Namespaced",
      names: {
        kind: kind.kind,
        plural: kind.plural,
        singular: kind.kind.toLowerCase(),
        listKind: `${kind.kind}List`,
      },
      versions: [
        {
          name: kind.version,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: "Parameters of the admission policies generated from the policy pack's rules.",
              properties: {
                spec: { type: "object", properties, required: Object.keys(properties) },
              },
              required: ["spec"],
            },
          },
        },
      ],
    },
  };
}

/** The params object's spec: every rule's parameter values. */
export function paramsSpec(settings: AdmissionPoliciesSettings): Record<string, Record<string, unknown>> {
  const spec: Record<string, Record<string, unknown>> = {};
  for (const { rule, params } of settings.rules) {
    spec[paramsField(rule.policy)] = Object.fromEntries(
      Object.keys(rule.params).map((param) => [param, params[param]]),
    );
  }
  return spec;
}

/** The params object (in the governed namespace). */
export function paramsObject(settings: AdmissionPoliciesSettings): Obj {
  return {
    apiVersion: paramsApiVersion(settings.name),
    kind: paramsKind(settings.name).kind,
    metadata: { name: paramsObjectName(settings), namespace: settings.namespace, labels: labels(settings) },
    spec: paramsSpec(settings),
  };
}

/** The binding of an enabled rule: its actions, the params object, the namespace by label. */
export function bindingObject(settings: AdmissionPoliciesSettings, rule: RuleSettings): Obj {
  const name = admissionObjectName(settings, rule.rule);
  return {
    apiVersion: ADMISSION_API_VERSION,
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name, labels: labels(settings) },
    spec: {
      policyName: name,
      validationActions: [...rule.actions],
      paramRef: {
        name: paramsObjectName(settings),
        namespace: settings.namespace,
        parameterNotFoundAction: "Deny",
      },
      matchResources: { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: settings.namespace } } },
    },
  };
}

/** Every object, in creation order: the params CRD and object, policies, bindings of enabled rules. */
export function admissionObjects(settings: AdmissionPoliciesSettings): Obj[] {
  return [
    paramsCrd(settings),
    paramsObject(settings),
    ...settings.rules.map((rule) => policyObject(settings, rule.rule)),
    ...settings.rules.filter((rule) => rule.actions.length > 0).map((rule) => bindingObject(settings, rule)),
  ];
}
