/** The program with a server preset in stack config, under mocks. */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../config/problems";
import { METRICS_PORT_LABEL } from "../../conventions/labels";
import { main } from "../../program/main";
import {
  findResource,
  registrations,
  resetRegistrations,
  type RegisteredResource,
  useMocks,
} from "./harness";
import { stackConfigText } from "./stackFiles";

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return */

const MODELS_KEY = "k8s-ml-patterns:models";
const TOKEN_KEY = "k8s-ml-patterns:modelSourceToken";

/** The dev stack's config with its first model edited, and a model-source token. */
function devWith(edit: Record<string, unknown>): Record<string, string> {
  const config = stackConfigText("dev");
  const [first, ...rest] = JSON.parse(config[MODELS_KEY] ?? "[]") as Record<string, unknown>[];
  return {
    ...config,
    [MODELS_KEY]: JSON.stringify([{ ...first, ...edit }, ...rest]),
    [TOKEN_KEY]: "hf_abc",
  };
}

async function run(config: Record<string, string>): Promise<RegisteredResource[]> {
  await useMocks("dev");
  pulumi.runtime.setAllConfig(config, [TOKEN_KEY]);
  main();
  return registrations();
}

const VLLM = {
  server: "vllm",
  modelUri: "hf://meta-llama/Llama-3.2-1B-Instruct",
  args: ["--max-model-len=8192"],
};

describe("the program with a server preset", () => {
  beforeEach(() => {
    resetRegistrations();
  });

  it("deploys a vllm model: one http port, its flags, HF_TOKEN from the Secret, scraped on http", async () => {
    const all = await run(devWith(VLLM));
    const deployment = findResource(all, "kubernetes:apps/v1:Deployment", "llama-small-deploy");
    const template: any = (deployment.inputs.spec as any).template;
    assert.equal(template.metadata.labels[METRICS_PORT_LABEL], "http");
    const server = template.spec.containers[0];
    assert.deepEqual(server.ports, [{ name: "http", containerPort: 8000, protocol: "TCP" }]);
    assert.equal(server.args[0], "--max-model-len=8192");
    assert.ok(server.args.includes("--tensor-parallel-size=1"), server.args.join(" "));
    assert.ok(server.args.includes("--served-model-name=llama-small"));
    const loader = template.spec.initContainers[0];
    assert.equal(loader.envFrom, undefined);
    assert.deepEqual(
      loader.env.find((e: any) => e.name === "HF_TOKEN"),
      {
        name: "HF_TOKEN",
        valueFrom: { secretKeyRef: { name: "ml-dev-model-source", key: "MODEL_SOURCE_TOKEN" } },
      },
    );
    const service = findResource(all, "kubernetes:core/v1:Service", "llama-small-svc");
    assert.deepEqual(
      (service.inputs.spec as any).ports.map((p: any) => p.name),
      ["http"],
    );
    const monitors = all.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:ServiceMonitor");
    assert.equal(monitors.length, 1);
    assert.equal((monitors[0]?.inputs.spec as any).endpoints[0].port, "http");
    const policy = findResource(
      all,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "ml-dev-model-server-api-metrics",
    );
    assert.deepEqual((policy.inputs.spec as any).ingress[0].ports, [{ protocol: "TCP", port: "http" }]);
    const secret = findResource(all, "kubernetes:core/v1:Secret", "ml-dev-model-source");
    assert.ok(secret.inputs.stringData !== undefined);
  });

  it("keeps the token a Pulumi secret with a preset", async () => {
    await useMocks("dev");
    pulumi.runtime.setAllConfig(devWith(VLLM), [TOKEN_KEY]);
    const deployed = main();
    assert.ok(deployed.modelSourceSecret !== undefined);
    assert.equal(await pulumi.isSecret(deployed.modelSourceSecret.stringData), true);
  });

  it("deploys a tgi model on 8080 with --num-shard from gpusPerPod", async () => {
    const all = await run(devWith({ ...VLLM, server: "tgi", args: [] }));
    const deployment = findResource(all, "kubernetes:apps/v1:Deployment", "llama-small-deploy");
    const server: any = (deployment.inputs.spec as any).template.spec.containers[0];
    assert.deepEqual(server.ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    assert.ok(server.args.includes("--num-shard=1"));
    assert.ok(server.args.includes("--port=8080"));
  });

  it("leaves the dev stack (generic) without the api-metrics NetworkPolicy and with envFrom", async () => {
    const all = await run({ ...stackConfigText("dev"), [TOKEN_KEY]: "hf_abc" });
    assert.equal(
      all.some((r) => r.name === "ml-dev-model-server-api-metrics"),
      false,
    );
    const deployment = findResource(all, "kubernetes:apps/v1:Deployment", "llama-small-deploy");
    const pod: any = (deployment.inputs.spec as any).template;
    assert.equal(pod.metadata.labels[METRICS_PORT_LABEL], undefined);
    assert.deepEqual(pod.spec.initContainers[0].envFrom, [{ secretRef: { name: "ml-dev-model-source" } }]);
    assert.deepEqual(
      pod.spec.containers[0].ports.map((p: any) => p.name),
      ["http", "metrics"],
    );
  });

  for (const [what, edit, expected] of [
    [
      "an unknown server",
      { server: "triton" },
      'Invalid config for stack "dev": k8s-ml-patterns:models[0].server must be one of "generic", "vllm", "tgi"; got "triton"',
    ],
    [
      "args that set the preset's tensor-parallel flag",
      { ...VLLM, args: ["-tp", "2"] },
      'Invalid config for stack "dev": k8s-ml-patterns:models[0].args must be free of the flags server "vllm" sets itself: --model, --served-model-name, --port, --tensor-parallel-size, -tp (--tensor-parallel-size comes from gpusPerPod); got ["-tp"]',
    ],
  ] as const) {
    it(`rejects ${what} before registering anything`, async () => {
      await useMocks("dev");
      pulumi.runtime.setAllConfig(devWith(edit), [TOKEN_KEY]);
      let message: string | undefined;
      try {
        main();
      } catch (error) {
        assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
        message = error.message;
      }
      assert.equal(message, expected);
      assert.deepEqual(await registrations(), []);
    });
  }
});
