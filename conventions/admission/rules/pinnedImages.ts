/** pinned-images: every image carries a tag other than the moving ones, or a well-formed digest. */
import { POD_TEMPLATE_RESOURCES, perContainer } from "../cel";
import { celString, message } from "../message";
import { booleanParam, stringListParam } from "../params";
import { defineRule } from "../rule";

/** A well-formed digest (algorithm:encoded), as the pack and the generated CEL check it. */
export const IMAGE_DIGEST_PATTERN = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

export const pinnedImagesRule = defineRule({
  policy: "pinned-images",
  defaultLevel: "advisory",
  params: { forbiddenTags: stringListParam(["latest"]), requireDigest: booleanParam(false) },
  messages: {
    noImage: message`no image`,
    malformedDigest: message`the image digest is malformed`,
    notByDigest: message`the image is not pinned by digest`,
    noTag: message`the image has no tag, so the runtime pulls :latest`,
    mutableTag: message`the image uses the mutable tag ":${"tag"}"`,
  },
  match: POD_TEMPLATE_RESOURCES,
  cel: ({ param, message: msg }) => {
    const image = (c: string): string => `(has(${c}.image) ? ${c}.image : "")`;
    const problems = (c: string): string => {
      const i = image(c);
      const rest = `(${i}.contains("@") ? ${i}.substring(0, ${i}.indexOf("@")) : ${i})`;
      const digest = `${i}.substring(${i}.indexOf("@") + 1)`;
      const tag = `(${rest}.lastIndexOf(":") > ${rest}.lastIndexOf("/") ? ${rest}.substring(${rest}.lastIndexOf(":") + 1) : "")`;
      const none = `${i}.trim() == ""`;
      const hasDigest = `${i}.contains("@")`;
      return [
        `(${none}) ? [${msg("noImage", {})}]`,
        `(${hasDigest}) ? (${digest}.matches(${celString(IMAGE_DIGEST_PATTERN.source)}) ? [] : [${msg("malformedDigest", {})}])`,
        `(${param("requireDigest")}) ? [${msg("notByDigest", {})}]`,
        `(${tag} == "") ? [${msg("noTag", {})}]`,
        `(${param("forbiddenTags")}.exists(t, t.lowerAscii() == ${tag}.lowerAscii())) ? [${msg("mutableTag", { tag })}]`,
        "[]",
      ].join(" : ");
    };
    return { variables: [], problems: [perContainer(problems)] };
  },
});
