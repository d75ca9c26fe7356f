import { strict as assert } from "node:assert";
import { parseLabelSelector, selectorMatches } from "../../components/lib/labelSelectorString";

describe("label selectors as text", () => {
  it("parses Kubernetes' operators, with spaces around them", () => {
    assert.deepEqual(parseLabelSelector("app=a, tier in (x, y),!legacy, env!=dev,zone, n>3, k == v"), [
      { key: "app", operator: "=", values: ["a"] },
      { key: "tier", operator: "in", values: ["x", "y"] },
      { key: "legacy", operator: "!", values: [] },
      { key: "env", operator: "!=", values: ["dev"] },
      { key: "zone", operator: "exists", values: [] },
      { key: "n", operator: "gt", values: ["3"] },
      { key: "k", operator: "=", values: ["v"] },
    ]);
    assert.deepEqual(parseLabelSelector("k8s-ml-patterns/wakes notin (a)"), [
      { key: "k8s-ml-patterns/wakes", operator: "notin", values: ["a"] },
    ]);
  });

  it("refuses what Kubernetes does not parse, and the empty selector (every pod)", () => {
    for (const text of [
      "",
      " ",
      "a=b=c",
      "app in batch",
      "Bad Key=x",
      "a=b,",
      "a=(b)",
      "a=" + "x".repeat(64),
      "a in ()",
    ]) {
      assert.equal(parseLabelSelector(text), undefined, text);
    }
  });

  it("matches labels as Kubernetes does (a missing label satisfies != and notin)", () => {
    const labels = { app: "a", tier: "x", n: "5" };
    const matches = (text: string): boolean => {
      const requirements = parseLabelSelector(text);
      assert.ok(requirements !== undefined, text);
      return selectorMatches(requirements, labels);
    };
    assert.equal(matches("app=a,tier in (x,y)"), true);
    assert.equal(matches("app=b"), false);
    assert.equal(matches("env!=dev,env notin (dev),!env"), true);
    assert.equal(matches("env"), false);
    assert.equal(matches("n>4,n<6"), true);
    assert.equal(matches("n>5"), false);
    assert.equal(matches("tier notin (x)"), false);
  });
});
