/**
 * One e2e file's own stack on the test cluster: the cluster started if it is not running, the
 * stack prepared with nothing deployed (what an earlier run left is destroyed), and afterwards
 * the stack destroyed and the cluster stopped if this file started it. K8S_ML_E2E_KEEP_CLUSTER=1
 * keeps both, to look at them after a run.
 */
import { strict as assert } from "node:assert";
import { clusterDown, clusterRunning, clusterUp } from "./cluster";
import { describeRun } from "./run";
import { LocalStack } from "./stack";

const KEEP = process.env.K8S_ML_E2E_KEEP_CLUSTER === "1";

export class StackSession {
  private startedCluster = false;
  private stack: LocalStack | undefined;

  /** Starts the cluster when needed and returns the stack with nothing deployed. */
  async begin(name: string): Promise<LocalStack> {
    this.startedCluster = !(await clusterRunning());
    await clusterUp();
    const stack = await LocalStack.prepare(name);
    this.stack = stack;
    if ((await stack.resourceCount()) > 0) {
      const result = await stack.destroy();
      assert.equal(result.code, 0, describeRun("pulumi destroy", [stack.name], result));
    }
    return stack;
  }

  /** Destroys the stack, and stops the cluster if `begin` started it (unless kept). */
  async end(): Promise<void> {
    if (KEEP) return;
    if (this.stack !== undefined) {
      const result = await this.stack.destroy();
      assert.equal(result.code, 0, describeRun("pulumi destroy", [this.stack.name], result));
    }
    if (this.startedCluster) await clusterDown();
  }
}
