import { strict as assert } from "node:assert";
import { UNKNOWN } from "../../policy/lib/values";
import { networkPolicyCoverage } from "../../policy/policies/networkPolicyCoverage";
import {
  componentNetworkPolicies,
  labels,
  LABELS_PATH,
  mutate,
  namespace,
  networkPolicy,
  WORKLOAD_KINDS,
  workload,
  type Obj,
} from "./fixtures";
import { validateStack } from "./harness";
import { networkPolicyOptions, networkPolicySpecs } from "../../components/gpuTenancy";
import { METRICS_PORT_LABEL } from "../../conventions/labels";

const MS = { matchLabels: { "app.kubernetes.io/component": "model-server" } };
const ALLOWED =
  "api-gateway (pods app=api-gateway in the same namespace); monitoring (namespaces kubernetes.io/metadata.name=monitoring on ports metrics)";

/** A model-server allow policy with the given ingress rules. */
function allow(name: string, ingress: Obj[], ns = "ml") {
  return networkPolicy(name, { podSelector: MS, policyTypes: ["Ingress"], ingress }, ns);
}

const gateway = { podSelector: { matchLabels: { app: "api-gateway" } } };
const monitoring = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } };

async function messages(
  resources: Parameters<typeof validateStack>[1],
  config: object = {},
): Promise<string[]> {
  return (await validateStack(networkPolicyCoverage, resources, config)).map((v) => v.message);
}

describe("network-policy-coverage", () => {
  describe("coverage of every pod-template kind", () => {
    for (const kind of WORKLOAD_KINDS) {
      it(`${kind}: covered by the components' policies; uncovered without them`, async () => {
        const w = workload(kind, "w", { labels: labels("w", "batch") });
        assert.deepEqual(await messages([w, ...componentNetworkPolicies()]), []);
        const v = await validateStack(networkPolicyCoverage, [w]);
        assert.deepEqual(v, [
          {
            message: `${kind} ml/w: no NetworkPolicy with policyTypes Ingress selects this workload in namespace ml. Field: ${LABELS_PATH[kind]}; found: labels {app.kubernetes.io/name=w, app.kubernetes.io/instance=w, app.kubernetes.io/component=batch, app.kubernetes.io/part-of=k8s-ml-patterns, app.kubernetes.io/managed-by=pulumi}; no NetworkPolicy in the namespace. Fix: add a default-deny NetworkPolicy to ml (podSelector {}, policyTypes [Ingress, Egress]) and allow rules for the traffic the workload needs`,
            urn: w.urn,
          },
        ]);
      });
    }
  });

  it("looks only at NetworkPolicies of the workload's own namespace", async () => {
    const stack = [
      namespace("ml"),
      namespace("batch"),
      ...componentNetworkPolicies("ml"),
      workload("Deployment", "llm"),
      workload("Job", "embed", { namespace: "batch", labels: labels("embed", "batch") }),
      workload("CronJob", "nightly", { namespace: "batch", labels: labels("nightly", "batch") }),
    ];
    const msgs = await messages(stack);
    assert.equal(msgs.length, 2);
    assert.match(
      msgs[0] ?? "",
      /^Job batch\/embed: no NetworkPolicy with policyTypes Ingress selects this workload in namespace batch\./,
    );
    assert.match(msgs[1] ?? "", /^CronJob batch\/nightly: /);
    assert.deepEqual(await messages([...stack, ...componentNetworkPolicies("batch")]), []);
  });

  it("does not count egress-only policies, and counts policies without policyTypes as Ingress", async () => {
    const w = workload("Deployment", "api", { labels: { app: "api" } });
    const egressOnly = networkPolicy("egress", { podSelector: {}, policyTypes: ["Egress"], egress: [{}] });
    const msgs = await messages([w, egressOnly]);
    assert.equal(msgs.length, 1);
    assert.match(
      msgs[0] ?? "",
      /found: labels \{app=api\}; 1 NetworkPolicies in the namespace \(egress\), none with Ingress selects these labels\./,
    );
    const implicit = networkPolicy("deny", { podSelector: {} });
    assert.deepEqual(await messages([w, egressOnly, implicit]), []);
  });

  it("matches selectors for real: In, NotIn, Exists, DoesNotExist and matchLabels together", async () => {
    const a = workload("Deployment", "a", { labels: { app: "a", tier: "backend" } });
    const b = workload("Deployment", "b", { labels: { app: "b" } });
    const c = workload("Deployment", "c", { labels: { app: "c", tier: "frontend" } });
    const np = (name: string, podSelector: Obj) =>
      networkPolicy(name, { podSelector, policyTypes: ["Ingress"] });
    const covered = async (...policies: ReturnType<typeof np>[]): Promise<string[]> => {
      const msgs = await messages([a, b, c, ...policies]);
      const uncovered = msgs.map((m) => /^Deployment ml\/(\w+):/.exec(m)?.[1] ?? "?");
      return ["a", "b", "c"].filter((x) => !uncovered.includes(x));
    };
    const expr = (key: string, operator: string, values?: string[]) => ({
      matchExpressions: [values === undefined ? { key, operator } : { key, operator, values }],
    });
    assert.deepEqual(await covered(np("in", expr("tier", "In", ["backend", "frontend"]))), ["a", "c"]);
    assert.deepEqual(await covered(np("notin", expr("tier", "NotIn", ["frontend"]))), ["a", "b"]);
    assert.deepEqual(await covered(np("exists", expr("tier", "Exists"))), ["a", "c"]);
    assert.deepEqual(await covered(np("dne", expr("tier", "DoesNotExist"))), ["b"]);
    assert.deepEqual(await covered(np("ml", { matchLabels: { app: "a", tier: "frontend" } })), []);
    assert.deepEqual(
      await covered(
        np("both", {
          matchLabels: { app: "c" },
          matchExpressions: [{ key: "tier", operator: "In", values: ["frontend"] }],
        }),
      ),
      ["c"],
    );
    assert.deepEqual(await covered(np("all", {})), ["a", "b", "c"]);
    // An invalid operator selects nothing.
    assert.deepEqual(await covered(np("bad", expr("tier", "Matches", ["x"]))), []);
  });

  it("accepts the components' allow rules for model servers", async () => {
    const stack = [
      namespace("ml"),
      namespace("monitoring"),
      ...componentNetworkPolicies(),
      workload("Deployment", "llm"),
    ];
    assert.deepEqual(await messages(stack), []);
  });

  it("reports peers that admit more than the allowed sources", async () => {
    const llm = workload("Deployment", "llm");
    const np = allow("too-open", [
      { from: [{ podSelector: {} }], ports: [{ port: "http" }] },
      { from: [{ namespaceSelector: {} }] },
      {
        from: [
          {
            podSelector: {
              matchExpressions: [{ key: "app", operator: "In", values: ["api-gateway", "debug"] }],
            },
          },
        ],
      },
      { from: [{ ipBlock: { cidr: "10.0.0.0/8" } }] },
    ]);
    const v = await validateStack(networkPolicyCoverage, [llm, ...componentNetworkPolicies(), np]);
    assert.deepEqual(
      v.map((x) => x.message),
      [
        `NetworkPolicy ml/too-open: ingress rule 0 admits a source outside the allowed list to model servers Deployment ml/llm. Field: spec.ingress[0].from[0]; found: pods {} (selects everything) in the same namespace on port http/TCP. Fix: admit only the allowed sources: ${ALLOWED} (or add the source to allowedIngressSources in the network-policy-coverage config)`,
        `NetworkPolicy ml/too-open: ingress rule 1 admits a source outside the allowed list to model servers Deployment ml/llm. Field: spec.ingress[1].from[0]; found: pods (all) in namespaces {} (selects everything) on every port. Fix: admit only the allowed sources: ${ALLOWED} (or add the source to allowedIngressSources in the network-policy-coverage config)`,
        `NetworkPolicy ml/too-open: ingress rule 2 admits a source outside the allowed list to model servers Deployment ml/llm. Field: spec.ingress[2].from[0]; found: pods app in (api-gateway, debug) in the same namespace on every port. Fix: admit only the allowed sources: ${ALLOWED} (or add the source to allowedIngressSources in the network-policy-coverage config)`,
        `NetworkPolicy ml/too-open: ingress rule 3 admits a source outside the allowed list to model servers Deployment ml/llm. Field: spec.ingress[3].from[0]; found: ipBlock 10.0.0.0/8 on every port. Fix: admit only the allowed sources: ${ALLOWED} (or add the source to allowedIngressSources in the network-policy-coverage config)`,
      ],
    );
    assert.ok(v.every((x) => x.urn === np.urn));
  });

  it("reports a rule without from on a model-server policy", async () => {
    const msgs = await messages([workload("Pod", "llm"), allow("open", [{ ports: [{ port: "http" }] }])]);
    assert.deepEqual(msgs, [
      `NetworkPolicy ml/open: ingress rule 0 admits every source to model servers Pod ml/llm. Field: spec.ingress[0].from; found: from not set on port http/TCP. Fix: admit only the allowed sources: ${ALLOWED}`,
    ]);
  });

  it("accepts narrower peers: extra labels, In with the one allowed value, a pod selector inside monitoring", async () => {
    const np = allow("narrow", [
      {
        from: [{ podSelector: { matchLabels: { app: "api-gateway", "app.kubernetes.io/instance": "gw" } } }],
      },
      {
        from: [
          { podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["api-gateway"] }] } },
        ],
      },
      {
        from: [{ ...monitoring, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }],
        ports: [{ port: "metrics", protocol: "TCP" }],
      },
      {
        from: [
          {
            namespaceSelector: {
              matchExpressions: [
                { key: "kubernetes.io/metadata.name", operator: "In", values: ["monitoring"] },
              ],
            },
          },
        ],
        ports: [{ port: 9090 }],
      },
      {
        from: [{ ...gateway, namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ml" } } }],
        ports: [{ port: "http" }],
      },
    ]);
    assert.deepEqual(await messages([workload("Deployment", "llm"), np]), []);
  });

  it("limits the monitoring namespace to the metrics port (by name or by the declared number)", async () => {
    const llm = workload("Deployment", "llm");
    const bad = allow("monitoring-everywhere", [
      { from: [monitoring] },
      { from: [monitoring], ports: [{ port: "http" }] },
      { from: [monitoring], ports: [{ port: 8000 }] },
      { from: [monitoring], ports: [{ port: 9000, endPort: 9100 }] },
    ]);
    const msgs = await messages([llm, bad]);
    assert.equal(msgs.length, 4);
    assert.match(
      msgs[0] ?? "",
      /ingress rule 0 .* found: pods \(all\) in namespaces kubernetes\.io\/metadata\.name=monitoring on every port\./,
    );
    assert.match(msgs[1] ?? "", /ingress rule 1 .* on port http\/TCP\./);
    assert.match(msgs[2] ?? "", /ingress rule 2 .* on port 8000\/TCP\./);
    assert.match(msgs[3] ?? "", /ingress rule 3 .* on port 9000-9100\/TCP\./);
    // 9090 is "metrics" on every selected model server; a server declaring metrics elsewhere breaks it.
    const num = allow("monitoring-9090", [{ from: [monitoring], ports: [{ port: 9090 }] }]);
    assert.deepEqual(await messages([llm, num]), []);
    const other = mutate(workload("Deployment", "llm2"), (p) => {
      const spec = (p.spec as Obj).template as Obj;
      const c = ((spec.spec as Obj).containers as Obj[])[0];
      c.ports = [{ name: "metrics", containerPort: 9400 }];
    });
    assert.equal((await messages([llm, other, num])).length, 1);
  });

  it("lets monitoring reach http of servers labelled as serving their metrics there, and no others", async () => {
    // The tenancy's own policies, with the one for servers with metrics on the API port (vLLM, TGI).
    const tenancy = networkPolicySpecs("ml", networkPolicyOptions({ apiPortMetrics: true })).map((p) =>
      networkPolicy(p.metadata.name, p.spec as unknown as Obj),
    );
    const vllm = workload("Deployment", "vllm", {
      labels: { ...labels("vllm"), [METRICS_PORT_LABEL]: "http" },
    });
    const llm = workload("Deployment", "llm");
    assert.deepEqual(await messages([namespace("ml"), namespace("monitoring"), vllm, llm, ...tenancy]), []);
    // By name or by the number the labelled server declares under it.
    const onApiPort = { matchLabels: { ...MS.matchLabels, [METRICS_PORT_LABEL]: "http" } };
    const byNumber = networkPolicy("api-metrics-8000", {
      podSelector: onApiPort,
      policyTypes: ["Ingress"],
      ingress: [{ from: [monitoring], ports: [{ port: 8000 }] }],
    });
    assert.deepEqual(await messages([vllm, byNumber]), []);
    // A policy selecting every model server may not open http to monitoring: llm serves metrics on "metrics".
    const everyServer = allow("api-metrics-all", [{ from: [monitoring], ports: [{ port: "http" }] }]);
    const msgs = await messages([vllm, llm, everyServer]);
    assert.equal(msgs.length, 1);
    assert.match(
      msgs[0] ?? "",
      /ingress rule 0 admits a source outside the allowed list .* on port http\/TCP\./,
    );
  });

  it("resolves namespace selectors against namespace labels", async () => {
    const llm = workload("Deployment", "llm");
    const byTeam = allow("by-team", [
      {
        from: [{ namespaceSelector: { matchLabels: { team: "observability" } } }],
        ports: [{ port: "metrics" }],
      },
    ]);
    // A label selector may match namespaces outside the stack, so it is not within "monitoring".
    const msgs = await messages([llm, namespace("monitoring", { team: "observability" }), byTeam]);
    assert.equal(msgs.length, 1);
    // A source defined by namespace labels admits a peer whose named namespaces carry them.
    const sources = [
      {
        name: "observability",
        namespaceSelector: { matchLabels: { team: "observability" } },
        ports: ["metrics"],
      },
    ];
    const pinned = allow("pinned", [
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
        ports: [{ port: "metrics" }],
      },
    ]);
    const stack = [llm, namespace("monitoring", { team: "observability" }), pinned];
    assert.deepEqual(await messages(stack, { allowedIngressSources: sources }), []);
    assert.deepEqual(await messages([llm, byTeam], { allowedIngressSources: sources }), []);
    const unlabelled = [llm, namespace("monitoring"), pinned];
    assert.equal((await messages(unlabelled, { allowedIngressSources: sources })).length, 1);
  });

  it("accepts the gateway only in the model server's own namespace", async () => {
    const llm = workload("Deployment", "llm");
    const otherNs = allow("gw-elsewhere", [
      {
        from: [{ ...gateway, namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "edge" } } }],
      },
    ]);
    const msgs = await messages([llm, otherNs]);
    assert.equal(msgs.length, 1);
    assert.match(
      msgs[0] ?? "",
      /found: pods app=api-gateway in namespaces kubernetes\.io\/metadata\.name=edge on every port/,
    );
  });

  it("accepts ipBlock sources and custom model-server labels from config", async () => {
    const llm = workload("Deployment", "llm", { labels: { app: "llm", role: "inference" } });
    const np = networkPolicy("lan", {
      podSelector: { matchLabels: { role: "inference" } },
      ingress: [{ from: [{ ipBlock: { cidr: "10.1.0.0/16" } }] }],
    });
    const cfg = {
      modelServerLabel: { key: "role", value: "inference" },
      allowedIngressSources: [{ name: "lan", ipBlock: "10.0.0.0/8" }],
    };
    assert.deepEqual(await messages([llm, np], cfg), []);
    const wide = mutate(np, (p) => {
      (p.spec as Obj).ingress = [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }];
    });
    assert.equal((await messages([llm, wide], cfg)).length, 1);
    // With the default label this workload is not a model server, so the rule is not checked.
    assert.deepEqual(await messages([llm, wide]), []);
  });

  it("lists every model server a bad policy selects, once per bad peer", async () => {
    const stack = [
      workload("Deployment", "a"),
      workload("StatefulSet", "b"),
      workload("Deployment", "other", { labels: labels("other", "batch") }),
      allow("open", [{ from: [{ podSelector: {} }] }]),
      networkPolicy("deny", { podSelector: {}, policyTypes: ["Ingress"] }),
    ];
    const msgs = await messages(stack);
    assert.equal(msgs.length, 1);
    assert.match(msgs[0] ?? "", /to model servers Deployment ml\/a, StatefulSet ml\/b\. Field/);
  });

  it("skips exempt namespaces", async () => {
    const w = workload("DaemonSet", "agent", { namespace: "kube-system", labels: { app: "agent" } });
    assert.equal((await messages([w])).length, 1);
    assert.deepEqual(await messages([w], { exemptNamespaces: ["kube-system"] }), []);
  });

  it("treats a missing namespace as default, and skips what is unknown during preview", async () => {
    const w = mutate(workload("Deployment", "w", { labels: { app: "w" } }), (p) => {
      Reflect.deleteProperty(p.metadata as Obj, "namespace");
    });
    const msgs = await messages([w]);
    assert.equal(msgs.length, 1);
    assert.match(msgs[0] ?? "", /^Deployment default\/w: .* in namespace default\./);
    const unknownNs = mutate(w, (p) => {
      (p.metadata as Obj).namespace = UNKNOWN;
    });
    assert.deepEqual(await messages([unknownNs]), []);
    const unknownSelector = networkPolicy(
      "np",
      { podSelector: UNKNOWN, policyTypes: ["Ingress"] },
      "default",
    );
    assert.deepEqual(await messages([w, unknownSelector]), []);
    const unknownLabels = mutate(w, (p) => {
      ((p.spec as Obj).template as Obj).metadata = { labels: UNKNOWN };
    });
    assert.deepEqual(await messages([unknownLabels]), []);
  });
});
