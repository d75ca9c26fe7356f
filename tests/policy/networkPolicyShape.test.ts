import { strict as assert } from "node:assert";
import { networkPolicyShape } from "../../policy/policies/networkPolicyShape";
import { componentNetworkPolicies, networkPolicy } from "./fixtures";
import { validateResource } from "./harness";

const MS = { matchLabels: { "app.kubernetes.io/component": "model-server" } };

describe("network-policy-shape", () => {
  it("accepts the components' default-deny, model-server allow and DNS egress policies", async () => {
    for (const np of componentNetworkPolicies()) {
      assert.deepEqual(await validateResource(networkPolicyShape, np), [], np.name);
    }
  });

  it("reports an empty ingress rule", async () => {
    const np = networkPolicy("open", { podSelector: MS, ingress: [{}] });
    assert.deepEqual(await validateResource(networkPolicyShape, np), [
      `NetworkPolicy ml/open: ingress rule 0 is empty, so it admits all traffic from every source. Field: spec.ingress[0].from; found: not set. Fix: list the allowed peers in spec.ingress[0].from (e.g. podSelector app=api-gateway, or a namespaceSelector), or remove the rule`,
    ]);
  });

  it("reports a rule with ports but no from, and one with an empty from", async () => {
    const np = networkPolicy("ports-only", {
      podSelector: { matchLabels: { app: "web" } },
      ingress: [
        { from: [{ podSelector: { matchLabels: { app: "api-gateway" } } }] },
        { ports: [{ port: 8000, protocol: "TCP" }] },
        { from: [], ports: [{ port: "http" }, { port: 9000, endPort: 9010, protocol: "TCP" }] },
      ],
    });
    assert.deepEqual(await validateResource(networkPolicyShape, np), [
      `NetworkPolicy ml/ports-only: ingress rule 1 admits traffic from every source on port 8000/TCP. Field: spec.ingress[1].from; found: not set. Fix: list the allowed peers in spec.ingress[1].from (e.g. podSelector app=api-gateway, or a namespaceSelector), or remove the rule`,
      `NetworkPolicy ml/ports-only: ingress rule 2 admits traffic from every source on ports http/TCP, 9000-9010/TCP. Field: spec.ingress[2].from; found: []. Fix: list the allowed peers in spec.ingress[2].from (e.g. podSelector app=api-gateway, or a namespaceSelector), or remove the rule`,
    ]);
  });

  it("reports an empty peer", async () => {
    const np = networkPolicy("bad-peer", { podSelector: {}, ingress: [{ from: [{}] }] });
    assert.deepEqual(await validateResource(networkPolicyShape, np), [
      `NetworkPolicy ml/bad-peer: ingress rule 0 has an empty peer. Field: spec.ingress[0].from[0]; found: {}. Fix: give spec.ingress[0].from[0] a podSelector, namespaceSelector or ipBlock (the API rejects empty peers)`,
    ]);
  });

  it("reports 0.0.0.0/0 and ::/0 ipBlocks for ingress to model servers", async () => {
    const np = networkPolicy("world", {
      podSelector: MS,
      policyTypes: ["Ingress"],
      ingress: [
        { from: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }, { ipBlock: { cidr: "::/0" } }] },
      ],
    });
    assert.deepEqual(await validateResource(networkPolicyShape, np), [
      `NetworkPolicy ml/world: ingress rule 0 admits the whole internet (0.0.0.0/0) to model servers (podSelector app.kubernetes.io/component=model-server). Field: spec.ingress[0].from[0].ipBlock.cidr; found: "0.0.0.0/0" except 10.0.0.0/8. Fix: admit the API gateway pods (podSelector app=api-gateway) or a narrow CIDR instead`,
      `NetworkPolicy ml/world: ingress rule 0 admits the whole internet (::/0) to model servers (podSelector app.kubernetes.io/component=model-server). Field: spec.ingress[0].from[1].ipBlock.cidr; found: "::/0". Fix: admit the API gateway pods (podSelector app=api-gateway) or a narrow CIDR instead`,
    ]);
  });

  it("treats podSelector {} and selectors requiring the model-server label as model-server policies", async () => {
    const world = { ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] };
    const all = networkPolicy("all", { podSelector: {}, ...world });
    const expr = networkPolicy("expr", {
      podSelector: {
        matchLabels: { "app.kubernetes.io/name": "llm" },
        matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: ["model-server"] }],
      },
      ...world,
    });
    const web = networkPolicy("web", { podSelector: { matchLabels: { app: "ingress-nginx" } }, ...world });
    assert.equal((await validateResource(networkPolicyShape, all)).length, 1);
    assert.equal((await validateResource(networkPolicyShape, expr)).length, 1);
    assert.deepEqual(await validateResource(networkPolicyShape, web), []);
    const msgs = await validateResource(networkPolicyShape, web, { worldIpBlockScope: "all" });
    assert.deepEqual(msgs, [
      `NetworkPolicy ml/web: ingress rule 0 admits the whole internet (0.0.0.0/0) to these pods. Field: spec.ingress[0].from[0].ipBlock.cidr; found: "0.0.0.0/0". Fix: admit the API gateway pods (podSelector app=api-gateway) or a narrow CIDR instead`,
    ]);
  });

  it("accepts narrow ipBlocks and egress-only policies", async () => {
    const np = networkPolicy("lan", {
      podSelector: MS,
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }],
      egress: [{}],
    });
    assert.deepEqual(await validateResource(networkPolicyShape, np), []);
  });
});
