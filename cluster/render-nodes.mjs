#!/usr/bin/env node
// Renders cluster/nodes.yaml into a Kubernetes List of Node objects (JSON on stdout),
// for scripts/cluster.sh to apply. The status part (capacity, allocatable, addresses,
// node info) is applied through the status subresource; KWOK's node stages then add
// the conditions and keep them fresh.
//
//   node cluster/render-nodes.mjs <nodes.yaml> --kubelet-version v1.36.5 \
//       --node-ip 127.0.0.1 --kubelet-port 10250
import { readFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { parse } from "yaml";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    "kubelet-version": { type: "string", default: "v0.0.0" },
    "node-ip": { type: "string", default: "127.0.0.1" },
    "kubelet-port": { type: "string", default: "10250" },
  },
});
const file = positionals[0];
if (!file)
  fail("usage: render-nodes.mjs <nodes.yaml> [--kubelet-version v] [--node-ip ip] [--kubelet-port n]");

const MANAGED_LABEL = "k8s-ml-patterns/simulated";

function fail(message) {
  process.stderr.write(`render-nodes: ${message}\n`);
  process.exit(1);
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function quantity(where, v) {
  if (typeof v === "number" && Number.isFinite(v) && v >= 0) return String(v);
  if (typeof v === "string" && /^[0-9.]+([numkMGTPE]|[KMGTPE]i)?$/.test(v)) return v;
  fail(`${where}: not a resource quantity: ${JSON.stringify(v)}`);
}

function positiveInt(where, v, { allowZero = false } = {}) {
  if (Number.isInteger(v) && (v > 0 || (allowZero && v === 0))) return v;
  fail(`${where}: expected ${allowZero ? "a non-negative" : "a positive"} integer, got ${JSON.stringify(v)}`);
}

function stringMap(where, v) {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) fail(`${where}: expected a map`);
  const out = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== "string" && typeof val !== "number" && typeof val !== "boolean") {
      fail(`${where}.${k}: expected a string`);
    }
    out[k] = String(val);
  }
  return out;
}

let config;
try {
  config = parse(readFileSync(file, "utf8"));
} catch (err) {
  fail(`${file}: ${err.message}`);
}
if (!config || typeof config !== "object" || !Array.isArray(config.pools)) {
  fail(`${file}: expected a map with a 'pools' list`);
}
const defaults = config.defaults ?? {};

const names = new Set();
const items = [];
config.pools.forEach((pool, i) => {
  const where = `pools[${i}]`;
  if (!pool || typeof pool !== "object") fail(`${where}: expected a map`);
  const poolName = pool.name;
  if (typeof poolName !== "string" || !dnsLabel.test(poolName) || poolName.length > 50) {
    fail(`${where}.name: expected a DNS label of at most 50 characters, got ${JSON.stringify(poolName)}`);
  }
  const count = positiveInt(`${where}.count`, pool.count, { allowZero: true });
  const resources = {
    cpu: quantity(`${where}.cpu`, pool.cpu ?? defaults.cpu),
    memory: quantity(`${where}.memory`, pool.memory ?? defaults.memory),
    pods: quantity(`${where}.pods`, pool.pods ?? defaults.pods ?? 110),
    "ephemeral-storage": quantity(
      `${where}.ephemeralStorage`,
      pool.ephemeralStorage ?? defaults.ephemeralStorage ?? "100Gi",
    ),
  };
  const zone = String(pool.zone ?? defaults.zone ?? "local-a");
  const labels = {
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "node.kubernetes.io/instance-type": String(pool.instanceType ?? poolName),
    "topology.kubernetes.io/region": "local",
    "topology.kubernetes.io/zone": zone,
    "k8s-ml-patterns/pool": poolName,
    [MANAGED_LABEL]: "true",
  };
  const taints = [];
  if (pool.gpu !== undefined) {
    const gpu = pool.gpu;
    const gw = `${where}.gpu`;
    if (!gpu || typeof gpu !== "object") fail(`${gw}: expected a map`);
    if (typeof gpu.product !== "string" || !labelValue.test(gpu.product) || gpu.product.length > 63) {
      fail(`${gw}.product: expected a label value such as NVIDIA-L40S, got ${JSON.stringify(gpu.product)}`);
    }
    const gpuCount = positiveInt(`${gw}.count`, gpu.count);
    const memoryMiB = positiveInt(`${gw}.memoryMiB`, gpu.memoryMiB);
    resources["nvidia.com/gpu"] = String(gpuCount);
    Object.assign(labels, {
      "nvidia.com/gpu.present": "true",
      "nvidia.com/gpu.product": gpu.product,
      "nvidia.com/gpu.count": String(gpuCount),
      "nvidia.com/gpu.memory": String(memoryMiB),
    });
    if (gpu.family !== undefined) labels["nvidia.com/gpu.family"] = String(gpu.family);
    if (gpu.computeMajor !== undefined) labels["nvidia.com/gpu.compute.major"] = String(gpu.computeMajor);
    if (gpu.computeMinor !== undefined) labels["nvidia.com/gpu.compute.minor"] = String(gpu.computeMinor);
    taints.push({ key: "nvidia.com/gpu", effect: "NoSchedule" });
  }
  Object.assign(labels, stringMap(`${where}.labels`, pool.labels));
  for (const [j, t] of (pool.taints ?? []).entries()) {
    if (
      !t ||
      typeof t.key !== "string" ||
      !["NoSchedule", "PreferNoSchedule", "NoExecute"].includes(t.effect)
    ) {
      fail(`${where}.taints[${j}]: expected {key, value?, effect: NoSchedule|PreferNoSchedule|NoExecute}`);
    }
    taints.push(
      t.value === undefined
        ? { key: t.key, effect: t.effect }
        : { key: t.key, value: String(t.value), effect: t.effect },
    );
  }

  for (let n = 0; n < count; n++) {
    const name = `${poolName}-${n}`;
    if (names.has(name)) fail(`${where}: node name ${name} is used twice`);
    names.add(name);
    items.push({
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name,
        labels: { ...labels, "kubernetes.io/hostname": name },
        // The annotation KWOK's controller selects the nodes it simulates by, and where
        // metrics-server reads the node's resource metrics on KWOK's kubelet API (the path of
        // the Metric in kwok/metrics.yaml; a real kubelet serves /metrics/resource).
        annotations: {
          "kwok.x-k8s.io/node": "fake",
          "node.alpha.kubernetes.io/ttl": "0",
          "metrics.k8s.io/resource-metrics-path": `/metrics/nodes/${name}/metrics/resource`,
        },
      },
      spec: taints.length > 0 ? { taints } : {},
      status: {
        capacity: resources,
        allocatable: resources,
        addresses: [
          { type: "InternalIP", address: values["node-ip"] },
          { type: "Hostname", address: name },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: Number(values["kubelet-port"]) } },
        nodeInfo: {
          architecture: "amd64",
          operatingSystem: "linux",
          kubeletVersion: values["kubelet-version"],
          kubeProxyVersion: "",
          containerRuntimeVersion: "kwok://simulated",
          kernelVersion: "simulated",
          osImage: "KWOK simulated node",
          machineID: "",
          systemUUID: "",
          bootID: "",
        },
      },
    });
  }
});

process.stdout.write(JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 2) + "\n");
