import { strict as assert } from "node:assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { registrations, resetRegistrations, useMocks } from "./harness";

describe("test harness", () => {
  before(() => useMocks());
  beforeEach(resetRegistrations);

  it("records resources registered inside a component, including late ones", async () => {
    const parent = new pulumi.ComponentResource("test:index:Parent", "p");
    const ns = new k8s.core.v1.Namespace("ns", { metadata: { name: "a" } }, { parent });
    new k8s.core.v1.ConfigMap("cm", { metadata: { namespace: ns.metadata.name } }, { parent });
    const all = await registrations();
    assert.deepEqual(all.map((r) => r.type).sort(), [
      "kubernetes:core/v1:ConfigMap",
      "kubernetes:core/v1:Namespace",
      "test:index:Parent",
    ]);
  });
});
