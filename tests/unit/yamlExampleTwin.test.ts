/**
 * The TypeScript twin of examples/yaml (tests/integration/yamlExample.ts), which the integration
 * and end-to-end tests compare the YAML program with: it must read the program the way the YAML
 * language host does (config defaults, stack values, dependsOn), or they would compare against
 * the wrong thing.
 */
import { strict as assert } from "node:assert";
import { buildTwin, readYamlExample, yamlStackFile } from "../integration/yamlExample";
import { registrations, resetRegistrations, useMocks } from "./harness";

const isKubernetesObject = (r: { type: string }): boolean => r.type.startsWith("kubernetes:");
const typeAndName = (r: { type: string; name: string }): string => `${r.type}::${r.name}`;

describe("the TypeScript twin of examples/yaml", () => {
  it("resolves config references against the stack file and the declared defaults", () => {
    const example = readYamlExample(
      "config:\n  k8sml-yaml-example:namespace: ml-other\n  k8sml-yaml-example:gpuQuota: 4\n",
    );
    assert.equal(example.config.namespace, "ml-other");
    assert.equal(example.config.gpuQuota, 4);
    const tenancy = example.resources.find((r) => r.name === "tenancy");
    assert.deepEqual(
      { namespace: tenancy?.properties.namespace, gpuQuota: tenancy?.properties.gpuQuota },
      { namespace: "ml-other", gpuQuota: 4 },
    );
    const llm = example.resources.find((r) => r.name === "llm");
    assert.ok(llm !== undefined);
    assert.deepEqual(llm.properties.gpuProducts, ["NVIDIA-L40S"]);
    assert.deepEqual(llm.dependsOn, ["tenancy"]);
  });

  it("refuses a stack key the program does not declare", () => {
    assert.throws(
      () => readYamlExample("config:\n  k8sml-yaml-example:gpuQuotaa: 4\n"),
      /sets k8sml-yaml-example:gpuQuotaa, which Pulumi.yaml does not declare/,
    );
  });

  it("builds the three components under mocks, every namespaced object in the example's namespace", async () => {
    resetRegistrations();
    await useMocks("dev", "k8sml-yaml-twin");
    const example = readYamlExample(yamlStackFile("dev"));
    buildTwin(example);
    const registered = await registrations();
    assert.equal(
      registered.filter((r) => !isKubernetesObject(r)).length,
      3,
      registered.map(typeAndName).join(", "),
    );
    assert.ok(
      registered.some((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === "finetune-sts"),
    );
    assert.ok(registered.some((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "llm-deploy"));
    const namespaces = new Set(
      registered
        .filter((r) => isKubernetesObject(r) && r.type !== "kubernetes:core/v1:Namespace")
        .map((r) => (r.inputs.metadata as { namespace?: unknown } | undefined)?.namespace),
    );
    assert.deepEqual([...namespaces], [example.config.namespace]);
  });
});
