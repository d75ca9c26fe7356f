/**
 * The default model loader's script, run for real with /bin/sh against a scratch directory and a
 * stand-in `rclone` that copies slowly: several loaders starting at once on one shared cache must
 * download once, never expose a partial model, and a new model URI must get a directory of its own.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_LOADER_SCRIPT, modelDir, modelReadyFile } from "../../components/modelServing";

/** A fake rclone: counts its runs, then writes two files a moment apart (a torn copy would show). */
const FAKE_RCLONE = `#!/bin/sh
set -eu
echo run >> "$RCLONE_LOG"
mkdir -p "$3"
echo "weights of $2" > "$3/weights.bin"
sleep 1
echo "config of $2" > "$3/config.json"
`;

function runLoader(root: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", DEFAULT_LOADER_SCRIPT], {
      env: { ...process.env, PATH: `${path.join(root, "bin")}:${process.env.PATH ?? ""}`, ...env },
      stdio: "ignore",
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      resolve(code ?? -1);
    });
  });
}

describe("the default model loader on a shared cache", function () {
  this.timeout(60_000);
  let root = "";
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "model-loader-"));
    fs.mkdirSync(path.join(root, "bin"));
    fs.writeFileSync(path.join(root, "bin", "rclone"), FAKE_RCLONE, { mode: 0o755 });
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  interface LoaderEnv extends Record<string, string> {
    MODEL_DIR: string;
    MODEL_READY_FILE: string;
  }
  const envFor = (modelUri: string): LoaderEnv => {
    const settings = { modelName: "llama", modelUri };
    const rebase = (p: string): string => path.join(root, p);
    return {
      MODEL_URI: modelUri,
      MODEL_DIR: rebase(modelDir(settings)),
      MODEL_READY_FILE: rebase(modelReadyFile(settings)),
      MODEL_LOCK_STALE_MINUTES: "5",
      LOADER_STAY_RUNNING: "false",
      RCLONE_LOG: path.join(root, "rclone.log"),
    };
  };

  it("downloads once for loaders starting together, and every one sees the whole model", async () => {
    const env = envFor("s3://models/llama-a");
    const codes = await Promise.all([1, 2, 3, 4].map(() => runLoader(root, env)));
    assert.deepEqual(codes, [0, 0, 0, 0]);
    assert.equal(fs.readFileSync(path.join(root, "rclone.log"), "utf8").trim().split("\n").length, 1);
    const dir = env.MODEL_DIR;
    assert.deepEqual(fs.readdirSync(dir).sort(), [".model-ready", "config.json", "weights.bin"]);
    // No lock or temporary directory is left beside the model.
    assert.deepEqual(fs.readdirSync(path.dirname(dir)), [path.basename(dir)]);
  });

  it("keys the cache by the model URI: a changed modelUri loads the new model next to the old one", async () => {
    const first = envFor("s3://models/llama-a");
    const second = envFor("s3://models/llama-b");
    assert.notEqual(first.MODEL_DIR, second.MODEL_DIR);
    assert.equal(first.MODEL_DIR, envFor("s3://models/llama-a").MODEL_DIR);
    assert.equal(await runLoader(root, first), 0);
    assert.equal(await runLoader(root, second), 0);
    assert.equal(await runLoader(root, first), 0);
    assert.equal(
      fs.readFileSync(path.join(second.MODEL_DIR, "weights.bin"), "utf8"),
      "weights of s3://models/llama-b\n",
    );
    assert.equal(
      fs.readFileSync(path.join(first.MODEL_DIR, "weights.bin"), "utf8"),
      "weights of s3://models/llama-a\n",
    );
    // The third run found its model complete and downloaded nothing.
    assert.equal(fs.readFileSync(path.join(root, "rclone.log"), "utf8").trim().split("\n").length, 2);
  });

  it("never exposes a partial model: a failed copy leaves nothing behind, and the next loader retries", async () => {
    const env = envFor("s3://models/broken");
    const dir = env.MODEL_DIR;
    fs.writeFileSync(
      path.join(root, "bin", "rclone"),
      '#!/bin/sh\nmkdir -p "$3"; echo half > "$3/weights.bin"; exit 3\n',
      {
        mode: 0o755,
      },
    );
    assert.notEqual(await runLoader(root, env), 0);
    assert.deepEqual(fs.readdirSync(path.dirname(dir)), [], "a failed copy left files");
    fs.writeFileSync(path.join(root, "bin", "rclone"), FAKE_RCLONE, { mode: 0o755 });
    assert.equal(await runLoader(root, env), 0);
    assert.ok(fs.existsSync(env.MODEL_READY_FILE));
  });

  it("takes over the lock of a loader that was killed, once it is older than the download budget", async () => {
    const env = envFor("s3://models/llama-a");
    const lock = `${env.MODEL_DIR}.lock`;
    fs.mkdirSync(lock, { recursive: true });
    const old = new Date(Date.now() - 10 * 60_000);
    fs.utimesSync(lock, old, old);
    assert.equal(await runLoader(root, env), 0);
    assert.ok(fs.existsSync(env.MODEL_READY_FILE));
    assert.equal(fs.existsSync(lock), false);
  });
});
