import { describe, expect, it } from "vitest";
import { compileBbql, parseBbql } from "../../integration_tests/simulator/cloud/bbql.js";
import { parseFields, projectFields } from "../../integration_tests/simulator/cloud/fields.js";
import { CommitIdCodec, NS_DC_COMMIT } from "../../integration_tests/simulator/commit-ids.js";
import { scaleForTotals } from "../../integration_tests/simulator/index.js";
import { formatMicros, parseIsoMicros } from "../../integration_tests/simulator/time-format.js";

describe("commit ids", () => {
  const codec = new CommitIdCodec(42);

  it("round-trips and looks random", () => {
    const ids = new Set<string>();
    for (let idx = 0; idx < 2000; idx++) {
      const id = codec.encode(NS_DC_COMMIT, 17, 3, idx);
      expect(id).toMatch(/^[0-9a-f]{40}$/);
      expect(codec.decode(id)).toEqual({ ns: NS_DC_COMMIT, repo: 17, major: 3, minor: idx });
      ids.add(id.slice(0, 7));
    }
    expect(ids.size).toBe(2000);
  });

  it("rejects ids it did not make", () => {
    const id = codec.encode(NS_DC_COMMIT, 1, 0, 12345);
    const flipped = `${id.slice(0, 39)}${id[39] === "0" ? "1" : "0"}`;
    expect(codec.decode(flipped)).toBeUndefined();
    expect(codec.decode("0123456789abcdef0123456789abcdef01234567")).toBeUndefined();
    expect(codec.decode(id.toUpperCase())).toBeUndefined();
    expect(new CommitIdCodec(43).decode(id)).toBeUndefined();
  });
});

describe("BBQL", () => {
  const kinds = (f: string) => (f.endsWith("_on") ? "date" : "other") as "date" | "other";

  it("parses comparisons, AND/OR and parentheses", () => {
    expect(parseBbql('state = "OPEN" AND (id > 3 OR title ~ "fix")')).toMatchObject({ kind: "and" });
    const q = compileBbql('updated_on >= "2024-01-01T00:00:00+00:00" AND state = "OPEN"', kinds);
    const at = parseIsoMicros("2024-01-01T00:00:00Z") ?? 0;
    expect(q.test((f) => (f === "state" ? "OPEN" : at))).toBe(true);
    expect(q.test((f) => (f === "state" ? "OPEN" : at - 1))).toBe(false);
    expect(q.fields).toEqual(new Set(["updated_on", "state"]));
    expect(compileBbql("updated_on > 2025-01-10", kinds).test(() => parseIsoMicros("2025-01-11"))).toBe(true);
  });

  it("rejects dates whose + became a space, and malformed queries", () => {
    expect(() => compileBbql('updated_on >= "2024-01-01T00:00:00 00:00"', kinds)).toThrow("Invalid date");
    expect(() => compileBbql("updated_on >= 2024-01-01T00:00:00 00:00", kinds)).toThrow();
    expect(() => compileBbql('state = "OPEN" AND', kinds)).toThrow("Invalid query");
    expect(() => compileBbql('state "OPEN"', kinds)).toThrow("Invalid query");
  });
});

describe("time formats", () => {
  it("keeps microseconds", () => {
    const us = parseIsoMicros("2026-04-07T09:12:31.222021+00:00");
    expect(us).toBe(Date.UTC(2026, 3, 7, 9, 12, 31) * 1000 + 222021);
    expect(formatMicros(us ?? 0)).toBe("2026-04-07T09:12:31.222021+00:00");
    expect(parseIsoMicros("2026-04-07T11:12:31.5+02:00")).toBe(
      Date.UTC(2026, 3, 7, 9, 12, 31) * 1000 + 500000,
    );
    expect(parseIsoMicros("2026-02-30")).toBeUndefined();
  });
});

describe("fields", () => {
  it("keeps only the listed paths, through arrays", () => {
    const tree = parseFields("values.slug,values.links.self.href,size");
    expect(tree).toBeDefined();
    const body = {
      size: 2,
      next: "x",
      values: [{ slug: "a", name: "A", links: { self: { href: "h" }, html: {} } }],
    };
    expect(projectFields(body, tree ?? {})).toEqual({
      size: 2,
      values: [{ slug: "a", links: { self: { href: "h" } } }],
    });
    expect(parseFields("+values.extra")).toBeUndefined();
  });
});

describe("scaleForTotals", () => {
  it("aims at about 1,000 commits per repository", () => {
    const s = scaleForTotals(100_000, 1_000_000);
    expect(s.cloud.workspaces.reduce((n, w) => n + w.repos, 0)).toBe(100);
    expect(s.dc.projects * s.dc.reposPerProject).toBe(1000);
  });
});
