import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import {
  advertisedResourceName,
  GpuSharing,
  type GpuSharingArgs,
  nodeLabelPatch,
  timeSlicingConfig,
  timeSlicingConfigMap,
  withGpuSharingDefaults,
} from "../../components/gpuSharing";
import { ValidationError } from "../../components/lib/validation";
import { findResource, registrations, resetRegistrations, useMocks, valueOf } from "./harness";

const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const NODE_PATCH = "kubernetes:core/v1:NodePatch";

const LABELS = {
  "app.kubernetes.io/name": "gpu-sharing",
  "app.kubernetes.io/instance": "slices",
  "app.kubernetes.io/component": "gpu-sharing",
  "app.kubernetes.io/part-of": "k8s-ml-patterns",
  "app.kubernetes.io/managed-by": "pulumi",
};

async function assertRejected(args: GpuSharingArgs, problem: string, name = "slices"): Promise<void> {
  resetRegistrations();
  assert.throws(
    () => new GpuSharing(name, args),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.equal(error.message, `GpuSharing ${JSON.stringify(name)}: invalid arguments: ${problem}`);
      return true;
    },
  );
  assert.deepEqual(await registrations(), []);
}

describe("GpuSharing specs", () => {
  it("renders the device plugin's time-slicing config as YAML", () => {
    const settings = withGpuSharingDefaults({ replicas: 4 });
    assert.deepEqual(parse(timeSlicingConfig(settings)), {
      version: "v1",
      sharing: {
        timeSlicing: {
          renameByDefault: true,
          failRequestsGreaterThanOne: true,
          resources: [{ name: "nvidia.com/gpu", replicas: 4 }],
        },
      },
    });
    const plain = withGpuSharingDefaults({
      replicas: 8,
      renameByDefault: false,
      failRequestsGreaterThanOne: false,
    });
    assert.deepEqual(parse(timeSlicingConfig(plain)), {
      version: "v1",
      sharing: {
        timeSlicing: {
          renameByDefault: false,
          failRequestsGreaterThanOne: false,
          resources: [{ name: "nvidia.com/gpu", replicas: 8 }],
        },
      },
    });
  });

  it("keys the ConfigMap by profile in the GPU operator's namespace", () => {
    const defaults = timeSlicingConfigMap("slices", withGpuSharingDefaults({ replicas: 4 }));
    assert.deepEqual(defaults.metadata, {
      name: "time-slicing-config",
      namespace: "gpu-operator",
      labels: LABELS,
    });
    assert.deepEqual(Object.keys(defaults.data), ["any"]);

    const custom = timeSlicingConfigMap(
      "slices",
      withGpuSharingDefaults({
        replicas: 2,
        profile: "l40s",
        namespace: "nvidia",
        configMapName: "plugin.config",
      }),
    );
    assert.deepEqual(custom.metadata, { name: "plugin.config", namespace: "nvidia", labels: LABELS });
    const l40s = parse(custom.data.l40s) as { sharing: { timeSlicing: { resources: unknown } } };
    assert.deepEqual(l40s.sharing.timeSlicing.resources, [{ name: "nvidia.com/gpu", replicas: 2 }]);
  });

  it("names the shared resource pods request", () => {
    assert.equal(advertisedResourceName({ renameByDefault: true }), "nvidia.com/gpu.shared");
    assert.equal(advertisedResourceName({ renameByDefault: false }), "nvidia.com/gpu");
  });

  it("labels a node under the component's own field manager, forcing only when asked", () => {
    assert.deepEqual(nodeLabelPatch("slices", "gpu-node-1", withGpuSharingDefaults({ replicas: 4 })), {
      metadata: {
        name: "gpu-node-1",
        labels: { "nvidia.com/device-plugin.config": "any" },
        annotations: { "pulumi.com/patchFieldManager": "k8sml-gpu-sharing-slices" },
      },
    });
    const forced = nodeLabelPatch(
      "slices",
      "gpu-node-1",
      withGpuSharingDefaults({ replicas: 4, profile: "l4", forceNodeLabels: true }),
    );
    assert.deepEqual(forced.metadata.labels, { "nvidia.com/device-plugin.config": "l4" });
    assert.deepEqual(forced.metadata.annotations, {
      "pulumi.com/patchFieldManager": "k8sml-gpu-sharing-slices",
      "pulumi.com/patchForce": "true",
    });
  });
});

describe("GpuSharing component", () => {
  before(() => useMocks());
  beforeEach(resetRegistrations);

  it("creates the ConfigMap and one NodePatch per listed node", async () => {
    const sharing = new GpuSharing("slices", { replicas: 4, nodeNames: ["gpu-a", "gpu-b.zone1"] });
    const all = await registrations();
    assert.deepEqual(all.map((r) => `${r.type}:${r.name}`).sort(), [
      "k8sml:index:GpuSharing:slices",
      `${CONFIG_MAP}:slices-config`,
      `${NODE_PATCH}:slices-label-gpu-a`,
      `${NODE_PATCH}:slices-label-gpu-b.zone1`,
    ]);

    const configMap = findResource(all, CONFIG_MAP, "slices-config").inputs as {
      metadata: { name: string; namespace: string };
      data: Record<string, string>;
    };
    assert.equal(configMap.metadata.name, "time-slicing-config");
    assert.equal(configMap.metadata.namespace, "gpu-operator");
    const config = parse(configMap.data.any) as { sharing: { timeSlicing: { resources: unknown } } };
    assert.deepEqual(config.sharing.timeSlicing.resources, [{ name: "nvidia.com/gpu", replicas: 4 }]);

    for (const node of ["gpu-a", "gpu-b.zone1"]) {
      const patch = findResource(all, NODE_PATCH, `slices-label-${node}`).inputs as {
        metadata: { name: string; labels: Record<string, string> };
      };
      assert.equal(patch.metadata.name, node);
      assert.deepEqual(patch.metadata.labels, { "nvidia.com/device-plugin.config": "any" });
    }

    assert.equal(await valueOf(sharing.configMapName), "time-slicing-config");
    assert.equal(await valueOf(sharing.profile), "any");
    assert.equal(await valueOf(sharing.advertisedResourceName), "nvidia.com/gpu.shared");
    assert.equal(await valueOf(sharing.replicas), 4);
    assert.deepEqual(await valueOf(sharing.labelledNodes), ["gpu-a", "gpu-b.zone1"]);
  });

  it("creates only the ConfigMap when no nodes are listed", async () => {
    const sharing = new GpuSharing("slices", { replicas: pulumi.output(3), renameByDefault: false });
    const all = await registrations();
    assert.deepEqual(all.map((r) => `${r.type}:${r.name}`).sort(), [
      "k8sml:index:GpuSharing:slices",
      `${CONFIG_MAP}:slices-config`,
    ]);
    assert.equal(await valueOf(sharing.advertisedResourceName), "nvidia.com/gpu");
    assert.equal(await valueOf(sharing.replicas), 3);
    assert.deepEqual(await valueOf(sharing.labelledNodes), []);
  });

  describe("rejects invalid arguments before registering anything", () => {
    const dns =
      "a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)";
    const cases: [string, GpuSharingArgs, string, string?][] = [
      ["a bad component name", { replicas: 4 }, `name must be ${dns}; got "Slices"`, "Slices"],
      ["one replica", { replicas: 1 }, "replicas must be a whole number at least 2; got 1"],
      ["fractional replicas", { replicas: 2.5 }, "replicas must be a whole number at least 2; got 2.5"],
      ["a bad profile", { replicas: 4, profile: "A100_40GB" }, `profile must be ${dns}; got "A100_40GB"`],
      [
        "a bad namespace",
        { replicas: 4, namespace: "GPU-Operator" },
        `namespace must be ${dns}; got "GPU-Operator"`,
      ],
      [
        "a bad ConfigMap name",
        { replicas: 4, configMapName: "time slicing" },
        `configMapName must be a ConfigMap name (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters); got "time slicing"`,
      ],
      [
        "a bad node name",
        { replicas: 4, nodeNames: ["gpu-a", "GPU_B"] },
        `nodeNames[1] must be a node name (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters); got "GPU_B"`,
      ],
      [
        "a missing node name",
        { replicas: 4, nodeNames: ["gpu-a", undefined as unknown as string] },
        "nodeNames[1] must be a node name; got undefined",
      ],
      [
        "a node listed twice",
        { replicas: 4, nodeNames: ["gpu-a", "gpu-a"] },
        'nodeNames[1] must be listed once; got "gpu-a"',
      ],
      [
        "a non-boolean flag",
        { replicas: 4, renameByDefault: "yes" as unknown as boolean },
        'renameByDefault must be true or false; got "yes"',
      ],
    ];
    for (const [what, args, problem, name] of cases) {
      it(what, () => assertRejected(args, problem, name));
    }
  });
});
