#!/usr/bin/env node
// Renders Kueue's webhook configurations for the local cluster (JSON on stdout), for
// scripts/cluster.sh to apply. The input is the pinned Kueue module's own
// config/components/webhook/manifests.yaml (read from the Go module cache, never copied
// into the repository). Upstream points every webhook at a Service; the local cluster has
// no Service routing, so each clientConfig becomes a URL on the loopback port the Kueue
// controller manager serves its webhooks on, with the CA that signed its certificate.
//
// Only the webhooks of Kueue's own API and of the integrations the cluster enables are
// kept (a webhook for a kind whose integration is off would answer 404 and, failing
// closed, block that kind). Pods, StatefulSets and Deployments get upstream's namespace
// selector (everything but kube-system and kueue-system).
//
//   node cluster/render-kueue-webhooks.mjs <manifests.yaml> --port 16849 --ca-file ca.crt \
//       --integration batch/job --integration statefulset --integration pod --integration deployment
import { readFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { parseAllDocuments } from "yaml";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: "string" },
    "ca-file": { type: "string" },
    integration: { type: "string", multiple: true, default: [] },
  },
});

function fail(message) {
  process.stderr.write(`render-kueue-webhooks: ${message}\n`);
  process.exit(1);
}

const file = positionals[0];
if (!file || !values.port || !values["ca-file"])
  fail("usage: render-kueue-webhooks.mjs <manifests.yaml> --port n --ca-file f [--integration name...]");
if (!/^\d+$/.test(values.port)) fail(`bad port: ${values.port}`);

/** API groups and resources each integration's webhooks act on. */
const INTEGRATION_RESOURCES = {
  "batch/job": { group: "batch", resource: "jobs" },
  statefulset: { group: "apps", resource: "statefulsets" },
  pod: { group: "", resource: "pods" },
  deployment: { group: "apps", resource: "deployments" },
};
for (const name of values.integration) {
  if (!Object.hasOwn(INTEGRATION_RESOURCES, name))
    fail(`unknown integration ${name} (known: ${Object.keys(INTEGRATION_RESOURCES).join(", ")})`);
}
const kept = values.integration.map((name) => INTEGRATION_RESOURCES[name]);
const SYSTEM_NAMESPACES = ["kube-system", "kueue-system"];

function keep(webhook) {
  return (webhook.rules ?? []).every((rule) =>
    (rule.apiGroups ?? []).every(
      (group) =>
        group === "kueue.x-k8s.io" ||
        kept.some((k) => k.group === group && (rule.resources ?? []).every((r) => r === k.resource)),
    ),
  );
}

const caBundle = readFileSync(values["ca-file"]).toString("base64");
const items = [];
for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
  if (doc.errors.length > 0) fail(`${file}: ${doc.errors[0].message}`);
  const object = doc.toJS();
  if (!object) continue;
  if (object.kind !== "MutatingWebhookConfiguration" && object.kind !== "ValidatingWebhookConfiguration")
    continue;
  const webhooks = (object.webhooks ?? []).filter(keep).map((webhook) => {
    const path = webhook.clientConfig?.service?.path;
    if (!path) fail(`${object.metadata.name}/${webhook.name}: no clientConfig.service.path`);
    const podLike = (webhook.rules ?? []).some((rule) =>
      (rule.resources ?? []).some((r) => r === "pods" || r === "statefulsets" || r === "deployments"),
    );
    return {
      ...webhook,
      clientConfig: { url: `https://127.0.0.1:${values.port}${path}`, caBundle },
      ...(podLike
        ? {
            namespaceSelector: {
              matchExpressions: [
                { key: "kubernetes.io/metadata.name", operator: "NotIn", values: SYSTEM_NAMESPACES },
              ],
            },
          }
        : {}),
    };
  });
  if (webhooks.length === 0) continue;
  items.push({
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: { name: `kueue-${object.metadata.name}`, labels: { "app.kubernetes.io/name": "kueue" } },
    webhooks,
  });
}
if (items.length !== 2)
  fail(`${file}: expected a mutating and a validating configuration, got ${items.length}`);
process.stdout.write(JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 2) + "\n");
