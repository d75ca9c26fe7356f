import { strict as assert } from "node:assert";
import { stateObjects } from "../../bench/up/kubectlSide";

describe("bench:up's kubectl side: the objects of a stack's state", () => {
  const exported = JSON.stringify({
    deployment: {
      resources: [
        { type: "pulumi:pulumi:Stack" },
        { type: "pulumi:providers:kubernetes", inputs: { kubeconfig: "x" } },
        { type: "k8s-ml:serving:ModelServing", inputs: {} },
        {
          type: "kubernetes:apps/v1:Deployment",
          inputs: {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { namespace: "ml-bench" },
            __defaults: [],
          },
          outputs: { metadata: { name: "llm-abc123", namespace: "ml-bench" } },
        },
        {
          type: "kubernetes:core/v1:Namespace",
          inputs: { apiVersion: "v1", kind: "Namespace", metadata: { name: "ml-bench" } },
          outputs: { metadata: { name: "ml-bench" } },
        },
      ],
    },
  });

  it("keeps the Kubernetes objects only, namespace first, with the names they got and no SDK keys", () => {
    assert.deepEqual(stateObjects(exported), [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "ml-bench" } },
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "llm-abc123", namespace: "ml-bench" },
      },
    ]);
  });
});
