// Generated stacks for benchmarking the policy pack (importable: issue 7 reuses it).
//
// generatePolicyStack({ workloads: N }) returns N pod-template workloads spread round-robin over a
// fixed number of namespaces, with what the components create around them: per namespace a
// Namespace, a default-deny NetworkPolicy, a model-server allow policy, DNS egress and a GPU
// ResourceQuota sized to fit; per model server a Service, an autoscaler (HPA, or a KEDA
// ScaledObject for every third) and its own allow NetworkPolicy. The mix per 10 workloads: 6 model
// servers (Deployments with a native model-loader sidecar), 2 training StatefulSets, 1 batch Job,
// 1 CronJob. Every resource passes the pack with the prod config.

import type { PackResource } from "../policy/lib/resource";

type Obj = Record<string, unknown>;

export interface PolicyStackOptions {
  workloads: number;
  /** Namespaces to spread the workloads over (default 8, so namespaces grow with the stack). */
  namespaces?: number;
}

export interface PolicyStack {
  resources: PackResource[];
  counts: Record<string, number>;
}

function resource(apiVersion: string, kind: string, metadata: Obj, body: Obj): PackResource {
  const gv = apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`;
  const type = `kubernetes:${gv}:${kind}`;
  const name = metadata.name as string;
  const ns = typeof metadata.namespace === "string" ? metadata.namespace : "";
  return {
    type,
    name,
    urn: `urn:pulumi:bench::k8s-ml-patterns::${type}::${ns}/${name}`,
    props: { apiVersion, kind, metadata, ...body },
  };
}

function labels(name: string, component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/instance": name,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": "k8s-ml-patterns",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

const PROBE = { httpGet: { path: "/health", port: "http" }, periodSeconds: 10 };
const CONTAINER_SC = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
};

function container(name: string, gpus: number, serving: boolean): Obj {
  const requests: Obj = { cpu: "2", memory: "16Gi" };
  const limits: Obj = { cpu: "4", memory: "32Gi" };
  if (gpus > 0) {
    requests["nvidia.com/gpu"] = String(gpus);
    limits["nvidia.com/gpu"] = String(gpus);
  }
  const c: Obj = {
    name,
    image: "vllm/vllm-openai:v0.6.3",
    resources: { requests, limits },
    securityContext: CONTAINER_SC,
  };
  if (serving) {
    c.ports = [
      { name: "http", containerPort: 8000 },
      { name: "metrics", containerPort: 9090 },
    ];
    c.startupProbe = { ...PROBE, failureThreshold: 60 };
    c.readinessProbe = PROBE;
    c.livenessProbe = PROBE;
  }
  return c;
}

function podSpec(gpus: number, serving: boolean, extra: Obj = {}): Obj {
  const spec: Obj = {
    containers: [container("server", gpus, serving)],
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
    automountServiceAccountToken: false,
    ...extra,
  };
  if (serving) {
    spec.initContainers = [
      {
        ...container("model-loader", 0, false),
        image: "busybox:1.36.1",
        restartPolicy: "Always",
        startupProbe: { exec: { command: ["test", "-f", "/models/ready"] } },
      },
    ];
  }
  if (gpus > 0) {
    spec.tolerations = [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }];
    spec.affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            {
              matchExpressions: [
                { key: "nvidia.com/gpu.product", operator: "In", values: ["NVIDIA-H100-80GB-HBM3"] },
              ],
            },
          ],
        },
      },
    };
  }
  return spec;
}

function namespacePolicies(ns: string): PackResource[] {
  const np = (name: string, spec: Obj): PackResource =>
    resource("networking.k8s.io/v1", "NetworkPolicy", { name, namespace: ns }, { spec });
  return [
    np("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
    np("allow-model-servers", {
      podSelector: { matchLabels: { "app.kubernetes.io/component": "model-server" } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: { app: "api-gateway" } } }],
          ports: [{ port: "http", protocol: "TCP" }],
        },
        {
          from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
          ports: [{ port: "metrics", protocol: "TCP" }],
        },
      ],
    }),
    np("allow-dns", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }],
          ports: [
            { port: 53, protocol: "UDP" },
            { port: 53, protocol: "TCP" },
          ],
        },
      ],
    }),
  ];
}

export function generatePolicyStack(options: PolicyStackOptions): PolicyStack {
  const nsCount = Math.max(1, options.namespaces ?? 8);
  const namespaces = Array.from({ length: nsCount }, (_, i) => `bench-${i}`);
  const gpuDemand = new Map<string, number>(namespaces.map((n) => [n, 0]));
  const out: PackResource[] = [];
  const counts: Record<string, number> = {};
  const add = (r: PackResource): void => {
    out.push(r);
    const kind = r.type.slice(r.type.lastIndexOf(":") + 1);
    counts[kind] = (counts[kind] ?? 0) + 1;
  };
  for (const ns of namespaces) {
    add(
      resource(
        "v1",
        "Namespace",
        { name: ns, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
        {},
      ),
    );
    namespacePolicies(ns).forEach(add);
  }
  for (let i = 0; i < options.workloads; i++) {
    const ns = namespaces[i % nsCount] ?? "bench-0";
    const slot = i % 10;
    const meta = (name: string, component: string): Obj => ({
      name,
      namespace: ns,
      labels: labels(name, component),
    });
    const template = (name: string, component: string, spec: Obj): Obj => ({
      metadata: { labels: labels(name, component) },
      spec,
    });
    if (slot < 6) {
      const name = `llm-${i}`;
      const l = labels(name, "model-server");
      const max = 4;
      add(
        resource("apps/v1", "Deployment", meta(name, "model-server"), {
          spec: {
            replicas: 2,
            selector: { matchLabels: l },
            template: template(name, "model-server", podSpec(1, true)),
          },
        }),
      );
      add(
        resource(
          "v1",
          "Service",
          { name, namespace: ns, labels: l },
          {
            spec: {
              type: "ClusterIP",
              selector: { "app.kubernetes.io/instance": name },
              ports: [{ name: "http", port: 80, targetPort: "http" }],
            },
          },
        ),
      );
      add(
        resource(
          "networking.k8s.io/v1",
          "NetworkPolicy",
          { name: `${name}-ingress`, namespace: ns },
          {
            spec: {
              podSelector: { matchLabels: { "app.kubernetes.io/instance": name } },
              policyTypes: ["Ingress"],
              ingress: [
                {
                  from: [{ podSelector: { matchLabels: { app: "api-gateway" } } }],
                  ports: [{ port: "http" }],
                },
              ],
            },
          },
        ),
      );
      if (i % 3 === 0) {
        add(
          resource(
            "keda.sh/v1alpha1",
            "ScaledObject",
            { name, namespace: ns },
            {
              spec: { scaleTargetRef: { name }, minReplicaCount: 2, maxReplicaCount: max },
            },
          ),
        );
      } else {
        add(
          resource(
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            { name, namespace: ns },
            {
              spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
                minReplicas: 2,
                maxReplicas: max,
              },
            },
          ),
        );
      }
      gpuDemand.set(ns, (gpuDemand.get(ns) ?? 0) + max);
    } else if (slot < 8) {
      const name = `train-${i}`;
      add(
        resource("apps/v1", "StatefulSet", meta(name, "trainer"), {
          spec: {
            replicas: 2,
            serviceName: name,
            selector: { matchLabels: labels(name, "trainer") },
            template: template(name, "trainer", podSpec(1, false)),
          },
        }),
      );
      gpuDemand.set(ns, (gpuDemand.get(ns) ?? 0) + 2);
    } else if (slot === 8) {
      const name = `batch-${i}`;
      add(
        resource("batch/v1", "Job", meta(name, "batch"), {
          spec: {
            parallelism: 2,
            completions: 4,
            completionMode: "Indexed",
            template: template(name, "batch", podSpec(1, false, { restartPolicy: "Never" })),
          },
        }),
      );
      gpuDemand.set(ns, (gpuDemand.get(ns) ?? 0) + 2);
    } else {
      const name = `report-${i}`;
      add(
        resource("batch/v1", "CronJob", meta(name, "batch"), {
          spec: {
            schedule: "0 * * * *",
            jobTemplate: {
              spec: { template: template(name, "batch", podSpec(0, false, { restartPolicy: "Never" })) },
            },
          },
        }),
      );
    }
  }
  for (const ns of namespaces) {
    const gpus = String(gpuDemand.get(ns) ?? 0);
    add(
      resource(
        "v1",
        "ResourceQuota",
        { name: "gpu-quota", namespace: ns },
        {
          spec: { hard: { "requests.nvidia.com/gpu": gpus, "limits.nvidia.com/gpu": gpus } },
        },
      ),
    );
  }
  return { resources: out, counts };
}
