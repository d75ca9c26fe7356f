import { strict as assert } from "node:assert";
import { DEFAULT_MODEL_SERVER_SELECTORS } from "../../policy/lib/modelServer";
import { networkPolicyShape } from "../../policy/policies/networkPolicyShape";
import { serviceExposure } from "../../policy/policies/serviceExposure";
import { servingProbes } from "../../policy/policies/servingProbes";
import { container, networkPolicy, podSpec, res, service, workload, type Obj } from "./fixtures";
import { validateResource, validateStack } from "./harness";

function withoutProbes(): Obj {
  const c = container();
  for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"]) Reflect.deleteProperty(c, probe);
  return c;
}

const upstream = (lbls: Record<string, string>) =>
  workload("Deployment", "llm", { labels: lbls, containers: [withoutProbes()] });

describe("model servers recognised by selectors", () => {
  const cases: readonly [what: string, labels: Record<string, string>][] = [
    ["KServe predictor pods", { "serving.kserve.io/inferenceservice": "llm", component: "predictor" }],
    ["the vLLM chart", { "app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": "llm" }],
    ["the Triton chart", { "app.kubernetes.io/name": "triton-inference-server" }],
    ["the TGI chart", { "app.kubernetes.io/name": "text-generation-inference" }],
    ["the Ollama chart", { "app.kubernetes.io/name": "ollama" }],
    ["KServe's component label", { component: "predictor" }],
  ];
  for (const [what, lbls] of cases) {
    it(`serving-probes applies to ${what} by default, not with modelServerSelectors []`, async () => {
      const r = upstream(lbls);
      const messages = await validateResource(servingProbes, r);
      assert.equal(messages.length, 1);
      assert.match(messages[0] ?? "", /the model server has no readinessProbe or livenessProbe/);
      assert.deepEqual(await validateResource(servingProbes, r, { modelServerSelectors: [] }), []);
    });
  }

  it("leaves other workloads alone", async () => {
    assert.deepEqual(
      await validateResource(servingProbes, upstream({ "app.kubernetes.io/name": "postgres" })),
      [],
    );
  });

  it("takes selectors from config (matchLabels and matchExpressions)", async () => {
    const r = upstream({ role: "inference", tier: "gpu" });
    assert.deepEqual(await validateResource(servingProbes, r), []);
    for (const selector of [
      { matchLabels: { role: "inference" } },
      { matchExpressions: [{ key: "role", operator: "In", values: ["inference", "serving"] }] },
    ]) {
      const config = { modelServerSelectors: [...DEFAULT_MODEL_SERVER_SELECTORS, selector] };
      assert.equal((await validateResource(servingProbes, r, config)).length, 1);
    }
  });

  it("a KServe InferenceService's predictor is a model server whatever its labels", async () => {
    const spec = podSpec();
    const model = { ...withoutProbes(), name: "kserve-container", modelFormat: { name: "huggingface" } };
    delete spec.containers;
    const isvc = res({
      apiVersion: "serving.kserve.io/v1beta1",
      kind: "InferenceService",
      metadata: { name: "llm", namespace: "ml" },
      spec: { predictor: { model, ...spec } },
    });
    const messages = await validateResource(servingProbes, isvc);
    assert.equal(messages.length, 1);
    assert.match(
      messages[0] ?? "",
      /InferenceService ml\/llm, container "kserve-container": the model server has no readinessProbe.*Field: spec\.predictor\.model\.readinessProbe/,
    );
  });

  it("service-exposure reports a LoadBalancer in front of an upstream server", async () => {
    const stack = [
      upstream({ "app.kubernetes.io/name": "vllm" }),
      service("llm", "LoadBalancer", { "app.kubernetes.io/name": "vllm" }),
    ];
    const violations = await validateStack(serviceExposure, stack);
    assert.equal(violations.length, 1);
    assert.match(
      violations[0]?.message ?? "",
      /Service ml\/llm: a LoadBalancer Service exposes model servers outside the cluster/,
    );
    assert.deepEqual(await validateStack(serviceExposure, stack, { modelServerSelectors: [] }), []);
    const selectorOnly = await validateStack(serviceExposure, [
      service("llm", "NodePort", { "app.kubernetes.io/name": "vllm" }),
    ]);
    assert.match(selectorOnly[0]?.message ?? "", /selects only pods a modelServerSelectors entry matches/);
  });

  it("network-policy-shape reports a world ipBlock to pods a selector names as model servers", async () => {
    const np = networkPolicy("world", {
      podSelector: { matchLabels: { "serving.kserve.io/inferenceservice": "llm" } },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }],
    });
    const messages = await validateResource(networkPolicyShape, np);
    assert.equal(messages.length, 1);
    assert.match(messages[0] ?? "", /admits the whole internet \(0\.0\.0\.0\/0\) to model servers/);
    assert.deepEqual(await validateResource(networkPolicyShape, np, { modelServerSelectors: [] }), []);
  });
});
