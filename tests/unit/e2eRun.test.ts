// The e2e tests' process runner (tests/e2e/lib/run.ts): a run always ends, even when a
// descendant outlives the process and keeps its output pipes open, as a killed CLI's plugins do.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { start } from "../e2e/lib/run";

/** True while a process with this pid runs (a zombie that nothing reaped yet does not). */
function exists(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

describe("e2e process runner", function () {
  it("ends a run whose descendant holds its output open after the process exited", async () => {
    // The background sleep inherits stdout and outlives the shell.
    const result = await start("sh", ["-c", "sleep 30 & echo $!; echo started"], {
      timeoutMs: 15_000,
      exitGraceMs: 300,
    }).done;
    assert.equal(result.code, 0);
    assert.equal(result.timedOut, false);
    assert.match(result.stdout, /started/);
    assert.match(result.stderr, /a descendant held its output open 0.3 s later; stopped reading/);
    // Not timed out: the descendant is not this run's to end.
    const sleeper = Number(result.stdout.split("\n")[0]);
    assert.ok(exists(sleeper), "the descendant of a run that did not time out is left alone");
    process.kill(sleeper, "SIGKILL");
  });

  it("ends the descendants of a process that ran out of time", async () => {
    // SIGINT ends the shell; its background job ignores SIGINT (as a non-interactive shell's
    // background jobs do) and holds stdout.
    const result = await start("sh", ["-c", "sleep 30 & echo $!; wait"], {
      timeoutMs: 500,
      exitGraceMs: 300,
    }).done;
    assert.equal(result.timedOut, true);
    const sleeper = Number(result.stdout.split("\n")[0]);
    assert.ok(Number.isInteger(sleeper) && sleeper > 0, result.stdout);
    for (let i = 0; i < 50 && exists(sleeper); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(!exists(sleeper), "the descendant still runs");
  });

  it("reads all output of a process that closes it on exit", async () => {
    const result = await start("sh", ["-c", "echo out; echo err >&2; exit 3"], { timeoutMs: 15_000 }).done;
    assert.deepEqual([result.code, result.stdout, result.stderr], [3, "out\n", "err\n"]);
  });
});
