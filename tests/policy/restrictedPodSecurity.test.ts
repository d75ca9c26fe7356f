import { strict as assert } from "node:assert";
import { restrictedPodSecurity } from "../../policy/policies/restrictedPodSecurity";
import {
  container,
  initContainer,
  mutate,
  podSpecOf,
  sidecar,
  SPEC_PATH,
  WORKLOAD_KINDS,
  workload,
  type Obj,
} from "./fixtures";
import { validateResource } from "./harness";

describe("restricted-pod-security", () => {
  for (const kind of WORKLOAD_KINDS) {
    describe(kind, () => {
      const sp = SPEC_PATH[kind];
      const ref = `${kind} ml/w`;

      it("accepts a restricted pod with restricted init containers and sidecars", async () => {
        const r = workload(kind, "w", { gpus: 1, initContainers: [initContainer(), sidecar()] });
        assert.deepEqual(await validateResource(restrictedPodSecurity, r), []);
      });

      it("reports host namespaces, hostPath and each container's weak settings", async () => {
        const main = container();
        main.securityContext = { privileged: true, capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] } };
        const loader = sidecar();
        (loader.securityContext as Obj).runAsUser = 0;
        (loader.securityContext as Obj).seccompProfile = { type: "Unconfined" };
        const init = initContainer();
        init.securityContext = { allowPrivilegeEscalation: true, runAsNonRoot: false, capabilities: {} };
        const r = workload(kind, "w", { containers: [main], initContainers: [init, loader] });
        const pr = mutate(r, (p) => {
          const spec = podSpecOf(kind, p);
          spec.hostNetwork = true;
          spec.hostPID = true;
          spec.volumes = [{ name: "dev", hostPath: { path: "/dev" } }];
        });
        assert.deepEqual(await validateResource(restrictedPodSecurity, pr), [
          `${ref}: the pod shares the host's network namespace. Field: ${sp}.hostNetwork; found: true. Fix: remove ${sp}.hostNetwork (or set it to false)`,
          `${ref}: the pod shares the host's PID namespace. Field: ${sp}.hostPID; found: true. Fix: remove ${sp}.hostPID (or set it to false)`,
          `${ref}: hostPath volume "dev" mounts a directory of the node. Field: ${sp}.volumes[0].hostPath; found: {"path":"/dev"}. Fix: use an emptyDir, a PersistentVolumeClaim, a ConfigMap/Secret or a CSI volume instead`,
          `${ref}, container "server": the container is privileged. Field: ${sp}.containers[0].securityContext.privileged; found: true. Fix: remove ${sp}.containers[0].securityContext.privileged (or set it to false)`,
          `${ref}, container "server": privilege escalation is not disabled. Field: ${sp}.containers[0].securityContext.allowPrivilegeEscalation; found: not set. Fix: set ${sp}.containers[0].securityContext.allowPrivilegeEscalation: false (enforcement level "remediate" sets it when missing)`,
          `${ref}, container "server": the container adds capabilities beyond NET_BIND_SERVICE. Field: ${sp}.containers[0].securityContext.capabilities.add; found: ["SYS_ADMIN"]. Fix: remove "SYS_ADMIN" from ${sp}.containers[0].securityContext.capabilities.add`,
          `${ref}, init container "init": privilege escalation is not disabled. Field: ${sp}.initContainers[0].securityContext.allowPrivilegeEscalation; found: true. Fix: set ${sp}.initContainers[0].securityContext.allowPrivilegeEscalation: false`,
          `${ref}, init container "init": the container allows running as root. Field: ${sp}.initContainers[0].securityContext.runAsNonRoot; found: false. Fix: set ${sp}.initContainers[0].securityContext.runAsNonRoot: true`,
          `${ref}, init container "init": not all capabilities are dropped. Field: ${sp}.initContainers[0].securityContext.capabilities.drop; found: not set. Fix: set ${sp}.initContainers[0].securityContext.capabilities.drop: ["ALL"]`,
          `${ref}, sidecar container "model-loader": the container runs as UID 0 (root). Field: ${sp}.initContainers[1].securityContext.runAsUser; found: 0. Fix: set ${sp}.initContainers[1].securityContext.runAsUser to a non-zero UID`,
          `${ref}, sidecar container "model-loader": seccomp profile "Unconfined" is not allowed. Field: ${sp}.initContainers[1].securityContext.seccompProfile.type; found: "Unconfined". Fix: set ${sp}.initContainers[1].securityContext.seccompProfile.type to RuntimeDefault or Localhost`,
        ]);
      });
    });
  }

  it("reports a pod without pod-level runAsNonRoot and seccomp once per container", async () => {
    const r = mutate(workload("Deployment", "w"), (p) => {
      podSpecOf("Deployment", p).securityContext = { fsGroup: 1000 };
    });
    assert.deepEqual(await validateResource(restrictedPodSecurity, r), [
      `Deployment ml/w, container "server": no seccomp profile. Field: spec.template.spec.containers[0].securityContext.seccompProfile.type; found: not set at container or pod level. Fix: set spec.template.spec.securityContext.seccompProfile.type: RuntimeDefault (enforcement level "remediate" does this)`,
    ]);
    const noNonRoot = mutate(r, (p) => {
      Reflect.deleteProperty(
        (podSpecOf("Deployment", p).containers as Obj[])[0]?.securityContext as Obj,
        "runAsNonRoot",
      );
    });
    const msgs = await validateResource(restrictedPodSecurity, noNonRoot);
    assert.equal(msgs.length, 2);
    assert.match(msgs[0] ?? "", /the container may run as root.*found: not set at container or pod level/);
  });

  it("reports pod-level runAsNonRoot false, runAsUser 0 and an Unconfined pod profile", async () => {
    const r = mutate(workload("Pod", "w"), (p) => {
      podSpecOf("Pod", p).securityContext = {
        runAsNonRoot: false,
        runAsUser: 0,
        seccompProfile: { type: "Unconfined" },
      };
    });
    assert.deepEqual(await validateResource(restrictedPodSecurity, r), [
      `Pod ml/w: the pod allows running as root. Field: spec.securityContext.runAsNonRoot; found: false. Fix: set spec.securityContext.runAsNonRoot: true`,
      `Pod ml/w: the pod runs as UID 0 (root). Field: spec.securityContext.runAsUser; found: 0. Fix: set spec.securityContext.runAsUser to a non-zero UID`,
      `Pod ml/w: seccomp profile "Unconfined" is not allowed. Field: spec.securityContext.seccompProfile.type; found: "Unconfined". Fix: set it to RuntimeDefault or Localhost`,
    ]);
  });

  it("accepts container-level settings that cover a pod without pod-level ones", async () => {
    const c = container();
    c.securityContext = {
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
      seccompProfile: { type: "Localhost", localhostProfile: "profiles/vllm.json" },
    };
    const r = workload("Deployment", "w", { containers: [c], extra: { securityContext: {} } });
    assert.deepEqual(await validateResource(restrictedPodSecurity, r), []);
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
