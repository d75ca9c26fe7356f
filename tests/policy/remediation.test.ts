import { strict as assert } from "node:assert";
import type { PackResource } from "../../policy/lib/resource";
import { remediateResources, runPolicies } from "../../policy/lib/runPack";
import { UNKNOWN } from "../../policy/lib/values";
import { gpuLimits } from "../../policy/policies/gpuLimits";
import { restrictedPodSecurity } from "../../policy/policies/restrictedPodSecurity";
import {
  container,
  firstContainer,
  initContainer,
  mutate,
  podSpecOf,
  sidecar,
  WORKLOAD_KINDS,
  workload,
  type Obj,
} from "./fixtures";
import { remediate, validateResource, loadUnknownCheckingProxy } from "./harness";

function requestOnly(c: Obj, n: number | string): Obj {
  const r = c.resources as { requests: Obj; limits: Obj };
  r.requests["nvidia.com/gpu"] = n;
  Reflect.deleteProperty(r.limits, "nvidia.com/gpu");
  return c;
}

function loosen(c: Obj): Obj {
  const sc = c.securityContext as Obj;
  Reflect.deleteProperty(sc, "allowPrivilegeEscalation");
  return c;
}

describe("remediation", () => {
  describe("gpu-limits: limit := request", () => {
    for (const kind of WORKLOAD_KINDS) {
      it(`${kind}: fixes containers, init containers and sidecars, and the result passes`, async () => {
        const r = workload(kind, "w", {
          containers: [requestOnly(container(), "2")],
          initContainers: [requestOnly(initContainer(), 1), requestOnly(sidecar(), "1")],
        });
        assert.equal((await validateResource(gpuLimits, r)).length, 3);
        const fixed = await remediate(gpuLimits, r);
        assert.ok(fixed);
        const after = { ...r, props: fixed };
        assert.deepEqual(await validateResource(gpuLimits, after), []);
        const limits = (firstContainer(kind, fixed).resources as { limits: Obj }).limits;
        assert.equal(limits["nvidia.com/gpu"], "2");
        const init = (podSpecOf(kind, fixed).initContainers as Obj[])[0];
        assert.equal((init.resources as { limits: Obj }).limits["nvidia.com/gpu"], 1);
        // The input is not modified.
        assert.equal(
          (firstContainer(kind, r.props).resources as { limits: Obj }).limits["nvidia.com/gpu"],
          undefined,
        );
      });
    }

    it("creates a missing limits map, leaves compliant and ambiguous resources alone", async () => {
      const c = container();
      c.resources = { requests: { "nvidia.com/gpu": 1, cpu: "1" } };
      const fixed = await remediate(gpuLimits, workload("Pod", "p", { containers: [c] }));
      assert.deepEqual((fixed?.spec as { containers: Obj[] }).containers[0]?.resources, {
        requests: { "nvidia.com/gpu": 1, cpu: "1" },
        limits: { "nvidia.com/gpu": 1 },
      });
      assert.equal(await remediate(gpuLimits, workload("Deployment", "ok", { gpus: 1 })), undefined);
      const fractional = workload("Deployment", "f", { containers: [requestOnly(container(), "0.5")] });
      assert.equal(await remediate(gpuLimits, fractional), undefined);
      assert.equal((await validateResource(gpuLimits, fractional)).length, 1);
    });
  });

  describe("restricted-pod-security: seccompProfile RuntimeDefault, allowPrivilegeEscalation false", () => {
    for (const kind of WORKLOAD_KINDS) {
      it(`${kind}: fills in what is missing and the result passes`, async () => {
        const r = mutate(
          workload(kind, "w", {
            containers: [loosen(container())],
            initContainers: [loosen(initContainer()), loosen(sidecar())],
          }),
          (p) => {
            Reflect.deleteProperty(podSpecOf(kind, p).securityContext as Obj, "seccompProfile");
          },
        );
        assert.equal((await validateResource(restrictedPodSecurity, r)).length, 6);
        const fixed = await remediate(restrictedPodSecurity, r);
        assert.ok(fixed);
        assert.deepEqual(await validateResource(restrictedPodSecurity, { ...r, props: fixed }), []);
        assert.deepEqual((podSpecOf(kind, fixed).securityContext as Obj).seccompProfile, {
          type: "RuntimeDefault",
        });
      });
    }

    it("adds a securityContext where there is none, and never overrides explicit choices", async () => {
      const bare = container({ name: "bare" });
      Reflect.deleteProperty(bare, "securityContext");
      const priv = container({ name: "priv" });
      priv.securityContext = { privileged: true };
      const admin = container({ name: "admin" });
      admin.securityContext = { capabilities: { add: ["SYS_ADMIN"] } };
      const explicit = container({ name: "explicit" });
      explicit.securityContext = { allowPrivilegeEscalation: true, seccompProfile: { type: "Unconfined" } };
      const r = workload("Deployment", "w", {
        containers: [bare, priv, admin, explicit],
        extra: { securityContext: undefined },
      });
      const fixed = await remediate(restrictedPodSecurity, r);
      assert.ok(fixed);
      const spec = podSpecOf("Deployment", fixed);
      const cs = spec.containers as Obj[];
      assert.deepEqual(spec.securityContext, { seccompProfile: { type: "RuntimeDefault" } });
      assert.deepEqual(cs[0]?.securityContext, { allowPrivilegeEscalation: false });
      assert.deepEqual(cs[1]?.securityContext, { privileged: true });
      assert.deepEqual(cs[2]?.securityContext, { capabilities: { add: ["SYS_ADMIN"] } });
      assert.deepEqual(cs[3]?.securityContext, {
        allowPrivilegeEscalation: true,
        seccompProfile: { type: "Unconfined" },
      });
      assert.equal(await remediate(restrictedPodSecurity, workload("Job", "ok")), undefined);
    });

    it("works on the proxies the policy SDK hands to remediateResource, keeping unknown values", async () => {
      const unknownCheckingProxy = await loadUnknownCheckingProxy();
      const r = workload("Deployment", "w", { containers: [loosen(container())] });
      const props = structuredClone(r.props);
      (props.metadata as Obj).annotations = UNKNOWN;
      const proxied: PackResource = { ...r, props: unknownCheckingProxy(props) };
      const fixed = await remediate(restrictedPodSecurity, proxied);
      assert.ok(fixed);
      assert.equal((fixed.metadata as Obj).annotations, UNKNOWN);
      assert.equal(
        (firstContainer("Deployment", fixed).securityContext as Obj).allowPrivilegeEscalation,
        false,
      );
    });
  });

  describe("in runPolicies at level remediate", () => {
    const stackOf = (r: PackResource): PackResource[] => [r];
    const broken = workload("Deployment", "w", { containers: [loosen(requestOnly(container(), 1))] });
    const config = { "gpu-limits": "remediate", "restricted-pod-security": "remediate" } as const;

    it("remediates first, so the fixed problems are not reported", () => {
      const before = runPolicies(stackOf(broken), config, { remediate: false });
      assert.deepEqual(
        before
          .filter((v) => v.policy === "gpu-limits" || v.policy === "restricted-pod-security")
          .map((v) => [v.policy, v.level]),
        [
          ["gpu-limits", "mandatory"],
          ["restricted-pod-security", "mandatory"],
        ],
      );
      const after = runPolicies(stackOf(broken), config);
      assert.deepEqual(
        after.filter((v) => v.policy === "gpu-limits" || v.policy === "restricted-pod-security"),
        [],
      );
      const fixed = remediateResources(stackOf(broken), config);
      assert.notEqual(fixed[0], broken);
      assert.equal(
        remediateResources(stackOf(broken), {})[0],
        broken,
        "nothing changes below level remediate",
      );
    });
  });
});
