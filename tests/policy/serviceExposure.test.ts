import { strict as assert } from "node:assert";
import { serviceExposure } from "../../policy/policies/serviceExposure";
import { labels, service, workload } from "./fixtures";
import { validateStack } from "./harness";

describe("service-exposure", () => {
  const llm = workload("Deployment", "llm");
  const gateway = workload("Deployment", "api-gateway", { labels: { app: "api-gateway" } });

  it("accepts ClusterIP Services in front of model servers and LoadBalancers in front of other pods", async () => {
    const stack = [
      llm,
      gateway,
      service("llm", undefined, { "app.kubernetes.io/instance": "llm" }),
      service("llm-ip", "ClusterIP", { "app.kubernetes.io/instance": "llm" }),
      service("gateway", "LoadBalancer", { app: "api-gateway" }),
      service("external", "NodePort", undefined),
    ];
    assert.deepEqual(await validateStack(serviceExposure, stack), []);
  });

  it("reports LoadBalancer and NodePort Services whose selector selects a model server", async () => {
    const lb = service("llm-public", "LoadBalancer", { "app.kubernetes.io/instance": "llm" });
    const np = service("llm-nodeport", "NodePort", { "app.kubernetes.io/part-of": "k8s-ml-patterns" });
    const trainer = workload("StatefulSet", "trainer", { labels: labels("trainer", "trainer") });
    const v = await validateStack(serviceExposure, [llm, gateway, trainer, lb, np]);
    assert.deepEqual(v, [
      {
        message: `Service ml/llm-public: a LoadBalancer Service exposes model servers outside the cluster. Field: spec.type; found: "LoadBalancer"; selector app.kubernetes.io/instance=llm selects Deployment ml/llm. Fix: use type ClusterIP and route through the API gateway, or allow it in the service-exposure config (allowedTypes, or allowedServices: ["ml/llm-public"])`,
        urn: lb.urn,
      },
      {
        message: `Service ml/llm-nodeport: a NodePort Service exposes model servers outside the cluster. Field: spec.type; found: "NodePort"; selector app.kubernetes.io/part-of=k8s-ml-patterns selects Deployment ml/llm. Fix: use type ClusterIP and route through the API gateway, or allow it in the service-exposure config (allowedTypes, or allowedServices: ["ml/llm-nodeport"])`,
        urn: np.urn,
      },
    ]);
  });

  it("reports a selector naming the model-server label even when no such pod is in the stack", async () => {
    const lb = service("any-model", "LoadBalancer", { "app.kubernetes.io/component": "model-server" });
    const v = await validateStack(serviceExposure, [lb]);
    assert.equal(v.length, 1);
    assert.match(v[0]?.message ?? "", /selects pods labelled app\.kubernetes\.io\/component=model-server\./);
  });

  it("looks only in the Service's namespace", async () => {
    const lb = service("llm-public", "LoadBalancer", { "app.kubernetes.io/instance": "llm" }, "edge");
    assert.deepEqual(await validateStack(serviceExposure, [llm, lb]), []);
  });

  it("allows types or individual Services through config", async () => {
    const lb = service("llm-public", "LoadBalancer", { "app.kubernetes.io/instance": "llm" });
    assert.deepEqual(await validateStack(serviceExposure, [llm, lb], { allowedTypes: ["LoadBalancer"] }), []);
    assert.deepEqual(
      await validateStack(serviceExposure, [llm, lb], { allowedServices: ["ml/llm-public"] }),
      [],
    );
    assert.equal((await validateStack(serviceExposure, [llm, lb], { allowedTypes: ["NodePort"] })).length, 1);
  });
});
