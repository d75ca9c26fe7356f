import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { validateJson } from "../../policy/lib/jsonSchema";
import { resolvePackConfig, validatePackConfig } from "../../policy/lib/packConfig";
import { allPolicies, resourcePolicies, stackPolicies } from "../../policy/policies/all";
import { gpuLimitsMeta } from "../../policy/policies/gpuLimits";

const ROOT = path.resolve(__dirname, "../..");
const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));

/** The level table in policy/README.md: policy -> [default, dev, prod]. */
function readmeLevels(): Map<string, [string, string, string]> {
  const text = fs.readFileSync(path.join(ROOT, "policy/README.md"), "utf8");
  const out = new Map<string, [string, string, string]>();
  for (const m of text.matchAll(/^\|\s*`([a-z-]+)`\s*\|\s*(\w+)\s*\|\s*(\w+)\s*\|\s*(\w+)\s*\|/gm)) {
    out.set(m[1], [m[2], m[3], m[4]]);
  }
  return out;
}

describe("policy pack config", () => {
  it("has fourteen uniquely named kebab-case policies, each with a configSchema whose defaults validate", () => {
    const names = allPolicies.map((p) => p.name);
    assert.equal(names.length, 14);
    assert.equal(new Set(names).size, names.length);
    assert.equal(resourcePolicies.length + stackPolicies.length, names.length);
    for (const p of allPolicies) {
      assert.match(p.name, /^[a-z]+(-[a-z]+)*$/);
      assert.ok(p.configSchema, p.name);
      assert.equal(
        p.configSchema.properties.enforcementLevel,
        undefined,
        "the SDK forbids enforcementLevel in the schema",
      );
      const defaults: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(p.configSchema.properties)) {
        assert.ok(typeof s === "object" && s.default !== undefined, `${p.name}.${k} has a default`);
        defaults[k] = s.default;
      }
      assert.deepEqual(
        validateJson(defaults, { type: "object", properties: p.configSchema.properties }),
        [],
        p.name,
      );
    }
    assert.equal(gpuLimitsMeta.defaults.maxGpusPerPod, 8);
  });

  it("makes gpu-limits, network-policy-shape, network-policy-coverage, gpu-quota-coverage, quota-headroom, gpu-queue-coverage and single-autoscaler mandatory by default", () => {
    const levels = resolvePackConfig(undefined, allPolicies);
    const mandatory = [...levels].filter(([, c]) => c.level === "mandatory").map(([n]) => n);
    assert.deepEqual(mandatory.sort(), [
      "gpu-limits",
      "gpu-queue-coverage",
      "gpu-quota-coverage",
      "network-policy-coverage",
      "network-policy-shape",
      "quota-headroom",
      "single-autoscaler",
    ]);
    assert.ok([...levels.values()].every((c) => c.level === "mandatory" || c.level === "advisory"));
  });

  for (const env of ["dev", "prod"] as const) {
    it(`policy-config/${env}.json validates against every policy's configSchema`, () => {
      const cfg = readJson(`policy-config/${env}.json`);
      assert.deepEqual(validatePackConfig(cfg, allPolicies), []);
      assert.deepEqual(
        Object.keys(cfg as object).sort(),
        allPolicies.map((p) => p.name).sort(),
        "every policy has an explicit level",
      );
    });
  }

  it("documents the default, dev and prod levels in policy/README.md, matching the pack and the files", () => {
    const table = readmeLevels();
    assert.deepEqual([...table.keys()].sort(), allPolicies.map((p) => p.name).sort());
    const defaults = resolvePackConfig(undefined, allPolicies);
    const dev = resolvePackConfig(readJson("policy-config/dev.json") as never, allPolicies);
    const prod = resolvePackConfig(readJson("policy-config/prod.json") as never, allPolicies);
    for (const [name, [d, dv, pr]] of table) {
      assert.deepEqual(
        [defaults.get(name)?.level, dev.get(name)?.level, prod.get(name)?.level],
        [d, dv, pr],
        name,
      );
    }
  });

  it("differs sensibly between dev and prod", () => {
    const dev = resolvePackConfig(readJson("policy-config/dev.json") as never, allPolicies);
    const prod = resolvePackConfig(readJson("policy-config/prod.json") as never, allPolicies);
    assert.equal(dev.get("resource-requests")?.level, "advisory");
    assert.equal(prod.get("resource-requests")?.level, "mandatory");
    assert.equal(prod.get("serving-probes")?.level, "mandatory");
    assert.equal(prod.get("serving-probes")?.properties.requireStartupProbe, true);
    assert.equal(dev.get("autoscaler-bounds")?.properties.minReplicas, 1);
    assert.equal(prod.get("autoscaler-bounds")?.properties.minReplicas, 2);
    for (const p of [
      "gpu-limits",
      "network-policy-shape",
      "network-policy-coverage",
      "gpu-quota-coverage",
      "quota-headroom",
    ]) {
      assert.notEqual(dev.get(p)?.level, "advisory", p);
      assert.equal(prod.get(p)?.level, "mandatory", p);
    }
  });

  it("resolves levels like the Pulumi CLI: policy entry over all over the policy's default; defaults fill properties", () => {
    const r = resolvePackConfig(
      {
        all: "advisory",
        "gpu-limits": { maxGpusPerPod: 4 },
        "pinned-images": "mandatory",
        "gpu-placement": { enforcementLevel: "disabled" },
      },
      allPolicies,
    );
    assert.deepEqual(r.get("gpu-limits"), {
      level: "advisory",
      properties: { customResources: [], extraGpuResources: [], maxGpusPerContainer: 8, maxGpusPerPod: 4 },
    });
    assert.equal(r.get("pinned-images")?.level, "mandatory");
    assert.equal(r.get("gpu-placement")?.level, "disabled");
    assert.equal(r.get("network-policy-coverage")?.level, "advisory");
    assert.equal(
      resolvePackConfig({ all: { enforcementLevel: "disabled" } }, allPolicies).get("gpu-limits")?.level,
      "disabled",
    );
  });

  it("rejects invalid configs with messages naming the policy and the key", () => {
    const errors = validatePackConfig(
      {
        "gpu-limtis": "mandatory",
        "gpu-limits": { enforcementLevel: "strict", maxGpusPerPod: "eight", typo: 1 },
        "pinned-images": "sometimes",
        "autoscaler-bounds": { minReplicas: -1 },
        "network-policy-coverage": {
          allowedIngressSources: [{ name: "x", podSelector: { matchLabels: { app: 1 } } }],
        },
        "service-exposure": { allowedTypes: ["ExternalName"] },
        all: { enforcementLevel: "advisory", maxGpusPerPod: 1 },
      },
      allPolicies,
    );
    assert.deepEqual(errors, [
      "gpu-limtis: unknown policy (known: all, gpu-limits, gpu-placement, resource-requests, pinned-images, restricted-pod-security, serving-probes, autoscaler-bounds, network-policy-shape, service-exposure, network-policy-coverage, gpu-quota-coverage, quota-headroom, gpu-queue-coverage, single-autoscaler)",
      'gpu-limits.enforcementLevel: "strict" is not one of advisory, mandatory, remediate, disabled',
      'gpu-limits.maxGpusPerPod: expected integer, found string "eight"',
      'gpu-limits: unknown property "typo"',
      'pinned-images: "sometimes" is not an enforcement level (advisory, mandatory, remediate, disabled)',
      "autoscaler-bounds.minReplicas: must be >= 0, found -1",
      "network-policy-coverage.allowedIngressSources[0].podSelector.matchLabels.app: expected string, found integer 1",
      'service-exposure.allowedTypes[0]: must be one of "LoadBalancer", "NodePort", found "ExternalName"',
      "all: only enforcementLevel may be set for all policies",
    ]);
    assert.deepEqual(validatePackConfig([], allPolicies), [
      "the config must be a JSON object keyed by policy name",
    ]);
    assert.throws(
      () => resolvePackConfig({ x: "mandatory" }, allPolicies),
      /invalid policy pack config:\n {2}x: unknown policy/,
    );
  });
});
