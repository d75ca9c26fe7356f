import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { unknown } from "@pulumi/pulumi/output";
import { ValidationError } from "../../components/lib/validation";
import { dependOn, knownInputs } from "../../componentPackage/inputs";
import { registrations, resetRegistrations, useMocks } from "./harness";
import { packageProvider, packageSchema } from "./packageProvider";

const SERVER = {
  namespace: "ml-serving",
  modelName: "tiny",
  modelUri: ":http,url=https://example.com:tiny",
  image: "vllm/vllm-openai:v0.6.3",
  gpusPerPod: 1,
  gpuProducts: ["NVIDIA-A100-SXM4-80GB"],
  cpu: "2",
  memory: "16Gi",
  sharedMemorySize: "1Gi",
};

/** An Output the way the provider server hands an input with dependencies to `construct`. */
function engineOutput(value: unknown, opts: { known?: boolean; secret?: boolean } = {}) {
  const dependency = new pulumi.DependencyResource("urn:pulumi:test::p::kubernetes:core/v1:Namespace::ns");
  const OutputClass = pulumi.Output as unknown as new (...args: unknown[]) => pulumi.Output<unknown>;
  return {
    dependency,
    output: new OutputClass(
      new Set([dependency]),
      Promise.resolve(value),
      Promise.resolve(opts.known ?? true),
      Promise.resolve(opts.secret ?? false),
      Promise.resolve(new Set([dependency])),
    ),
  };
}

describe("component package: inputs from another language", () => {
  before(async () => {
    await useMocks();
  });

  it("takes known values out of their Outputs, at any depth, and keeps their resources", async () => {
    const namespace = engineOutput("ml-serving");
    const replicas = engineOutput(3);
    const known = await knownInputs({
      namespace: namespace.output,
      autoscaling: { minReplicas: 1, maxReplicas: replicas.output },
      args: ["--a", engineOutput("b").output],
      modelName: "tiny",
    });
    assert.deepEqual(known.inputs, {
      namespace: "ml-serving",
      autoscaling: { minReplicas: 1, maxReplicas: 3 },
      args: ["--a", "b"],
      modelName: "tiny",
    });
    assert.equal(known.dependencies.length, 3);
    assert.ok(known.dependencies.includes(namespace.dependency));
  });

  it("leaves secrets, unknown Outputs and the unknown marker as they are", async () => {
    const secret = engineOutput("token", { secret: true }).output;
    const pending = engineOutput(undefined, { known: false }).output;
    const known = await knownInputs({ secret, pending, nested: { value: unknown } });
    assert.equal(known.inputs.secret, secret);
    assert.equal(known.inputs.pending, pending);
    assert.equal((known.inputs.nested as { value: unknown }).value, unknown);
    assert.deepEqual(known.dependencies, []);
  });

  it("makes a resource depend on the resources the unwrapped values came from", () => {
    const { dependency } = engineOutput("x");
    const transformed = dependOn([dependency])({
      type: "kubernetes:apps/v1:Deployment",
      name: "d",
      props: { a: 1 },
      opts: { dependsOn: [] },
      resource: undefined as unknown as pulumi.Resource,
    });
    assert.ok(transformed);
    assert.deepEqual(transformed.props, { a: 1 });
    assert.deepEqual(transformed.opts.dependsOn, [dependency]);
  });
});

describe("component package: construct", function () {
  // The first construct infers the schema, which type-checks the components.
  this.timeout(180_000);
  const provider = packageProvider;

  before(async () => {
    await useMocks();
    await packageSchema();
  });
  beforeEach(() => {
    resetRegistrations();
  });

  it("rejects a bad known value with the component's own message before registering anything", async () => {
    const gpus = engineOutput(-1).output;
    await assert.rejects(
      provider.construct("bad", "k8sml:index:ModelServing", { ...SERVER, gpusPerPod: gpus }, {}),
      (error: unknown) =>
        error instanceof ValidationError &&
        error.message.includes('ModelServing "bad"') &&
        error.message.includes("gpusPerPod must be a whole number at least 0; got -1"),
    );
    assert.deepEqual(await registrations(), []);
  });

  it("constructs from known values with dependencies, and every child depends on them", async () => {
    const namespace = engineOutput("ml-serving");
    const dependsOn = new Map<string, unknown>();
    const record: pulumi.ResourceTransformation = ({ type, props, opts }) => {
      dependsOn.set(type, opts.dependsOn);
      return { props, opts };
    };
    const result = await provider.construct(
      "ok",
      "k8sml:index:ModelServing",
      { ...SERVER, namespace: namespace.output },
      { transformations: [record] },
    );
    const types = (await registrations()).map((r) => r.type);
    assert.ok(types.includes("kubernetes:apps/v1:Deployment"), types.join(", "));
    for (const type of types) {
      const deps = [dependsOn.get(type)].flat(2);
      assert.ok(deps.includes(namespace.dependency), `${type} does not depend on the namespace`);
    }
    assert.ok("deploymentName" in result.state);
  });
});

describe("component package: unknown inputs during a preview", function () {
  this.timeout(180_000);
  const provider = packageProvider;

  before(async () => {
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs as Record<string, unknown> }),
        call: (args) => args.inputs as Record<string, unknown>,
      },
      "k8s-ml-patterns",
      "test",
      true, // preview
    );
    await packageSchema();
  });
  after(async () => {
    await useMocks();
  });

  it("constructs with an unknown value, whether sent as an Output or as the unknown marker", async () => {
    const pending = engineOutput(undefined, { known: false }).output;
    for (const namespace of [pending, unknown]) {
      const result = await provider.construct(
        `pending-${namespace === unknown ? "marker" : "output"}`,
        "k8sml:index:ModelServing",
        { ...SERVER, namespace, autoscaling: { minReplicas: 1, maxReplicas: unknown } },
        {},
      );
      assert.ok("deploymentName" in result.state);
    }
  });
});
