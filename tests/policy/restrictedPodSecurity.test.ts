import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { controlsAt, PSS_CONTROLS } from "../../policy/lib/podSecurity/index";
import { UNKNOWN } from "../../policy/lib/values";
import { restrictedPodSecurity } from "../../policy/policies/restrictedPodSecurity";
import {
  container,
  initContainer,
  mutate,
  podSpecOf,
  res,
  sidecar,
  SPEC_PATH,
  WORKLOAD_KINDS,
  workload,
  type Obj,
} from "./fixtures";
import { validateResource } from "./harness";
import { casePod, controlsNamed, PSS_CASES } from "./pssCases";

describe("restricted-pod-security", () => {
  describe("every Pod Security control, good and bad (tests/policy/pssCases.ts)", () => {
    for (const testCase of PSS_CASES) {
      it(`${testCase.name}: restricted ${JSON.stringify(testCase.restricted)}, baseline ${JSON.stringify(testCase.baseline)}`, async () => {
        const pod = res(casePod(testCase));
        const restricted = await validateResource(restrictedPodSecurity, pod);
        assert.deepEqual(controlsNamed(restricted), [...testCase.restricted].sort(), restricted.join("\n"));
        const baseline = await validateResource(restrictedPodSecurity, pod, { level: "baseline" });
        assert.deepEqual(controlsNamed(baseline), [...testCase.baseline].sort(), baseline.join("\n"));
        for (const path of testCase.paths ?? []) {
          assert.ok(
            restricted.some((message) => message.includes(`. Field: ${path}; found: `)),
            `no message names ${path}:\n${restricted.join("\n")}`,
          );
        }
        for (const message of [...restricted, ...baseline]) assert.match(message, /; allowed: [^.]+/);
      });
    }

    it("has a bad case for every control at its level, and a good case for the level", () => {
      const restricted = new Set(PSS_CASES.flatMap((testCase) => testCase.restricted));
      const baseline = new Set(PSS_CASES.flatMap((testCase) => testCase.baseline));
      for (const control of controlsAt("restricted"))
        assert.ok(restricted.has(control.id), `no restricted case for ${control.id}`);
      for (const control of controlsAt("baseline"))
        assert.ok(baseline.has(control.id), `no baseline case for ${control.id}`);
      assert.ok(
        PSS_CASES.some((testCase) => testCase.restricted.length === 0 && testCase.baseline.length === 0),
      );
    });

    it("policy/README.md lists every control with its level", () => {
      const readme = fs.readFileSync(path.join(__dirname, "..", "..", "policy", "README.md"), "utf8");
      for (const control of PSS_CONTROLS) {
        assert.match(readme, new RegExp(`\\| \`${control.id}\`\\s+\\| ${control.level}\\s+\\|`), control.id);
      }
    });

    it("applies the restricted level's overrides of baseline controls", () => {
      const restrictedIds = controlsAt("restricted").map((control) => control.id);
      for (const replaced of [
        "hostPathVolumes",
        "capabilities_baseline",
        "seccompProfile_baseline",
        "procMount",
      ])
        assert.ok(!restrictedIds.includes(replaced), replaced);
      assert.equal(restrictedIds.length, PSS_CONTROLS.length - 4);
      assert.equal(controlsAt("baseline").length, 12);
    });
  });

  for (const kind of WORKLOAD_KINDS) {
    describe(kind, () => {
      const sp = SPEC_PATH[kind];
      const ref = `${kind} ml/w`;

      it("accepts a restricted pod with restricted init containers and sidecars", async () => {
        const r = workload(kind, "w", { gpus: 1, initContainers: [initContainer(), sidecar()] });
        assert.deepEqual(await validateResource(restrictedPodSecurity, r), []);
      });

      it("names the field path, the found and the allowed values under the kind's pod template", async () => {
        const main = container();
        main.securityContext = { privileged: true, capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] } };
        const loader = sidecar();
        (loader.securityContext as Obj).runAsUser = 0;
        const r = mutate(workload(kind, "w", { containers: [main], initContainers: [loader] }), (p) => {
          const spec = podSpecOf(kind, p);
          spec.hostPID = true;
          spec.volumes = [{ name: "dev", hostPath: { path: "/dev" } }];
        });
        assert.deepEqual(await validateResource(restrictedPodSecurity, r), [
          `${ref}: the pod shares the host's PID namespace (Pod Security baseline control "hostNamespaces"). Field: ${sp}.hostPID; found: true; allowed: false or unset. Fix: remove ${sp}.hostPID (or set it to false)`,
          `${ref}, container "server": the container is privileged (Pod Security baseline control "privileged"). Field: ${sp}.containers[0].securityContext.privileged; found: true; allowed: false or unset. Fix: remove ${sp}.containers[0].securityContext.privileged (or set it to false)`,
          `${ref}: volume "dev" uses the restricted volume type hostPath (Pod Security restricted control "restrictedVolumes"). Field: ${sp}.volumes[0].hostPath; found: {"path":"/dev"}; allowed: only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret. Fix: use an emptyDir, ephemeral, a PersistentVolumeClaim, a ConfigMap/Secret/projected or a CSI volume instead`,
          `${ref}, container "server": privilege escalation is not disabled (Pod Security restricted control "allowPrivilegeEscalation"). Field: ${sp}.containers[0].securityContext.allowPrivilegeEscalation; found: not set; allowed: false. Fix: set ${sp}.containers[0].securityContext.allowPrivilegeEscalation: false (enforcement level "remediate" sets it when missing)`,
          `${ref}, sidecar container "model-loader": the container runs as UID 0 (root) (Pod Security restricted control "runAsUser"). Field: ${sp}.initContainers[0].securityContext.runAsUser; found: 0; allowed: a non-zero UID or unset. Fix: set ${sp}.initContainers[0].securityContext.runAsUser to a non-zero UID`,
          `${ref}, container "server": the container adds capabilities the level does not allow (Pod Security restricted control "capabilities_restricted"). Field: ${sp}.containers[0].securityContext.capabilities.add; found: ["SYS_ADMIN"]; allowed: unset or only "NET_BIND_SERVICE". Fix: remove "SYS_ADMIN" from ${sp}.containers[0].securityContext.capabilities.add`,
        ]);
      });
    });
  }

  it("counts the hostPort the API server defaults to the containerPort under hostNetwork", async () => {
    const r = mutate(workload("Deployment", "w"), (p) => {
      podSpecOf("Deployment", p).hostNetwork = true;
    });
    const messages = await validateResource(restrictedPodSecurity, r, { level: "baseline" });
    assert.deepEqual(messages.slice(1), [
      `Deployment ml/w, container "server": the container binds a port of the node (Pod Security baseline control "hostPorts"). Field: spec.template.spec.containers[0].ports[0].hostPort; found: not set, so 8000 (the containerPort, as hostNetwork is true); allowed: 0 or unset, without hostNetwork. Fix: remove hostNetwork (spec.template.spec.hostNetwork)`,
      `Deployment ml/w, container "server": the container binds a port of the node (Pod Security baseline control "hostPorts"). Field: spec.template.spec.containers[0].ports[1].hostPort; found: not set, so 9090 (the containerPort, as hostNetwork is true); allowed: 0 or unset, without hostNetwork. Fix: remove hostNetwork (spec.template.spec.hostNetwork)`,
    ]);
  });

  it("level baseline uses the runtime's default capability set and skips restricted-only controls", async () => {
    const c = container();
    c.securityContext = { capabilities: { add: ["NET_RAW", "CHOWN"] } };
    const r = workload("Deployment", "w", { containers: [c] });
    assert.deepEqual(await validateResource(restrictedPodSecurity, r, { level: "baseline" }), [
      `Deployment ml/w, container "server": the container adds capabilities the level does not allow (Pod Security baseline control "capabilities_baseline"). Field: spec.template.spec.containers[0].securityContext.capabilities.add; found: ["NET_RAW","CHOWN"]; allowed: unset or only "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT". Fix: remove "NET_RAW" from spec.template.spec.containers[0].securityContext.capabilities.add`,
    ]);
  });

  it("honours allowedCapabilities and allowedSeccompProfiles", async () => {
    const c = container();
    c.securityContext = {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
      seccompProfile: { type: "Unconfined" },
    };
    const r = workload("Deployment", "w", { containers: [c] });
    assert.deepEqual(controlsNamed(await validateResource(restrictedPodSecurity, r)), [
      "seccompProfile_restricted",
    ]);
    const config = {
      allowedCapabilities: [],
      allowedSeccompProfiles: ["RuntimeDefault", "Localhost", "Unconfined"],
    };
    assert.deepEqual(controlsNamed(await validateResource(restrictedPodSecurity, r, config)), [
      "capabilities_restricted",
    ]);
  });

  it("skips decisions whose values are unknown during preview", async () => {
    const c = container();
    c.securityContext = UNKNOWN;
    c.ports = [{ containerPort: 8000, hostPort: UNKNOWN }];
    const r = workload("Deployment", "w", {
      containers: [c],
      extra: {
        securityContext: UNKNOWN,
        hostNetwork: UNKNOWN,
        os: UNKNOWN,
        volumes: [{ name: "v", nfs: UNKNOWN }],
      },
    });
    assert.deepEqual(await validateResource(restrictedPodSecurity, r), []);
    const unknownUsers = mutate(workload("Pod", "w"), (p) => {
      const spec = podSpecOf("Pod", p);
      spec.hostUsers = UNKNOWN;
      (spec.securityContext as Obj).runAsUser = 0;
    });
    assert.deepEqual(await validateResource(restrictedPodSecurity, unknownUsers), []);
  });

  it("skips exempt namespaces", async () => {
    const r = mutate(workload("DaemonSet", "agent", { namespace: "gpu-operator" }), (p) => {
      podSpecOf("DaemonSet", p).hostPID = true;
    });
    assert.equal((await validateResource(restrictedPodSecurity, r)).length, 1);
    assert.deepEqual(
      await validateResource(restrictedPodSecurity, r, { exemptNamespaces: ["gpu-operator"] }),
      [],
    );
  });
});
