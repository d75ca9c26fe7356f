import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import {
  AdmissionPolicies,
  admissionObjects,
  bindingObject,
  paramsCrd,
  paramsObject,
  policyObject,
  withAdmissionPoliciesDefaults,
  type AdmissionPoliciesSettings,
} from "../../components/admissionPolicies";
import { ValidationError } from "../../components/lib/validation";
import { ADMISSION_RULES } from "../../conventions/admission";
import { GPU_PRODUCT_LABEL, GPU_TAINT, KNOWN_GPU_PRODUCTS } from "../../conventions/gpu";
import { MODEL_SERVER_LABEL, UPSTREAM_MODEL_SERVER_SELECTORS } from "../../conventions/labels";
import { allPolicies } from "../../policy/policies/all";
import { registrations, resetRegistrations, useMocks } from "./harness";

type Obj = Record<string, unknown>;
const ROOT = path.resolve(__dirname, "..", "..");

function policyConfigFile(stack: string): Obj {
  return JSON.parse(readFileSync(path.join(ROOT, "policy-config", `${stack}.json`), "utf8")) as Obj;
}

function settings(policyConfig: Obj = {}, namespace = "ml-dev"): AdmissionPoliciesSettings {
  return withAdmissionPoliciesDefaults("ml-dev", { namespace, policyConfig });
}

function actionsOf(s: AdmissionPoliciesSettings): Record<string, readonly string[]> {
  return Object.fromEntries(s.rules.map((rule) => [rule.rule.policy, rule.actions]));
}

async function assertRejected(
  policyConfig: unknown,
  problems: readonly string[],
  name = "ml-dev",
): Promise<void> {
  resetRegistrations();
  assert.throws(
    () => new AdmissionPolicies(name, { namespace: "ml-dev", policyConfig: policyConfig as Obj }),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      const lines = problems.length === 1 ? ` ${problems[0] ?? ""}` : `\n  - ${problems.join("\n  - ")}`;
      assert.equal(error.message, `AdmissionPolicies ${JSON.stringify(name)}: invalid arguments:${lines}`);
      return true;
    },
  );
  assert.deepEqual(await registrations(), []);
}

describe("AdmissionPolicies", () => {
  beforeEach(async () => {
    resetRegistrations();
    await useMocks();
  });

  it("has one rule definition per pack policy it generates, with the pack's defaults and default level", () => {
    for (const rule of ADMISSION_RULES) {
      const policy = allPolicies.find((candidate) => candidate.name === rule.policy);
      assert.ok(policy, rule.policy);
      assert.equal(policy.enforcementLevel, rule.defaultLevel, rule.policy);
      const schema = policy.configSchema?.properties ?? {};
      for (const [param, definition] of Object.entries(rule.params)) {
        assert.deepEqual(
          (schema[param] as { default?: unknown } | undefined)?.default,
          definition.default,
          `${rule.policy}.${param}`,
        );
      }
      const packProperties = Object.keys(schema).filter((key) => key !== "customResources");
      assert.deepEqual(packProperties.sort(), Object.keys(rule.params).sort(), `${rule.policy}'s properties`);
    }
  });

  it("maps levels to binding actions: mandatory and remediate -> Deny, advisory -> Warn+Audit, disabled -> none", () => {
    assert.deepEqual(
      actionsOf(
        settings({
          "gpu-limits": "remediate",
          "pinned-images": { enforcementLevel: "mandatory" },
          "resource-requests": "advisory",
          "serving-probes": "mandatory",
          "autoscaler-bounds": "disabled",
        }),
      ),
      {
        "gpu-limits": ["Deny"],
        "gpu-placement": ["Warn", "Audit"],
        "resource-requests": ["Warn", "Audit"],
        "pinned-images": ["Deny"],
        "serving-probes": ["Deny"],
        "autoscaler-bounds": [],
        "service-exposure": ["Warn", "Audit"],
      },
    );
  });

  it("resolves levels as the Pulumi CLI does: the entry's, else all, else the pack's default", () => {
    assert.deepEqual(actionsOf(settings({})), {
      "gpu-limits": ["Deny"],
      "gpu-placement": ["Warn", "Audit"],
      "resource-requests": ["Warn", "Audit"],
      "pinned-images": ["Warn", "Audit"],
      "serving-probes": ["Warn", "Audit"],
      "autoscaler-bounds": ["Warn", "Audit"],
      "service-exposure": ["Warn", "Audit"],
    });
    assert.deepEqual(actionsOf(settings({ all: "disabled", "pinned-images": { requireDigest: true } })), {
      "gpu-limits": [],
      "gpu-placement": [],
      "resource-requests": [],
      "pinned-images": [],
      "serving-probes": [],
      "autoscaler-bounds": [],
      "service-exposure": [],
    });
    assert.deepEqual(
      actionsOf(settings({ all: "mandatory", "pinned-images": "advisory" }))["pinned-images"],
      ["Warn", "Audit"],
    );
  });

  it("the dev and prod policy configs: dev warns except GPU limits, prod denies", () => {
    assert.deepEqual(actionsOf(settings(policyConfigFile("dev"))), {
      "gpu-limits": ["Deny"],
      "gpu-placement": ["Warn", "Audit"],
      "resource-requests": ["Warn", "Audit"],
      "pinned-images": ["Warn", "Audit"],
      "serving-probes": ["Warn", "Audit"],
      "autoscaler-bounds": ["Warn", "Audit"],
      "service-exposure": ["Warn", "Audit"],
    });
    for (const actions of Object.values(actionsOf(settings(policyConfigFile("prod"))))) {
      assert.deepEqual(actions, ["Deny"]);
    }
  });

  it("puts the parameters, config over defaults, in the params object its CRD types", () => {
    const s = settings(policyConfigFile("prod"), "ml-prod");
    const params = paramsObject(s);
    assert.deepEqual(params.metadata, {
      name: "ml-dev-params",
      namespace: "ml-prod",
      labels: (params.metadata as Obj).labels,
    });
    assert.equal(params.apiVersion, "ml-dev.admission.k8sml.io/v1");
    assert.deepEqual(params.spec, {
      gpuLimits: { extraGpuResources: [], maxGpusPerContainer: 8, maxGpusPerPod: 8 },
      gpuPlacement: {
        extraGpuResources: [],
        productLabel: GPU_PRODUCT_LABEL,
        allowedProducts: KNOWN_GPU_PRODUCTS,
        taintKey: GPU_TAINT.key,
        taintEffect: GPU_TAINT.effect,
      },
      resourceRequests: { requireCpuLimit: true, requireMemoryLimit: true },
      pinnedImages: { forbiddenTags: ["latest"], requireDigest: false },
      servingProbes: {
        modelServerLabel: MODEL_SERVER_LABEL,
        modelServerSelectors: UPSTREAM_MODEL_SERVER_SELECTORS,
        requireStartupProbe: true,
        exemptContainers: [],
      },
      autoscalerBounds: { maxReplicasCap: 50, minReplicas: 2, allowScaleToZero: false },
      serviceExposure: {
        modelServerLabel: MODEL_SERVER_LABEL,
        modelServerSelectors: UPSTREAM_MODEL_SERVER_SELECTORS,
        allowedTypes: [],
        allowedServices: [],
      },
    });
    const crd = paramsCrd(s) as {
      metadata: Obj;
      spec: {
        group: string;
        versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: Obj } } } } }[];
      };
    };
    assert.equal(crd.metadata.name, "admissionparams.ml-dev.admission.k8sml.io");
    const schema = crd.spec.versions[0]?.schema.openAPIV3Schema.properties.spec.properties ?? {};
    assert.deepEqual(schema.gpuLimits, {
      type: "object",
      description: "Parameters of gpu-limits.",
      properties: {
        extraGpuResources: {
          type: "array",
          items: { type: "string", minLength: 1 },
          "x-kubernetes-list-type": "set",
        },
        maxGpusPerContainer: { type: "integer", minimum: 1 },
        maxGpusPerPod: { type: "integer", minimum: 1 },
      },
      required: ["extraGpuResources", "maxGpusPerContainer", "maxGpusPerPod"],
    });
  });

  it("binds each enabled rule to the namespace by its name label, reading the params object", () => {
    const s = settings({ "pinned-images": "mandatory" }, "ml-prod");
    const rule = s.rules.find((candidate) => candidate.rule.policy === "pinned-images");
    assert.ok(rule);
    assert.deepEqual((bindingObject(s, rule) as { spec: Obj }).spec, {
      policyName: "ml-dev-pinned-images",
      validationActions: ["Deny"],
      paramRef: { name: "ml-dev-params", namespace: "ml-prod", parameterNotFoundAction: "Deny" },
      matchResources: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ml-prod" } } },
    });
    const policy = policyObject(s, rule.rule) as {
      spec: { paramKind: Obj; failurePolicy: string; validations: Obj[] };
    };
    assert.deepEqual(policy.spec.paramKind, {
      apiVersion: "ml-dev.admission.k8sml.io/v1",
      kind: "AdmissionParams",
    });
    assert.equal(policy.spec.failurePolicy, "Fail");
    assert.equal(
      policy.spec.validations[0]?.messageExpression,
      '"pinned-images: " + variables.problems.join("; ")',
    );
  });

  it("a disabled rule has its policy but no binding; changing a level changes no policy", () => {
    const kinds = (policyConfig: Obj): string[] =>
      admissionObjects(settings(policyConfig)).map(
        (o) => `${String(o.kind)} ${String((o.metadata as Obj).name)}`,
      );
    const all = kinds({});
    const without = kinds({ "autoscaler-bounds": "disabled" });
    assert.ok(all.includes("ValidatingAdmissionPolicyBinding ml-dev-autoscaler-bounds"));
    assert.deepEqual(
      all.filter((k) => k !== "ValidatingAdmissionPolicyBinding ml-dev-autoscaler-bounds"),
      without,
    );
    const policies = (policyConfig: Obj): unknown[] =>
      admissionObjects(settings(policyConfig)).filter((o) => o.kind === "ValidatingAdmissionPolicy");
    assert.deepEqual(policies(policyConfigFile("dev")), policies(policyConfigFile("prod")));
  });

  it("registers the CRD, the params object, a policy per rule and a binding per enabled rule", async () => {
    new AdmissionPolicies("ml-dev", {
      namespace: "ml-dev",
      policyConfig: { "autoscaler-bounds": "disabled" },
    });
    const registered = (await registrations()).map((r) => `${r.type} ${r.name}`);
    assert.deepEqual(
      registered.sort(),
      [
        "k8sml:index:AdmissionPolicies ml-dev",
        "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy ml-dev-autoscaler-bounds-policy",
        "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy ml-dev-gpu-limits-policy",
        "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy ml-dev-gpu-placement-policy",
        "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy ml-dev-pinned-images-policy",
        "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy ml-dev-resource-requests-policy",
        "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy ml-dev-service-exposure-policy",
        "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy ml-dev-serving-probes-policy",
        "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding ml-dev-gpu-limits-binding",
        "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding ml-dev-gpu-placement-binding",
        "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding ml-dev-pinned-images-binding",
        "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding ml-dev-resource-requests-binding",
        "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding ml-dev-service-exposure-binding",
        "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding ml-dev-serving-probes-binding",
        "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition ml-dev-params-crd",
        "kubernetes:ml-dev.admission.k8sml.io/v1:AdmissionParams ml-dev-params",
      ].sort(),
    );
  });

  describe("rejects, before registering anything, what the generated policies cannot express", () => {
    it("an unknown level", async () => {
      await assertRejected({ "gpu-limits": "strict" }, [
        'policyConfig["gpu-limits"].enforcementLevel must be one of mandatory, remediate, advisory, disabled; got "strict"',
      ]);
    });

    it("an unknown level under all and in a CrossGuard-only policy's entry", async () => {
      await assertRejected({ all: { enforcementLevel: "warn" }, "quota-headroom": "on" }, [
        'policyConfig["all"].enforcementLevel must be one of mandatory, remediate, advisory, disabled; got "warn"',
        'policyConfig["quota-headroom"].enforcementLevel must be one of mandatory, remediate, advisory, disabled; got "on"',
      ]);
    });

    it("parameters of the wrong type or range, and properties the rule does not have", async () => {
      await assertRejected(
        {
          "gpu-limits": { maxGpusPerPod: 0, maxGpusPerContainer: 2.5, extraGpuResources: ["a", "a"] },
          "pinned-images": { requireDigest: "yes", pinEverything: true },
        },
        [
          'policyConfig["gpu-limits"].maxGpusPerPod must be an integer >= 1; got 0',
          'policyConfig["gpu-limits"].maxGpusPerContainer must be an integer >= 1; got 2.5',
          'policyConfig["gpu-limits"].extraGpuResources must be a list of distinct non-empty strings; got ["a","a"]',
          'policyConfig["pinned-images"].requireDigest must be true or false; got "yes"',
          'policyConfig["pinned-images"].pinEverything must be a property of pinned-images: one of forbiddenTags, requireDigest; got true',
        ],
      );
    });

    it("a model-server label or selectors the params object cannot hold", async () => {
      await assertRejected(
        {
          "serving-probes": {
            modelServerLabel: { key: "", value: "x" },
            modelServerSelectors: [
              { matchExpressions: [{ key: "a", operator: "Near" }] },
              { matchFields: {} },
            ],
          },
        },
        [
          'policyConfig["serving-probes"].modelServerLabel must be a label {"key": non-empty string, "value": string}; got {"key":"","value":"x"}',
          'policyConfig["serving-probes"].modelServerSelectors must be a list of label selectors {matchLabels?: {key: value}, matchExpressions?: [{key, operator (In, NotIn, Exists, DoesNotExist), values?}]}; got [{"matchExpressions":[{"key":"a","operator":"Near"}]},{"matchFields":{}}]',
        ],
      );
    });

    it("custom resource kinds, which the admission policies do not match", async () => {
      await assertRejected(
        { "gpu-limits": { customResources: [{ apiVersion: "x.io/v1", kind: "Thing" }] } },
        [
          'policyConfig["gpu-limits"].customResources must be [] here: the admission policies check the built-in pod kinds only, so custom resource kinds would be held to the rule by the pack but not at the API server (disable the admission policies or drop the kinds); got [{"apiVersion":"x.io/v1","kind":"Thing"}]',
        ],
      );
    });

    it("an entry that is neither a level nor an object, and a bad name", async () => {
      await assertRejected({ "gpu-limits": 3 }, [
        'policyConfig["gpu-limits"] must be a level (mandatory, remediate, advisory, disabled) or an object {enforcementLevel?, ...properties}; got 3',
      ]);
      await assertRejected(
        {},
        [
          "name must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 40 characters); got \"Bad_Name\"",
        ],
        "Bad_Name",
      );
    });
  });
});
