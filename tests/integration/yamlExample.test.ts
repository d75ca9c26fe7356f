/**
 * Pulumi YAML with the project's toolchain: a trivial `runtime: yaml` program previews offline
 * (the YAML language host of tools/pulumi-yaml on the PATH of scripts/pulumi-env.sh), and the
 * example examples/yaml, which uses the k8sml component package (componentPackage/), previews with the
 * policy pack and plans exactly the Kubernetes objects its TypeScript twin registers (the same
 * components built from the TypeScript classes with the same properties, under mocks).
 *
 * Run alone: npx mocha --no-config --node-option import=tsx --timeout 3600000 tests/integration/yamlExample.test.ts
 */
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { registrations, resetRegistrations, useMocks } from "../unit/harness";
import {
  changeSummary,
  countByType,
  errors,
  FIXTURES,
  policyViolations,
  type PreviewRun,
  previewBeforeAll,
  ROOT,
  steps,
} from "./harness";
import { buildTwin, COMPONENT_TOKENS, readYamlExample, YAML_EXAMPLE_DIR, yamlStackFile } from "./yamlExample";

const STACK = "dev";
const POLICY_CONFIG = path.join(ROOT, "policy-config", `${STACK}.json`);
const PACKAGE_DIR = path.join(ROOT, "componentPackage");

describe("pulumi preview of a runtime: yaml program (one ConfigMap), offline", () => {
  let run: PreviewRun;

  previewBeforeAll(
    () => ({
      workDir: path.join(FIXTURES, "yaml-configmap"),
      stack: STACK,
      stackConfig: "config: {}\n",
    }),
    (r) => {
      run = r;
    },
  );

  it("succeeds and plans the ConfigMap with the program's data", () => {
    assert.ok(run.succeeded, run.output);
    assert.deepEqual(errors(run), []);
    const planned = steps(run).filter((s) => s.type !== "pulumi:pulumi:Stack");
    assert.deepEqual(
      planned.map((s) => `${s.op} ${s.type}::${s.name}`),
      ["create kubernetes:core/v1:ConfigMap::settings"],
    );
    assert.deepEqual(planned[0].inputs.data, { greeting: "hello from YAML" });
    assert.deepEqual(changeSummary(run), { create: 2 });
  });
});

/** What the TypeScript twin registers under the unit tests' mocks. */
async function twinUnderMocks(stackFileText: string): Promise<{ type: string; name: string }[]> {
  resetRegistrations();
  await useMocks(STACK, "k8sml-yaml-twin");
  buildTwin(readYamlExample(stackFileText));
  return (await registrations()).map(({ type, name }) => ({ type, name }));
}

const typeAndName = (r: { type: string; name: string }): string => `${r.type}::${r.name}`;
const isKubernetesObject = (r: { type: string }): boolean => r.type.startsWith("kubernetes:");

describe(`pulumi preview of examples/yaml (the k8sml component package) with the policy pack at policy-config/${STACK}.json`, () => {
  let run: PreviewRun;

  before(() => {
    // Without the package the preview fails with a plugin error deep in its output; say why first.
    for (const file of ["PulumiPlugin.yaml", "package.json"]) {
      assert.ok(
        existsSync(path.join(PACKAGE_DIR, file)),
        `examples/yaml uses the k8sml component package in componentPackage/, but componentPackage/${file} does not exist`,
      );
    }
  });

  previewBeforeAll(
    () => ({
      workDir: YAML_EXAMPLE_DIR,
      stack: STACK,
      stackConfig: yamlStackFile(STACK),
      policyPackConfig: POLICY_CONFIG,
    }),
    (r) => {
      run = r;
    },
  );

  it("declares the package by the relative path `pulumi package add ../../componentPackage` writes", () => {
    const example = readYamlExample(yamlStackFile(STACK));
    assert.deepEqual(example.packages, { k8sml: "../../componentPackage" });
    assert.equal(path.resolve(YAML_EXAMPLE_DIR, example.packages.k8sml), PACKAGE_DIR);
  });

  it("succeeds with no error and no policy violation", () => {
    assert.ok(run.succeeded, run.output);
    assert.deepEqual(errors(run), []);
    assert.deepEqual(
      policyViolations(run).map((v) => `${v.enforcementLevel} ${v.policyName}: ${v.message}`),
      [],
    );
  });

  it("registers the three components under their package tokens", () => {
    const components = steps(run)
      .filter((s) => s.type.startsWith("k8sml:"))
      .map(typeAndName)
      .sort();
    assert.deepEqual(components, [
      `${COMPONENT_TOKENS.DistributedTraining}::finetune`,
      `${COMPONENT_TOKENS.GpuTenancy}::tenancy`,
      `${COMPONENT_TOKENS.ModelServing}::llm`,
    ]);
  });

  it("plans exactly the Kubernetes objects the TypeScript twin registers for the same settings", async () => {
    const planned = steps(run).filter(isKubernetesObject);
    assert.ok(
      planned.every((s) => s.op === "create"),
      "every step is a create (empty state)",
    );
    const expected = (await twinUnderMocks(yamlStackFile(STACK))).filter(isKubernetesObject);
    // Namespace, quota, limits, network policies, RBAC; server's four objects; training's four.
    assert.ok(expected.length >= 15, `only ${String(expected.length)} objects under mocks`);
    assert.deepEqual(countByType(planned), countByType(expected));
    assert.deepEqual(planned.map(typeAndName).sort(), expected.map(typeAndName).sort());
  });

  it("plans the settings of the program: the namespace, GPU quota and GPU product", () => {
    const example = readYamlExample(yamlStackFile(STACK));
    const byType = (type: string) => steps(run).filter((s) => s.type === type);
    const [namespace] = byType("kubernetes:core/v1:Namespace");
    assert.equal((namespace.inputs.metadata as { name?: string }).name, example.config.namespace);
    const quotas = byType("kubernetes:core/v1:ResourceQuota").map(
      (s) => (s.inputs.spec as { hard?: Record<string, unknown> }).hard?.["requests.nvidia.com/gpu"],
    );
    assert.deepEqual(quotas, [String(example.config.gpuQuota)]);
    const [deployment] = byType("kubernetes:apps/v1:Deployment");
    assert.match(JSON.stringify(deployment.inputs), new RegExp(String(example.config.gpuProduct)));
    assert.equal((deployment.inputs.metadata as { namespace?: string }).namespace, example.config.namespace);
  });
});
