// A cluster belongs to one checkout (scripts/cluster.sh): a second checkout — here a copy of
// the scripts and cluster files in a scratch folder, which is what scripts/cluster.sh takes
// as its checkout — is refused, with a message naming the owner, when it tries to start,
// reconcile or stop the running test cluster, or to start another cluster on its ports; a
// stopped cluster of another checkout is taken over.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  CLUSTER_DIR,
  CLUSTER_PORT_BASE,
  clusterDown,
  clusterEnv,
  clusterRunning,
  clusterUp,
  ROOT,
} from "./lib/cluster";
import { run, type RunResult } from "./lib/run";

function copyCheckout(into: string): void {
  fs.cpSync(path.join(ROOT, "scripts"), path.join(into, "scripts"), { recursive: true });
  fs.cpSync(path.join(ROOT, "cluster"), path.join(into, "cluster"), { recursive: true });
}

describe("the test cluster belongs to one checkout", function () {
  let startedCluster = false;
  let scratch: string;
  let other: string;
  let binPath: string;

  function clusterSh(checkout: string, command: string, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
    return run("bash", [path.join(checkout, "scripts/cluster.sh"), command], {
      env: clusterEnv({ K8S_ML_CLUSTER_BIN_PATH: binPath, ...env }),
      timeoutMs: 180_000,
    });
  }

  before(async () => {
    startedCluster = !(await clusterRunning());
    await clusterUp();
    binPath = fs.readFileSync(path.join(CLUSTER_DIR, "bin-path"), "utf8").trim();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cluster-owner-"));
    other = path.join(scratch, "other-checkout");
    copyCheckout(other);
  });

  after(async () => {
    fs.rmSync(scratch, { recursive: true, force: true });
    if (startedCluster && process.env.K8S_ML_E2E_KEEP_CLUSTER !== "1") await clusterDown();
  });

  it("records this checkout as the owner", async () => {
    assert.equal(fs.readFileSync(path.join(CLUSTER_DIR, "owner"), "utf8").trim(), ROOT);
    const status = await clusterSh(ROOT, "status");
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^owner: ${ROOT} `, "m"));
  });

  it("refuses `up` and `down` from another checkout, naming the owner, and the cluster keeps running", async () => {
    for (const command of ["up", "down"]) {
      const result = await clusterSh(other, command);
      assert.equal(result.code, 1, `${command}: ${result.stderr}`);
      assert.ok(
        result.stderr.includes(
          `the cluster in ${CLUSTER_DIR} belongs to the checkout ${ROOT} and is running`,
        ),
        result.stderr,
      );
      assert.match(result.stderr, /give this checkout its own cluster with another K8S_ML_CLUSTER_DIR/);
    }
    const status = await clusterSh(ROOT, "status");
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.equal(fs.readFileSync(path.join(CLUSTER_DIR, "owner"), "utf8").trim(), ROOT);
  });

  it("refuses another cluster on the same ports, naming the cluster that holds them", async () => {
    const dir = path.join(scratch, "second-cluster");
    const result = await clusterSh(other, "up", {
      K8S_ML_CLUSTER_DIR: dir,
      K8S_ML_CLUSTER_PORT_BASE: CLUSTER_PORT_BASE,
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /port \d+ \(port base \d+\) is in use by the cluster in /);
    assert.ok(result.stderr.includes(`${CLUSTER_DIR} (checkout ${ROOT})`), result.stderr);
    assert.equal(fs.existsSync(path.join(dir, "owner")), false, "the refused cluster recorded an owner");
  });

  it("takes over a stopped cluster of another checkout", async () => {
    // A stopped cluster's state, left by another checkout (marker, owner, no live process).
    const dir = path.join(scratch, "stopped-cluster");
    fs.mkdirSync(path.join(dir, "pids"), { recursive: true });
    fs.writeFileSync(path.join(dir, ".k8s-ml-cluster"), "");
    fs.writeFileSync(path.join(dir, "owner"), `${other}\n`);
    fs.writeFileSync(path.join(dir, "ports"), `${CLUSTER_PORT_BASE}\n`);
    const down = await clusterSh(ROOT, "down", { K8S_ML_CLUSTER_DIR: dir });
    assert.equal(down.code, 0, down.stderr);
    assert.ok(
      down.stderr.includes(
        `was started by the checkout ${other} and is stopped; this checkout takes it over`,
      ),
    );
    assert.equal(fs.existsSync(dir), false);
  });
});
