import { fieldPath } from "../lib/paths";
import { containersOf, type PodTemplate } from "../lib/podTemplate";
import { definePodPolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import { isUnknown, show } from "../lib/values";
import { render } from "../../conventions/admission/message";
import { ruleDefaults } from "../../conventions/admission/rule";
import { IMAGE_DIGEST_PATTERN, pinnedImagesRule } from "../../conventions/admission/rules/pinnedImages";

const MESSAGES = pinnedImagesRule.messages;

/** Settings of pinned-images (its entry in policy-config/<env>.json). */
export interface PinnedImagesConfig {
  /** Tags that move and so do not pin an image. */
  readonly forbiddenTags: readonly string[];
  /** Require a digest (image@sha256:...) on every image. */
  readonly requireDigest: boolean;
}

/**
 * pinned-images: name, advisory by default, and its settings: the tags that move and so pin
 * nothing (latest by default, compared case-insensitively), and whether every image must carry a
 * digest.
 */
export const pinnedImagesMeta: PolicyMeta<PinnedImagesConfig> = {
  name: "pinned-images",
  description: "Every image is pinned: a tag other than latest, or a digest; no untagged images.",
  enforcementLevel: pinnedImagesRule.defaultLevel,
  severity: "medium",
  remediationSteps: "Use image:<version> or image@sha256:<digest>.",
  defaults: ruleDefaults(pinnedImagesRule) as unknown as PinnedImagesConfig,
  properties: {
    forbiddenTags: {
      type: "array",
      items: { type: "string", minLength: 1 },
      uniqueItems: true,
      description: "Mutable tags that are not accepted (compared case-insensitively).",
    },
    requireDigest: { type: "boolean", description: "Require every image to carry a digest." },
  },
};

const DIGEST_RE = IMAGE_DIGEST_PATTERN;

/** An image reference split into its name, tag and digest. */
export interface ImageRef {
  readonly name: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

/** Splits registry[:port]/path[:tag][@digest]; the tag is the part after ':' in the last path segment. */
export function parseImage(image: string): ImageRef {
  const atIndex = image.indexOf("@");
  const digest = atIndex >= 0 ? image.slice(atIndex + 1) : undefined;
  const rest = atIndex >= 0 ? image.slice(0, atIndex) : image;
  const slash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > slash) {
    const tag = rest.slice(colon + 1);
    return { name: rest.slice(0, colon), tag: tag === "" ? undefined : tag, digest };
  }
  return { name: rest, tag: undefined, digest };
}

/** The pinned-images findings for one pod template, container by container. */
export function checkPinnedImages(template: PodTemplate, config: PinnedImagesConfig): Finding[] {
  const findings: Finding[] = [];
  const forbidden = new Set(config.forbiddenTags.map((tag) => tag.toLowerCase()));
  for (const ref of containersOf(template).refs) {
    const image = ref.container.image;
    if (isUnknown(image)) continue;
    const path = fieldPath(ref.path, "image");
    const common = { resource: template.resource.ref, container: ref.label, path, found: show(image) };
    if (typeof image !== "string" || image.trim() === "") {
      findings.push(
        violation({
          ...common,
          problem: render(MESSAGES.noImage, {}),
          fix: `set ${path} to a pinned image (name:version or name@sha256:...)`,
        }),
      );
      continue;
    }
    const { name, tag, digest } = parseImage(image);
    if (digest !== undefined) {
      if (!DIGEST_RE.test(digest)) {
        findings.push(
          violation({
            ...common,
            problem: render(MESSAGES.malformedDigest, {}),
            fix: `use ${name}@sha256:<64 hex digits>`,
          }),
        );
      }
      continue;
    }
    if (config.requireDigest) {
      findings.push(
        violation({
          ...common,
          problem: render(MESSAGES.notByDigest, {}),
          fix: `use ${name}@sha256:<digest> (the digest of ${image})`,
        }),
      );
      continue;
    }
    if (tag === undefined) {
      findings.push(
        violation({
          ...common,
          problem: render(MESSAGES.noTag, {}),
          fix: `pin a release tag (${name}:<version>) or a digest (${name}@sha256:<digest>)`,
        }),
      );
    } else if (forbidden.has(tag.toLowerCase())) {
      findings.push(
        violation({
          ...common,
          problem: render(MESSAGES.mutableTag, { tag }),
          fix: `pin a release tag (${name}:<version>) or a digest (${name}@sha256:<digest>)`,
        }),
      );
    }
  }
  return findings;
}

/**
 * Every container image is pinned: a tag other than the moving ones, or a well-formed digest (only a
 * digest when requireDigest is set); untagged images pull :latest. A moving tag lets two nodes run
 * different builds of the same Deployment, makes a rollback redeploy whatever the tag points to now,
 * and runs a re-pushed (possibly compromised) image on the next restart.
 */
export const pinnedImages = definePodPolicy(pinnedImagesMeta, checkPinnedImages);
