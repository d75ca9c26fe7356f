import { strict as assert } from "node:assert";
import { stateObjects, stateRecording, stateResources } from "../../bench/up/stackState";

describe("bench:up: the objects of a stack's state, for kubectl and for the plain baseline", () => {
  const exported = JSON.stringify({
    deployment: {
      resources: [
        { urn: "urn:pulumi:bench::p::pulumi:pulumi:Stack::p-bench", type: "pulumi:pulumi:Stack" },
        {
          urn: "urn:pulumi:bench::p::pulumi:providers:kubernetes::default",
          type: "pulumi:providers:kubernetes",
          inputs: { kubeconfig: "x" },
        },
        {
          urn: "urn:pulumi:bench::p::k8sml:index:ModelServing::llm",
          type: "k8sml:index:ModelServing",
          parent: "urn:pulumi:bench::p::pulumi:pulumi:Stack::p-bench",
          dependencies: [
            "urn:pulumi:bench::p::kubernetes:core/v1:Namespace::ml-bench",
            "urn:pulumi:bench::p::k8sml:index:GpuTenancy::tenancy",
          ],
          inputs: {},
        },
        {
          urn: "urn:pulumi:bench::p::k8sml:index:ModelServing$kubernetes:apps/v1:Deployment::llm-deploy",
          parent: "urn:pulumi:bench::p::k8sml:index:ModelServing::llm",
          dependencies: [
            "urn:pulumi:bench::p::k8sml:index:ModelServing$kubernetes:core/v1:ServiceAccount::llm-sa",
          ],
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
          urn: "urn:pulumi:bench::p::kubernetes:core/v1:Namespace::ml-bench",
          parent: "urn:pulumi:bench::p::pulumi:pulumi:Stack::p-bench",
          type: "kubernetes:core/v1:Namespace",
          inputs: { apiVersion: "v1", kind: "Namespace", metadata: { name: "ml-bench" } },
          outputs: { metadata: { name: "ml-bench" } },
        },
      ],
    },
  });

  it("keeps the Kubernetes objects only, namespace first, with the names they got and no SDK keys", () => {
    assert.deepEqual(stateObjects(stateResources(exported)), [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "ml-bench" } },
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "llm-abc123", namespace: "ml-bench" },
      },
    ]);
  });

  it("records objects and components with their parents and their Kubernetes dependencies, in state order", () => {
    assert.deepEqual(stateRecording(stateResources(exported)), [
      {
        type: "k8sml:index:ModelServing",
        name: "llm",
        inputs: {},
        dependsOn: ["kubernetes:core/v1:Namespace::ml-bench"],
      },
      {
        type: "kubernetes:apps/v1:Deployment",
        name: "llm-deploy",
        inputs: {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "llm-abc123", namespace: "ml-bench" },
        },
        parent: "k8sml:index:ModelServing::llm",
        dependsOn: ["kubernetes:core/v1:ServiceAccount::llm-sa"],
      },
      {
        type: "kubernetes:core/v1:Namespace",
        name: "ml-bench",
        inputs: { apiVersion: "v1", kind: "Namespace", metadata: { name: "ml-bench" } },
      },
    ]);
  });
});
