import { strict as assert } from "node:assert";
import { servingProbes } from "../../policy/policies/servingProbes";
import { container, labels, sidecar, SPEC_PATH, WORKLOAD_KINDS, workload } from "./fixtures";
import { validateResource } from "./harness";

describe("serving-probes", () => {
  for (const kind of WORKLOAD_KINDS) {
    describe(kind, () => {
      const sp = SPEC_PATH[kind];
      const ref = `${kind} ml/w`;

      it("accepts a model server with probes (its sidecar needs none)", async () => {
        const r = workload(kind, "w", { initContainers: [sidecar()] });
        assert.deepEqual(await validateResource(servingProbes, r, { requireStartupProbe: true }), []);
      });

      it("reports a model-server container without probes", async () => {
        const c = container();
        Reflect.deleteProperty(c, "readinessProbe");
        Reflect.deleteProperty(c, "livenessProbe");
        Reflect.deleteProperty(c, "startupProbe");
        const r = workload(kind, "w", { containers: [c] });
        assert.deepEqual(await validateResource(servingProbes, r), [
          `${ref}, container "server": the model server has no readinessProbe or livenessProbe. Field: ${sp}.containers[0].readinessProbe; found: readinessProbe, livenessProbe not set. Fix: add readinessProbe, livenessProbe to ${sp}.containers[0] (e.g. httpGet on port "http"); use a startupProbe rather than initialDelaySeconds for slow model loads`,
        ]);
        const strict = await validateResource(servingProbes, r, { requireStartupProbe: true });
        assert.equal(strict.length, 1);
        assert.match(strict[0] ?? "", /has no readinessProbe or livenessProbe or startupProbe/);
      });
    });
  }

  it("ignores workloads that are not model servers, by the configured label", async () => {
    const c = container();
    Reflect.deleteProperty(c, "readinessProbe");
    const trainer = workload("StatefulSet", "trainer", {
      containers: [c],
      labels: labels("trainer", "trainer"),
    });
    assert.deepEqual(await validateResource(servingProbes, trainer), []);
    const custom = { modelServerLabel: { key: "app.kubernetes.io/component", value: "trainer" } };
    assert.equal((await validateResource(servingProbes, trainer, custom)).length, 1);
  });

  it("reports a probe without a handler, and skips exempt containers", async () => {
    const c = container();
    c.livenessProbe = { periodSeconds: 5 };
    const shipper = container({ name: "log-shipper" });
    Reflect.deleteProperty(shipper, "readinessProbe");
    const r = workload("Deployment", "w", { containers: [c, shipper] });
    assert.deepEqual(await validateResource(servingProbes, r, { exemptContainers: ["log-shipper"] }), [
      `Deployment ml/w, container "server": livenessProbe has no handler. Field: spec.template.spec.containers[0].livenessProbe; found: {"periodSeconds":5}. Fix: give spec.template.spec.containers[0].livenessProbe one of httpGet, tcpSocket, exec, grpc`,
    ]);
  });
});
