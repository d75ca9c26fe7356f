import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import {
  GpuTenancy,
  type GpuTenancyArgs,
  limitRangeSpec,
  namespaceMetadata,
  networkPolicyOptions,
  networkPolicySpecs,
  resourceQuotaSpec,
  withGpuTenancyDefaults,
  workflowRunnerRbac,
} from "../../components/gpuTenancy";
import { isCanonicalCidr } from "../../conventions/cidr";
import { isQuantity, parseQuantity } from "../../conventions/quantity";
import { ValidationError } from "../../components/lib/validation";
import { findResource, registrations, resetRegistrations, useMocks, valueOf } from "./harness";

const BASE: GpuTenancyArgs = {
  namespace: "ml-prod",
  gpuQuota: 8,
  requestsCpu: "32",
  limitsCpu: "64",
  requestsMemory: "64Gi",
  limitsMemory: "128Gi",
};

const STANDARD_LABELS = {
  "app.kubernetes.io/name": "gpu-tenancy",
  "app.kubernetes.io/instance": "team-a",
  "app.kubernetes.io/component": "guardrails",
  "app.kubernetes.io/part-of": "k8s-ml-patterns",
  "app.kubernetes.io/managed-by": "pulumi",
};

const T = {
  namespace: "kubernetes:core/v1:Namespace",
  quota: "kubernetes:core/v1:ResourceQuota",
  limitRange: "kubernetes:core/v1:LimitRange",
  policy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  sa: "kubernetes:core/v1:ServiceAccount",
  role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
  binding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
};

function settingsFor(args: Partial<GpuTenancyArgs> = {}): ReturnType<typeof withGpuTenancyDefaults> {
  return withGpuTenancyDefaults("team-a", { ...BASE, ...args } as Parameters<
    typeof withGpuTenancyDefaults
  >[1]);
}

/** Asserts that constructing GpuTenancy throws exactly this one problem, and registers nothing. */
async function assertRejected(args: GpuTenancyArgs, problem: string, name = "team-a"): Promise<void> {
  resetRegistrations();
  assert.throws(
    () => new GpuTenancy(name, args),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.equal(error.message, `GpuTenancy ${JSON.stringify(name)}: invalid arguments: ${problem}`);
      return true;
    },
  );
  assert.deepEqual(await registrations(), []);
}

describe("Kubernetes quantities", () => {
  it("accepts the quantity grammar and rejects the rest", () => {
    for (const ok of ["0", "4", "500m", "1.5", ".5", "16Gi", "2e3", "1E", "100k", "10n", "+1", "-1"]) {
      assert.ok(isQuantity(ok), ok);
    }
    for (const bad of ["", "Gi", "1GB", "1g", "1e", "1 Gi", "1.2.3", "--1", "1KiB", 4]) {
      assert.ok(!isQuantity(bad), String(bad));
    }
  });

  it("parses quantities to bytes or cores", () => {
    assert.equal(parseQuantity("500m"), 0.5);
    assert.equal(parseQuantity("16Gi"), 16 * 2 ** 30);
    assert.equal(parseQuantity("1.5"), 1.5);
    assert.equal(parseQuantity("2e3"), 2000);
    assert.equal(parseQuantity("1E3"), 1000);
    assert.equal(parseQuantity("1E"), 1e18);
    assert.equal(parseQuantity("128M"), 128e6);
    assert.equal(parseQuantity("-2"), -2);
    assert.ok((parseQuantity("1Gi") ?? 0) > (parseQuantity("1G") ?? 0));
    assert.equal(parseQuantity("1GB"), undefined);
  });
});

describe("CIDR check", () => {
  it("accepts canonical IPv4 and IPv6 networks only", () => {
    for (const ok of [
      "10.0.0.0/8",
      "0.0.0.0/0",
      "192.168.1.0/24",
      "203.0.113.7/32",
      "2001:db8::/32",
      "::/0",
      "fd00::/8",
    ]) {
      assert.ok(isCanonicalCidr(ok), ok);
    }
    const bad = [
      "10.0.0.1/8",
      "10.0.0.0",
      "010.0.0.0/8",
      "256.0.0.0/8",
      "10.0.0.0/33",
      "10.0.0.0/08",
      "2001:db8::1/32",
      "1:2:3:4:5:6:7:8:9/64",
      "1::2::/64",
      "::/129",
      "",
      "a.b.c.d/8",
    ];
    for (const cidr of bad) assert.ok(!isCanonicalCidr(cidr), cidr);
  });
});

describe("GpuTenancy specs", () => {
  it("labels the namespace for the restricted Pod Security Standard", () => {
    assert.deepEqual(namespaceMetadata("team-a", settingsFor()), {
      name: "ml-prod",
      labels: {
        ...STANDARD_LABELS,
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": "latest",
      },
    });
    assert.equal(settingsFor({ namespace: undefined }).namespace, "team-a");
  });

  it("caps GPUs, CPU and memory from the arguments", () => {
    assert.deepEqual(resourceQuotaSpec("team-a", settingsFor()), {
      metadata: { name: "team-a-quota", labels: STANDARD_LABELS },
      spec: {
        hard: {
          "requests.nvidia.com/gpu": "8",
          "requests.cpu": "32",
          "limits.cpu": "64",
          "requests.memory": "64Gi",
          "limits.memory": "128Gi",
        },
      },
    });
    const counted = resourceQuotaSpec("team-a", settingsFor({ gpuQuota: 4, maxPods: 50, maxJobs: 20 }));
    assert.deepEqual(counted.spec.hard, {
      "requests.nvidia.com/gpu": "4",
      "requests.cpu": "32",
      "limits.cpu": "64",
      "requests.memory": "64Gi",
      "limits.memory": "128Gi",
      pods: "50",
      "count/jobs.batch": "20",
    });
  });

  it("defaults container CPU and memory, keeps GPU-less containers at 0 GPUs and caps GPUs per container", () => {
    assert.deepEqual(limitRangeSpec("team-a", settingsFor()), {
      metadata: { name: "team-a-limits", labels: STANDARD_LABELS },
      spec: {
        limits: [
          {
            type: "Container",
            defaultRequest: { cpu: "100m", memory: "256Mi", "nvidia.com/gpu": "0" },
            default: { cpu: "1", memory: "512Mi", "nvidia.com/gpu": "0" },
            max: { "nvidia.com/gpu": "8" },
          },
        ],
      },
    });
    const custom = limitRangeSpec(
      "team-a",
      settingsFor({
        maxGpusPerContainer: 2,
        defaultCpuRequest: "250m",
        defaultCpuLimit: "2",
        defaultMemoryRequest: "1Gi",
        defaultMemoryLimit: "1Gi",
      }),
    );
    assert.deepEqual(custom.spec.limits, [
      {
        type: "Container",
        defaultRequest: { cpu: "250m", memory: "1Gi", "nvidia.com/gpu": "0" },
        default: { cpu: "2", memory: "1Gi", "nvidia.com/gpu": "0" },
        max: { "nvidia.com/gpu": "2" },
      },
    ]);
  });

  it("caps shared and MIG GPUs by their own requests keys when given", () => {
    const hard = resourceQuotaSpec(
      "team-a",
      settingsFor({ sharedGpuQuota: 16, migQuotas: { "1g.10gb": 7, "3g.40gb": 2 } }),
    ).spec.hard as Record<string, string>;
    assert.equal(hard["requests.nvidia.com/gpu.shared"], "16");
    assert.equal(hard["requests.nvidia.com/mig-1g.10gb"], "7");
    assert.equal(hard["requests.nvidia.com/mig-3g.40gb"], "2");
    assert.equal(hard["limits.nvidia.com/gpu.shared"], undefined);
  });

  it("caps CPU by requests only and imposes no CPU limit when limitsCpu is unset", () => {
    const settings = settingsFor({ limitsCpu: undefined });
    assert.deepEqual(resourceQuotaSpec("team-a", settings).spec.hard, {
      "requests.nvidia.com/gpu": "8",
      "requests.cpu": "32",
      "requests.memory": "64Gi",
      "limits.memory": "128Gi",
    });
    assert.deepEqual(limitRangeSpec("team-a", settings).spec.limits, [
      {
        type: "Container",
        defaultRequest: { cpu: "100m", memory: "256Mi", "nvidia.com/gpu": "0" },
        default: { memory: "512Mi", "nvidia.com/gpu": "0" },
        max: { "nvidia.com/gpu": "8" },
      },
    ]);
    // An explicit default CPU limit still applies without a namespace CPU-limit cap.
    const explicit = limitRangeSpec("team-a", settingsFor({ limitsCpu: undefined, defaultCpuLimit: "8" }));
    assert.deepEqual(explicit.spec.limits, [
      {
        type: "Container",
        defaultRequest: { cpu: "100m", memory: "256Mi", "nvidia.com/gpu": "0" },
        default: { cpu: "8", memory: "512Mi", "nvidia.com/gpu": "0" },
        max: { "nvidia.com/gpu": "8" },
      },
    ]);
  });

  describe("network policies", () => {
    const byKey = (args: Partial<GpuTenancyArgs> = {}) =>
      new Map(networkPolicySpecs("team-a", networkPolicyOptions(args)).map((p) => [p.key, p]));

    it("creates default-deny, DNS, model-server and gateway policies by default", () => {
      const policies = byKey();
      assert.deepEqual(
        [...policies.keys()],
        ["default-deny", "allow-dns", "model-server-ingress", "gateway-egress"],
      );
      for (const [key, policy] of policies) {
        assert.deepEqual(policy.metadata, { name: `team-a-${key}`, labels: STANDARD_LABELS });
      }
    });

    it("denies all ingress and egress of every pod", () => {
      assert.deepEqual(byKey().get("default-deny")?.spec, {
        podSelector: {},
        policyTypes: ["Ingress", "Egress"],
      });
    });

    it("allows DNS to kube-dns in kube-system over UDP and TCP 53", () => {
      assert.deepEqual(byKey().get("allow-dns")?.spec, {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
              },
            ],
            ports: [
              { protocol: "UDP", port: 53 },
              { protocol: "TCP", port: 53 },
            ],
          },
        ],
      });
    });

    it("admits into model servers only the gateway on http and the monitoring namespace on metrics", () => {
      assert.deepEqual(byKey().get("model-server-ingress")?.spec, {
        podSelector: { matchLabels: { "app.kubernetes.io/component": "model-server" } },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [{ podSelector: { matchLabels: { app: "api-gateway" } } }],
            ports: [{ protocol: "TCP", port: "http" }],
          },
          {
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
            ports: [{ protocol: "TCP", port: "metrics" }],
          },
        ],
      });
      assert.deepEqual(byKey().get("gateway-egress")?.spec, {
        podSelector: { matchLabels: { app: "api-gateway" } },
        policyTypes: ["Egress"],
        egress: [
          {
            to: [{ podSelector: { matchLabels: { "app.kubernetes.io/component": "model-server" } } }],
            ports: [{ protocol: "TCP", port: "http" }],
          },
        ],
      });
    });

    it("selects exactly model-server pods with the model-server allow rule", () => {
      const selector = byKey().get("model-server-ingress")?.spec.podSelector as {
        matchLabels: Record<string, string>;
        matchExpressions?: unknown;
      };
      const selects = (labels: Record<string, string>): boolean =>
        Object.entries(selector.matchLabels).every(([k, v]) => labels[k] === v);
      assert.equal(selector.matchExpressions, undefined);
      assert.ok(
        selects({ "app.kubernetes.io/component": "model-server", "app.kubernetes.io/name": "llama" }),
      );
      for (const role of ["trainer", "batch-inference", "workflow"]) {
        assert.ok(!selects({ "app.kubernetes.io/component": role }), role);
      }
      assert.ok(!selects({ app: "api-gateway" }));
    });

    it("opens object-storage egress to training and batch pods, a proxy to all three, and NodeLocal DNS", () => {
      const proxy = {
        namespaceLabels: { "kubernetes.io/metadata.name": "egress-proxy" },
        podLabels: { "app.kubernetes.io/name": "egress-proxy" },
        port: 3128,
      };
      const policies = byKey({
        objectStorageEgressCidrs: ["10.40.8.0/24"],
        objectStorageEgressPorts: [443, 9000],
        egressProxy: proxy,
        nodeLocalDnsCidrs: ["169.254.20.10/32"],
      });
      const proxyRule = {
        to: [
          {
            namespaceSelector: { matchLabels: proxy.namespaceLabels },
            podSelector: { matchLabels: proxy.podLabels },
          },
        ],
        ports: [{ protocol: "TCP", port: 3128 }],
      };
      assert.deepEqual(policies.get("object-storage-egress")?.spec, {
        podSelector: {
          matchExpressions: [
            { key: "app.kubernetes.io/component", operator: "In", values: ["trainer", "batch-inference"] },
          ],
        },
        policyTypes: ["Egress"],
        egress: [
          {
            to: [{ ipBlock: { cidr: "10.40.8.0/24" } }],
            ports: [
              { protocol: "TCP", port: 443 },
              { protocol: "TCP", port: 9000 },
            ],
          },
          proxyRule,
        ],
      });
      // No model-source CIDRs: model servers reach the proxy only.
      assert.deepEqual(policies.get("model-source-egress")?.spec.egress, [proxyRule]);
      const dnsRules = (policy: unknown): { to: unknown[] }[] =>
        (policy as { spec: { egress: { to: unknown[] }[] } }).spec.egress;
      assert.deepEqual(dnsRules(policies.get("allow-dns"))[0]?.to.at(-1), {
        ipBlock: { cidr: "169.254.20.10/32" },
      });
      // Without any of them, nothing but DNS leaves the namespace.
      const none = byKey({});
      assert.ok(!none.has("object-storage-egress") && !none.has("model-source-egress"));
      assert.equal(dnsRules(none.get("allow-dns"))[0]?.to.length, 1);
    });

    it("opens HTTPS egress to model sources and API-server egress only when CIDRs are given", () => {
      const policies = byKey({
        modelSourceEgressCidrs: ["10.20.0.0/16", "2001:db8::/48"],
        apiServerEgressCidrs: ["172.16.0.10/32"],
      });
      assert.deepEqual(
        [...policies.keys()],
        [
          "default-deny",
          "allow-dns",
          "model-server-ingress",
          "gateway-egress",
          "model-source-egress",
          "api-server-egress",
        ],
      );
      assert.deepEqual(policies.get("model-source-egress")?.spec, {
        podSelector: { matchLabels: { "app.kubernetes.io/component": "model-server" } },
        policyTypes: ["Egress"],
        egress: [
          {
            to: [{ ipBlock: { cidr: "10.20.0.0/16" } }, { ipBlock: { cidr: "2001:db8::/48" } }],
            ports: [{ protocol: "TCP", port: 443 }],
          },
        ],
      });
      assert.deepEqual(policies.get("api-server-egress")?.spec, {
        podSelector: { matchLabels: { "app.kubernetes.io/component": "workflow" } },
        policyTypes: ["Egress"],
        egress: [
          {
            to: [{ ipBlock: { cidr: "172.16.0.10/32" } }],
            ports: [
              { protocol: "TCP", port: 443 },
              { protocol: "TCP", port: 6443 },
            ],
          },
        ],
      });
    });
  });

  it("grants the workflow runner exactly read on mlworkflows and write on their status", () => {
    const rbac = workflowRunnerRbac("team-a", "ml-prod");
    const labels = { ...STANDARD_LABELS, "app.kubernetes.io/component": "workflow" };
    const metadata = { name: "workflow-runner", namespace: "ml-prod", labels };
    assert.deepEqual(rbac.serviceAccount, { metadata, automountServiceAccountToken: false });
    assert.deepEqual(rbac.role, {
      metadata,
      rules: [
        { apiGroups: ["ai.example.com"], resources: ["mlworkflows"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["ai.example.com"], resources: ["mlworkflows/status"], verbs: ["update", "patch"] },
      ],
    });
    assert.deepEqual(rbac.roleBinding, {
      metadata,
      subjects: [{ kind: "ServiceAccount", name: "workflow-runner", namespace: "ml-prod" }],
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "workflow-runner" },
    });
  });
});

describe("GpuTenancy component", () => {
  before(() => useMocks());
  beforeEach(resetRegistrations);

  it("creates the namespace, quota, limits, policies and workflow-runner RBAC", async () => {
    const tenancy = new GpuTenancy("team-a", BASE);
    const all = await registrations();
    const expected = [
      "k8sml:index:GpuTenancy:team-a",
      `${T.namespace}:team-a-ns`,
      `${T.quota}:team-a-quota`,
      `${T.limitRange}:team-a-limits`,
      `${T.policy}:team-a-default-deny`,
      `${T.policy}:team-a-allow-dns`,
      `${T.policy}:team-a-model-server-ingress`,
      `${T.policy}:team-a-gateway-egress`,
      `${T.sa}:team-a-workflow-runner-sa`,
      `${T.role}:team-a-workflow-runner-role`,
      `${T.binding}:team-a-workflow-runner-binding`,
    ];
    assert.deepEqual(all.map((r) => `${r.type}:${r.name}`).sort(), expected.sort());

    const ns = findResource(all, T.namespace, "team-a-ns").inputs as {
      metadata: { name: string; labels: object };
    };
    assert.equal(ns.metadata.name, "ml-prod");
    assert.equal(
      (ns.metadata.labels as Record<string, string>)["pod-security.kubernetes.io/enforce"],
      "restricted",
    );

    const quota = findResource(all, T.quota, "team-a-quota").inputs as {
      metadata: { name: string; namespace: string };
      spec: { hard: Record<string, string> };
    };
    assert.equal(quota.metadata.namespace, "ml-prod");
    assert.equal(quota.spec.hard["requests.nvidia.com/gpu"], "8");
    assert.equal(quota.spec.hard["limits.memory"], "128Gi");

    for (const resource of all.filter((r) => r.type !== T.namespace && r.type.startsWith("kubernetes:"))) {
      const metadata = (resource.inputs as { metadata: { namespace?: string } }).metadata;
      assert.equal(metadata.namespace, "ml-prod", resource.name);
    }
    const sa = findResource(all, T.sa, "team-a-workflow-runner-sa").inputs;
    assert.equal(sa.automountServiceAccountToken, false);
    const binding = findResource(all, T.binding, "team-a-workflow-runner-binding").inputs as {
      subjects: { name: string; namespace: string }[];
    };
    assert.deepEqual(binding.subjects, [
      { kind: "ServiceAccount", name: "workflow-runner", namespace: "ml-prod" },
    ]);

    assert.equal(await valueOf(tenancy.namespaceName), "ml-prod");
    assert.equal(await valueOf(tenancy.quotaName), "team-a-quota");
    assert.equal(await valueOf(tenancy.gpuQuota), 8);
    assert.ok(tenancy.workflowRunnerServiceAccountName !== undefined);
    assert.equal(await valueOf(tenancy.workflowRunnerServiceAccountName), "workflow-runner");
    assert.deepEqual(await valueOf(tenancy.serviceAccountNames), ["workflow-runner"]);
  });

  it("makes namespaceName depend on the Namespace resource", async () => {
    const tenancy = new GpuTenancy("team-a", BASE);
    const dependencies = await (
      tenancy.namespaceName as unknown as { allResources(): Promise<Set<unknown>> }
    ).allResources();
    assert.ok(dependencies.has(tenancy.namespace));
  });

  it("leaves out the optional pieces when asked, and adds the egress policies for given CIDRs", async () => {
    const tenancy = new GpuTenancy("team-b", {
      ...BASE,
      namespace: undefined,
      createWorkflowRunner: false,
      modelSourceEgressCidrs: ["10.20.0.0/16"],
    });
    const all = await registrations();
    assert.deepEqual(
      all
        .filter((r) => r.type === T.policy)
        .map((r) => r.name)
        .sort(),
      [
        "team-b-default-deny",
        "team-b-allow-dns",
        "team-b-model-server-ingress",
        "team-b-gateway-egress",
        "team-b-model-source-egress",
      ].sort(),
    );
    assert.equal(all.filter((r) => [T.sa, T.role, T.binding].includes(r.type)).length, 0);
    assert.equal(tenancy.workflowRunnerServiceAccountName, undefined);
    assert.deepEqual(await valueOf(tenancy.serviceAccountNames), []);
    assert.equal(await valueOf(tenancy.namespaceName), "team-b");
  });

  it("accepts Outputs and validates them once resolved", async () => {
    const tenancy = new GpuTenancy("team-c", {
      ...BASE,
      gpuQuota: pulumi.output(2),
      limitsCpu: pulumi.output("48"),
    });
    const all = await registrations();
    const quota = findResource(all, T.quota, "team-c-quota").inputs as {
      spec: { hard: Record<string, string> };
    };
    assert.equal(quota.spec.hard["requests.nvidia.com/gpu"], "2");
    assert.equal(quota.spec.hard["limits.cpu"], "48");
    assert.equal(await valueOf(tenancy.gpuQuota), 2);
  });

  describe("rejects invalid arguments before registering anything", () => {
    const dns =
      "a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)";
    const quantity = 'a Kubernetes quantity of zero or more, such as "500m", "4" or "16Gi"';
    const cidr = 'an IPv4 or IPv6 CIDR with no host bits set, such as "10.0.0.0/16"';
    const cases: [string, GpuTenancyArgs, string, string?][] = [
      ["a bad component name", BASE, `name must be ${dns}; got "Team_A"`, "Team_A"],
      ["a bad namespace", { ...BASE, namespace: "ML" }, `namespace must be ${dns}; got "ML"`],
      ["negative GPUs", { ...BASE, gpuQuota: -1 }, "gpuQuota must be a whole number at least 0; got -1"],
      ["fractional GPUs", { ...BASE, gpuQuota: 1.5 }, "gpuQuota must be a whole number at least 0; got 1.5"],
      [
        "a fractional per-container GPU cap",
        { ...BASE, maxGpusPerContainer: 0.5 },
        "maxGpusPerContainer must be a whole number at least 0; got 0.5",
      ],
      [
        "a per-container GPU cap above the quota",
        { ...BASE, maxGpusPerContainer: 9 },
        "maxGpusPerContainer must be at most gpuQuota (8); got 9",
      ],
      ["zero pods", { ...BASE, maxPods: 0 }, "maxPods must be a whole number at least 1; got 0"],
      ["fractional jobs", { ...BASE, maxJobs: 2.5 }, "maxJobs must be a whole number at least 1; got 2.5"],
      [
        "a malformed CPU quantity",
        { ...BASE, requestsCpu: "32 cores" },
        `requestsCpu must be ${quantity}; got "32 cores"`,
      ],
      ["a negative CPU limit", { ...BASE, limitsCpu: "-1" }, `limitsCpu must be ${quantity}; got "-1"`],
      [
        "a malformed memory quantity",
        { ...BASE, requestsMemory: "64GB" },
        `requestsMemory must be ${quantity}; got "64GB"`,
      ],
      ["a malformed memory limit", { ...BASE, limitsMemory: "" }, `limitsMemory must be ${quantity}; got ""`],
      [
        "a malformed default CPU request",
        { ...BASE, defaultCpuRequest: "1c" },
        `defaultCpuRequest must be ${quantity}; got "1c"`,
      ],
      [
        "a malformed default CPU limit",
        { ...BASE, defaultCpuLimit: "x" },
        `defaultCpuLimit must be ${quantity}; got "x"`,
      ],
      [
        "a malformed default memory request",
        { ...BASE, defaultMemoryRequest: "1 Gi" },
        `defaultMemoryRequest must be ${quantity}; got "1 Gi"`,
      ],
      [
        "a malformed default memory limit",
        { ...BASE, defaultMemoryLimit: "1gi" },
        `defaultMemoryLimit must be ${quantity}; got "1gi"`,
      ],
      [
        "CPU requests above CPU limits",
        { ...BASE, requestsCpu: "65" },
        'requestsCpu must be at most limitsCpu ("64"); got "65"',
      ],
      [
        "memory requests above memory limits",
        { ...BASE, requestsMemory: "129Gi" },
        'requestsMemory must be at most limitsMemory ("128Gi"); got "129Gi"',
      ],
      [
        "a default CPU request above the default limit",
        { ...BASE, defaultCpuRequest: "1500m" },
        'defaultCpuRequest must be at most defaultCpuLimit ("1"); got "1500m"',
      ],
      [
        "a default memory request above the default limit",
        { ...BASE, defaultMemoryRequest: "1Gi" },
        'defaultMemoryRequest must be at most defaultMemoryLimit ("512Mi"); got "1Gi"',
      ],
      [
        "a default CPU limit above the namespace's CPU limit",
        { ...BASE, requestsCpu: "100m", limitsCpu: "500m" },
        'defaultCpuLimit must be at most limitsCpu ("500m"); got "1"',
      ],
      [
        "a default memory limit above the namespace's memory limit",
        { ...BASE, requestsMemory: "256Mi", limitsMemory: "256Mi" },
        'defaultMemoryLimit must be at most limitsMemory ("256Mi"); got "512Mi"',
      ],
      [
        "a model-source CIDR with host bits",
        { ...BASE, modelSourceEgressCidrs: ["10.0.0.0/8", "10.1.2.3/16"] },
        `modelSourceEgressCidrs[1] must be ${cidr}; got "10.1.2.3/16"`,
      ],
      [
        "a MIG quota keyed by something that is not a profile",
        { ...BASE, migQuotas: { large: 2 } },
        'migQuotas.large must be keyed by a MIG profile such as "1g.10gb"; got 2',
      ],
      [
        "a negative shared-GPU quota",
        { ...BASE, sharedGpuQuota: -1 },
        "sharedGpuQuota must be a whole number at least 0; got -1",
      ],
      [
        "an object-storage port out of range",
        { ...BASE, objectStorageEgressPorts: [443, 0] },
        "objectStorageEgressPorts[1] must be a TCP port number (1-65535); got 0",
      ],
      [
        "an empty model-source port list",
        { ...BASE, modelSourceEgressPorts: [] },
        "modelSourceEgressPorts must be a non-empty list of TCP port numbers (1-65535); got []",
      ],
      [
        "a proxy without pod labels",
        { ...BASE, egressProxy: { namespaceLabels: { team: "net" }, podLabels: {}, port: 3128 } },
        "egressProxy.podLabels must be a non-empty map of Kubernetes label keys to label values (the proxy is selected by labels); got {}",
      ],
      [
        "a proxy port out of range",
        {
          ...BASE,
          egressProxy: { namespaceLabels: { team: "net" }, podLabels: { app: "squid" }, port: 99999 },
        },
        "egressProxy.port must be a TCP port number (1-65535); got 99999",
      ],
      [
        "a NodeLocal DNS address without a prefix",
        { ...BASE, nodeLocalDnsCidrs: ["169.254.20.10"] },
        `nodeLocalDnsCidrs[0] must be ${cidr}; got "169.254.20.10"`,
      ],
      [
        "an API-server address without a prefix",
        { ...BASE, apiServerEgressCidrs: ["172.16.0.10"] },
        `apiServerEgressCidrs[0] must be ${cidr}; got "172.16.0.10"`,
      ],
    ];
    for (const [what, args, problem, name] of cases) {
      it(what, () => assertRejected(args, problem, name));
    }

    it("reports every problem at once", () => {
      assert.throws(
        () => new GpuTenancy("team-a", { ...BASE, gpuQuota: -1, requestsCpu: "lots" }),
        (error: unknown) =>
          error instanceof ValidationError &&
          error.message ===
            'GpuTenancy "team-a": invalid arguments:\n' +
              "  - gpuQuota must be a whole number at least 0; got -1\n" +
              `  - requestsCpu must be ${quantity}; got "lots"`,
      );
    });

    it("fails the resources when an Output argument turns out invalid", async () => {
      const tenancy = new GpuTenancy("team-d", { ...BASE, gpuQuota: pulumi.output(-2) });
      const internal = tenancy.gpuQuota as unknown as { promise(): Promise<unknown> };
      await assert.rejects(internal.promise(), /gpuQuota must be a whole number at least 0; got -2/);
    });
  });
});
