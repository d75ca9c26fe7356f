import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import type { PackResource } from "../../policy/lib/resource";
import { hasMandatory, runPolicies } from "../../policy/lib/runPack";
import { UNKNOWN } from "../../policy/lib/values";
import {
  compliantStack,
  container,
  mutate,
  networkPolicy,
  quota,
  scaledObject,
  service,
  workload,
  type Obj,
} from "./fixtures";
import { loadUnknownCheckingProxy } from "./harness";

const ROOT = path.resolve(__dirname, "../..");
const config = (env: string): never =>
  JSON.parse(fs.readFileSync(path.join(ROOT, `policy-config/${env}.json`), "utf8")) as never;

describe("runPolicies (the whole pack in-process)", () => {
  for (const env of ["defaults", "dev", "prod"]) {
    it(`passes a compliant multi-namespace stack with ${env} config: no violation at all`, () => {
      const v = runPolicies(compliantStack(), env === "defaults" ? undefined : config(env));
      assert.deepEqual(v, []);
    });
  }

  it("reports each policy's violations with its level and the resource URN", () => {
    const stack = compliantStack();
    const bad = mutate(workload("Deployment", "raw", { namespace: "ml-serving", gpus: 2 }), (p) => {
      const spec = (p.spec as Obj).template as Obj;
      const c = ((spec.spec as Obj).containers as Obj[])[0];
      c.image = "vllm/vllm-openai:latest";
      Reflect.deleteProperty(c, "readinessProbe");
    });
    const lb = service("raw-lb", "LoadBalancer", { "app.kubernetes.io/instance": "raw" }, "ml-serving");
    const keda = scaledObject("raw", "raw", 0, 4, "ml-serving");
    const v = runPolicies([...stack, bad, lb, keda], config("prod"));
    assert.deepEqual(
      v.map((x) => [x.policy, x.level, x.urn]),
      [
        ["pinned-images", "mandatory", bad.urn],
        ["serving-probes", "mandatory", bad.urn],
        ["autoscaler-bounds", "mandatory", keda.urn],
        ["service-exposure", "mandatory", lb.urn],
        [
          "gpu-quota-coverage",
          "mandatory",
          stack.find((r) => r.urn.endsWith("ResourceQuota::ml-serving/gpu-quota"))?.urn,
        ],
      ],
    );
    assert.match(v[4]?.message ?? "", /is 21 nvidia\.com\/gpu, over the quota of 12\./);
    assert.ok(hasMandatory(v));
    const dev = runPolicies([...stack, bad, lb, keda], config("dev"));
    assert.deepEqual(
      dev.map((x) => [x.policy, x.level]),
      [
        ["pinned-images", "advisory"],
        ["serving-probes", "advisory"],
        ["service-exposure", "advisory"],
        ["gpu-quota-coverage", "mandatory"],
      ],
    );
  });

  it("skips disabled policies and honours all", () => {
    const stack = [workload("Deployment", "lonely", { gpus: 1 })];
    assert.deepEqual(
      runPolicies(stack).map((v) => v.policy),
      ["network-policy-coverage", "gpu-quota-coverage"],
    );
    assert.deepEqual(runPolicies(stack, { all: "disabled" }), []);
    const advisory = runPolicies(stack, { all: "advisory" });
    assert.equal(advisory.length, 2);
    assert.equal(hasMandatory(advisory), false);
  });

  it("ignores non-Kubernetes resources and Kubernetes kinds it does not check", () => {
    const stack: PackResource[] = [
      { type: "pulumi:pulumi:Stack", name: "s", urn: "urn:s", props: {} },
      { type: "pulumi:providers:kubernetes", name: "k", urn: "urn:k", props: { namespace: "ml" } },
      { type: "random:index/randomPet:RandomPet", name: "r", urn: "urn:r", props: { length: 2 } },
      {
        type: "kubernetes:core/v1:ConfigMap",
        name: "c",
        urn: "urn:c",
        props: { metadata: { name: "c" }, data: {} },
      },
      {
        type: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
        name: "crd",
        urn: "urn:crd",
        props: { spec: {} },
      },
    ];
    assert.deepEqual(runPolicies(stack), []);
  });

  it("never crashes on values unknown during preview, wrapped in the SDK's proxies; undecidable checks are skipped", async () => {
    const unknownCheckingProxy = await loadUnknownCheckingProxy();
    const stack = compliantStack().map((r) => {
      const props = structuredClone(r.props);
      const spec = props.spec as Obj | undefined;
      if (r.type.endsWith(":Deployment") && spec) {
        spec.replicas = UNKNOWN;
        const tmpl = (spec.template as Obj).spec as Obj;
        (tmpl.containers as Obj[]).push({
          ...container({ name: "late" }),
          image: UNKNOWN,
          resources: UNKNOWN,
          securityContext: UNKNOWN,
        });
      }
      if (r.type.endsWith(":HorizontalPodAutoscaler") && spec) spec.maxReplicas = UNKNOWN;
      if (r.type.endsWith(":Service")) (props.metadata as Obj).namespace = UNKNOWN;
      return { ...r, props: unknownCheckingProxy(props) };
    });
    assert.deepEqual(runPolicies(stack, config("prod")), []);
    const unknownEverything = [
      {
        ...workload("Deployment", "x"),
        props: unknownCheckingProxy({
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: UNKNOWN,
          spec: UNKNOWN,
        }),
      },
      { ...quota("q", {}), props: unknownCheckingProxy({ metadata: { namespace: "ml" }, spec: UNKNOWN }) },
      {
        ...networkPolicy("n", {}),
        props: unknownCheckingProxy({ metadata: { namespace: "ml" }, spec: UNKNOWN }),
      },
    ] as PackResource[];
    assert.doesNotThrow(() => runPolicies(unknownEverything, config("prod")));
  });
});
