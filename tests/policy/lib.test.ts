import { strict as assert } from "node:assert";
import { cidrContains, isWholeInternet, parseCidr } from "../../conventions/cidr";
import { fieldPath } from "../../policy/lib/paths";
import { containersOf, effectivePodAmount, podTemplateOf } from "../../policy/lib/podTemplate";
import { parseQuantity } from "../../conventions/quantity";
import { fromPulumi, parsePulumiType } from "../../policy/lib/resource";
import {
  describeSelector,
  implies,
  matchesLabels,
  parseLabelSelector,
  parseMapSelector,
  SelectorIndex,
} from "../../policy/lib/selectors";
import { clonePlain, hasUnknown, isUnknown, UNKNOWN, unwrapProxy } from "../../policy/lib/values";
import { container, initContainer, sidecar, WORKLOAD_KINDS, workload, type Obj } from "./fixtures";
import { loadUnknownCheckingProxy } from "./harness";

describe("policy lib", () => {
  describe("quantities", () => {
    it("parses decimal, binary and exponent forms", () => {
      assert.equal(parseQuantity("500m"), 0.5);
      assert.equal(parseQuantity("2"), 2);
      assert.equal(parseQuantity(3), 3);
      assert.equal(parseQuantity("1Gi"), 1024 ** 3);
      assert.equal(parseQuantity("1024Mi"), 1024 ** 3);
      assert.equal(parseQuantity("1k"), 1000);
      assert.equal(parseQuantity("1e3"), 1000);
      assert.equal(parseQuantity("1.5"), 1.5);
      assert.equal(parseQuantity("0.1"), 0.1);
      assert.equal(parseQuantity("lots"), undefined);
      assert.equal(parseQuantity("1GB"), undefined);
      assert.equal(parseQuantity(undefined), undefined);
    });
  });

  describe("CIDRs", () => {
    it("parses IPv4 and IPv6 and tests containment", () => {
      const ten = parseCidr("10.0.0.0/8");
      const sub = parseCidr("10.1.2.0/24");
      assert.ok(ten && sub && cidrContains(ten, sub) && !cidrContains(sub, ten));
      const v6 = parseCidr("fd00::/8");
      const v6sub = parseCidr("fd12:3456::/32");
      assert.ok(v6 && v6sub && cidrContains(v6, v6sub));
      assert.ok(!cidrContains(ten, v6));
      for (const w of ["0.0.0.0/0", "::/0", "0::0/0", "1.2.3.4/0"]) {
        const c = parseCidr(w);
        assert.ok(c && isWholeInternet(c), w);
      }
      const mapped = parseCidr("::ffff:10.0.0.1/128");
      assert.ok(mapped);
      for (const bad of ["10.0.0.0", "10.0.0.256/8", "10.0.0.0/33", "fd00:::/8", "x/1"]) {
        assert.equal(parseCidr(bad), undefined, bad);
      }
    });
  });

  describe("field paths", () => {
    it("quotes keys that are not identifiers", () => {
      assert.equal(
        fieldPath("spec", "containers", 0, "resources", "limits", "nvidia.com/gpu"),
        'spec.containers[0].resources.limits["nvidia.com/gpu"]',
      );
      assert.equal(fieldPath("", "spec"), "spec");
    });
  });

  describe("Pulumi types", () => {
    it("maps type tokens to group, version and kind", () => {
      assert.deepEqual(parsePulumiType("kubernetes:apps/v1:Deployment"), {
        group: "apps",
        version: "v1",
        kind: "Deployment",
      });
      assert.deepEqual(parsePulumiType("kubernetes:core/v1:Pod"), { group: "", version: "v1", kind: "Pod" });
      assert.deepEqual(parsePulumiType("kubernetes:keda.sh/v1alpha1:ScaledObject"), {
        group: "keda.sh",
        version: "v1alpha1",
        kind: "ScaledObject",
      });
      assert.equal(parsePulumiType("aws:s3/bucket:Bucket"), undefined);
      assert.equal(parsePulumiType("pulumi:providers:kubernetes"), undefined);
    });

    it("names auto-named objects after the Pulumi resource", () => {
      const r = fromPulumi({
        type: "kubernetes:apps/v1:Deployment",
        name: "llm",
        urn: "u",
        props: { spec: {} },
      });
      assert.equal(r?.ref, "Deployment default/llm");
      const ns = fromPulumi({
        type: "kubernetes:core/v1:Namespace",
        name: "n",
        urn: "u",
        props: { metadata: { name: "ml" } },
      });
      assert.equal(ns?.ref, "Namespace ml");
    });
  });

  describe("pod templates", () => {
    it("finds the pod spec of every kind, CronJob one level deeper", () => {
      for (const kind of WORKLOAD_KINDS) {
        const r = fromPulumi(workload(kind, "w"));
        assert.ok(r);
        const t = podTemplateOf(r);
        assert.ok(t?.spec, kind);
        assert.equal(t.labels["app.kubernetes.io/name"], "w");
      }
      const svc = fromPulumi({
        type: "kubernetes:core/v1:Service",
        name: "s",
        urn: "u",
        props: { spec: {} },
      });
      assert.ok(svc);
      assert.equal(podTemplateOf(svc), undefined);
      const crd = fromPulumi({
        type: "kubernetes:example.com/v1:Deployment",
        name: "d",
        urn: "u",
        props: { spec: {} },
      });
      assert.ok(crd);
      assert.equal(podTemplateOf(crd), undefined, "a Deployment kind of another group is not a workload");
    });

    it("iterates containers, init containers and native sidecars with their roles and paths", () => {
      const r = fromPulumi(workload("CronJob", "w", { initContainers: [initContainer(), sidecar()] }));
      assert.ok(r);
      const t = podTemplateOf(r);
      assert.ok(t);
      const { refs } = containersOf(t);
      assert.deepEqual(
        refs.map((x) => [x.role, x.name, x.path]),
        [
          ["container", "server", "spec.jobTemplate.spec.template.spec.containers[0]"],
          ["initContainer", "init", "spec.jobTemplate.spec.template.spec.initContainers[0]"],
          ["sidecar", "model-loader", "spec.jobTemplate.spec.template.spec.initContainers[1]"],
        ],
      );
    });

    it("computes effective pod amounts (KEP-753)", () => {
      const r = fromPulumi(
        workload("Pod", "w", {
          containers: [container(), container({ name: "b" })],
          initContainers: [
            sidecar({ name: "s1" }),
            initContainer({ name: "i1" }),
            sidecar({ name: "s2" }),
            initContainer({ name: "i2" }),
          ],
        }),
      );
      assert.ok(r);
      const t = podTemplateOf(r);
      assert.ok(t);
      const amounts: Record<string, number> = { server: 1, b: 1, s1: 2, i1: 5, s2: 3, i2: 1 };
      // init i1: 5 + s1 2 = 7; init i2: 1 + s1 + s2 = 6; regular 2 + sidecars 5 = 7 -> 7
      assert.equal(
        effectivePodAmount(containersOf(t).refs, (c) => amounts[c.name] ?? 0),
        7,
      );
      amounts.i1 = 9;
      assert.equal(
        effectivePodAmount(containersOf(t).refs, (c) => amounts[c.name] ?? 0),
        11,
      );
    });

    it("reports unknown container lists as undecided instead of failing", () => {
      const r = fromPulumi(workload("Deployment", "w", { pod: { containers: UNKNOWN } }));
      assert.ok(r);
      const t = podTemplateOf(r);
      assert.ok(t);
      assert.deepEqual(containersOf(t), { refs: [], undecided: ["spec.template.spec.containers"] });
    });
  });

  describe("label selectors", () => {
    const L = { app: "a", tier: "backend" };
    it("matches like Kubernetes: empty selects all, null selects none", () => {
      assert.equal(matchesLabels(parseLabelSelector({}), L), true);
      assert.equal(matchesLabels(parseLabelSelector({ matchLabels: {}, matchExpressions: [] }), L), true);
      assert.equal(matchesLabels(parseLabelSelector(null), L), false);
      assert.equal(matchesLabels(parseLabelSelector(undefined), L), false);
      assert.equal(
        matchesLabels(parseMapSelector({}), L),
        false,
        "an empty Service selector selects nothing",
      );
    });

    it("evaluates In, NotIn, Exists, DoesNotExist", () => {
      const sel = (key: string, operator: string, values?: string[]) =>
        parseLabelSelector({ matchExpressions: [values ? { key, operator, values } : { key, operator }] });
      assert.equal(matchesLabels(sel("tier", "In", ["backend", "x"]), L), true);
      assert.equal(matchesLabels(sel("tier", "In", ["x"]), L), false);
      assert.equal(matchesLabels(sel("tier", "NotIn", ["x"]), L), true);
      assert.equal(matchesLabels(sel("zone", "NotIn", ["x"]), L), true, "NotIn matches an absent label");
      assert.equal(matchesLabels(sel("tier", "NotIn", ["backend"]), L), false);
      assert.equal(matchesLabels(sel("tier", "Exists"), L), true);
      assert.equal(matchesLabels(sel("zone", "Exists"), L), false);
      assert.equal(matchesLabels(sel("zone", "DoesNotExist"), L), true);
      assert.equal(matchesLabels(sel("tier", "DoesNotExist"), L), false);
    });

    it("rejects malformed selectors (they select nothing)", () => {
      for (const bad of [
        { matchExpressions: [{ key: "a", operator: "In" }] },
        { matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] },
        { matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] },
        { matchLabels: { a: 1 } },
        { matchLabels: [] },
      ]) {
        const s = parseLabelSelector(bad);
        assert.equal(s.type, "invalid", JSON.stringify(bad));
        assert.equal(matchesLabels(s, L), false);
      }
      assert.equal(parseLabelSelector({ matchLabels: { a: UNKNOWN } }).type, "unknown");
    });

    it("decides implication soundly", () => {
      const gw = parseLabelSelector({ matchLabels: { app: "api-gateway" } });
      const yes = [
        { matchLabels: { app: "api-gateway", extra: "x" } },
        { matchExpressions: [{ key: "app", operator: "In", values: ["api-gateway"] }] },
      ];
      const no = [
        {},
        { matchLabels: { other: "x" } },
        { matchExpressions: [{ key: "app", operator: "In", values: ["api-gateway", "x"] }] },
      ];
      for (const s of yes) assert.equal(implies(parseLabelSelector(s), gw), true, JSON.stringify(s));
      for (const s of no) assert.equal(implies(parseLabelSelector(s), gw), false, JSON.stringify(s));
      const notDebug = parseLabelSelector({
        matchExpressions: [{ key: "env", operator: "NotIn", values: ["debug"] }],
      });
      assert.equal(implies(parseLabelSelector({ matchLabels: { env: "prod" } }), notDebug), true);
      assert.equal(
        implies(
          parseLabelSelector({ matchExpressions: [{ key: "env", operator: "DoesNotExist" }] }),
          notDebug,
        ),
        true,
      );
      assert.equal(
        implies(
          parseLabelSelector({
            matchExpressions: [{ key: "env", operator: "NotIn", values: ["debug", "dev"] }],
          }),
          notDebug,
        ),
        true,
      );
      assert.equal(
        implies(parseLabelSelector({ matchExpressions: [{ key: "env", operator: "Exists" }] }), notDebug),
        false,
      );
      assert.equal(implies(parseLabelSelector({}), parseLabelSelector({})), true);
      assert.equal(describeSelector(notDebug), "env notin (debug)");
    });

    it("indexes selectors so lookups return exactly the matching ones", () => {
      const index = new SelectorIndex<string>();
      const sels: [string, Obj | null][] = [
        ["all", {}],
        ["app-a", { matchLabels: { app: "a" } }],
        ["tier-in", { matchExpressions: [{ key: "tier", operator: "In", values: ["backend", "frontend"] }] }],
        ["tier-exists", { matchExpressions: [{ key: "tier", operator: "Exists" }] }],
        ["not-debug", { matchExpressions: [{ key: "env", operator: "NotIn", values: ["debug"] }] }],
        ["no-tier", { matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] }],
        ["null", null],
      ];
      for (const [name, s] of sels) index.add(parseLabelSelector(s), name);
      const labelSets: Record<string, string>[] = [
        { app: "a", tier: "backend" },
        { app: "b", env: "debug" },
        {},
        { tier: "x" },
      ];
      for (const labels of labelSets) {
        const expected = sels
          .filter(([, s]) => matchesLabels(parseLabelSelector(s), labels))
          .map(([n]) => n)
          .sort();
        assert.deepEqual(index.matching(labels).sort(), expected, JSON.stringify(labels));
      }
    });
  });

  describe("values", () => {
    it("recognises the preview sentinels and unwraps the policy SDK's proxies", async () => {
      const unknownCheckingProxy = await loadUnknownCheckingProxy();
      const raw = { spec: { replicas: UNKNOWN, template: { a: 1 } } };
      const proxied = unknownCheckingProxy(raw);
      assert.throws(() => (proxied.spec as Obj).replicas);
      assert.equal(unwrapProxy(proxied), raw);
      assert.ok(isUnknown(UNKNOWN) && hasUnknown(raw) && !hasUnknown({ a: [1, "x"] }));
      const copy = clonePlain(proxied) as typeof raw;
      assert.deepEqual(copy, raw);
      assert.notEqual(copy.spec, raw.spec);
    });
  });
});
