import { strict as assert } from "node:assert";
import { parseImage, pinnedImages } from "../../policy/policies/pinnedImages";
import { container, initContainer, sidecar, SPEC_PATH, WORKLOAD_KINDS, workload } from "./fixtures";
import { validateResource } from "./harness";

const DIGEST = "sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

describe("pinned-images", () => {
  for (const kind of WORKLOAD_KINDS) {
    describe(kind, () => {
      const sp = SPEC_PATH[kind];
      const ref = `${kind} ml/w`;

      it("accepts version tags and digests, registry ports included", async () => {
        const r = workload(kind, "w", {
          containers: [container({ image: "registry.example.com:5000/ml/vllm:v0.6.3" })],
          initContainers: [
            initContainer({ image: `busybox@${DIGEST}` }),
            sidecar({ image: `ghcr.io/org/loader:latest@${DIGEST}` }),
          ],
        });
        assert.deepEqual(await validateResource(pinnedImages, r), []);
      });

      it("reports untagged and :latest images in every kind of container", async () => {
        const r = workload(kind, "w", {
          containers: [container({ image: "registry.example.com:5000/vllm" })],
          initContainers: [
            initContainer({ image: "busybox:latest" }),
            sidecar({ image: "ghcr.io/org/loader:LATEST" }),
          ],
        });
        assert.deepEqual(await validateResource(pinnedImages, r), [
          `${ref}, container "server": the image has no tag, so the runtime pulls :latest. Field: ${sp}.containers[0].image; found: "registry.example.com:5000/vllm". Fix: pin a release tag (registry.example.com:5000/vllm:<version>) or a digest (registry.example.com:5000/vllm@sha256:<digest>)`,
          `${ref}, init container "init": the image uses the mutable tag ":latest". Field: ${sp}.initContainers[0].image; found: "busybox:latest". Fix: pin a release tag (busybox:<version>) or a digest (busybox@sha256:<digest>)`,
          `${ref}, sidecar container "model-loader": the image uses the mutable tag ":LATEST". Field: ${sp}.initContainers[1].image; found: "ghcr.io/org/loader:LATEST". Fix: pin a release tag (ghcr.io/org/loader:<version>) or a digest (ghcr.io/org/loader@sha256:<digest>)`,
        ]);
      });
    });
  }

  it("reports a missing image and a malformed digest", async () => {
    const a = container({ name: "a" });
    Reflect.deleteProperty(a, "image");
    const b = container({ name: "b", image: "busybox@sha256:abc" });
    const msgs = await validateResource(pinnedImages, workload("Pod", "w", { containers: [a, b] }));
    assert.deepEqual(msgs, [
      `Pod ml/w, container "a": no image. Field: spec.containers[0].image; found: not set. Fix: set spec.containers[0].image to a pinned image (name:version or name@sha256:...)`,
      `Pod ml/w, container "b": the image digest is malformed. Field: spec.containers[1].image; found: "busybox@sha256:abc". Fix: use busybox@sha256:<64 hex digits>`,
    ]);
  });

  it("can require digests and forbid other tags through config", async () => {
    const r = workload("Deployment", "w", { containers: [container({ image: "vllm/vllm-openai:nightly" })] });
    assert.deepEqual(await validateResource(pinnedImages, r), []);
    const forbidden = await validateResource(pinnedImages, r, { forbiddenTags: ["latest", "nightly"] });
    assert.equal(forbidden.length, 1);
    assert.match(forbidden[0] ?? "", /mutable tag ":nightly"/);
    const digest = await validateResource(pinnedImages, r, { requireDigest: true });
    assert.equal(digest.length, 1);
    assert.match(
      digest[0] ?? "",
      /the image is not pinned by digest.*Fix: use vllm\/vllm-openai@sha256:<digest>/,
    );
  });

  it("parses image references", () => {
    assert.deepEqual(parseImage("nginx"), { name: "nginx", tag: undefined, digest: undefined });
    assert.deepEqual(parseImage("localhost:5000/a/b:1.2"), {
      name: "localhost:5000/a/b",
      tag: "1.2",
      digest: undefined,
    });
    assert.deepEqual(parseImage("a:1@sha256:x"), { name: "a", tag: "1", digest: "sha256:x" });
    assert.deepEqual(parseImage("nginx:"), { name: "nginx", tag: undefined, digest: undefined });
  });
});
