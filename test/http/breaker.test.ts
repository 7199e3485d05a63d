import { describe, expect, it } from "vitest";
import { OutageBreaker } from "../../src/http/breaker.js";

describe("OutageBreaker", () => {
  const t0 = Date.parse("2026-06-01T00:00:00Z");
  const fail = (b: OutageBreaker, path: string, at: number) => b.failed(path, "server_error", "HTTP 503", at);

  it("trips once failures on several paths have gone on for the outage window without a healthy answer", () => {
    const b = new OutageBreaker(60_000, "Bitbucket Data Center at https://git", t0);
    for (let i = 0; i < 10; i++) expect(fail(b, `/repos/r${i % 3}`, t0 + i * 1000)).toBeUndefined();
    const tripped = fail(b, "/repos/r1", t0 + 61_000);
    expect(tripped?.code).toBe("server_error");
    expect(tripped?.failureType).toBe("transient_error");
    expect(tripped?.scope).toBe("stream");
    expect(tripped?.message).toContain(
      "Bitbucket Data Center at https://git looks down: every request for 61 s failed (11 failed attempts on 3 different paths",
    );
    expect(tripped?.message).toContain("its last healthy answer was at 2026-06-01T00:00:00.000Z");
  });

  it("does not trip on one path failing (that is the repository's own fault), nor after a healthy answer", () => {
    const one = new OutageBreaker(1000, "x", t0);
    for (let i = 0; i < 50; i++) expect(fail(one, "/repos/broken", t0 + i * 1000)).toBeUndefined();

    const mended = new OutageBreaker(1000, "x", t0);
    for (let i = 0; i < 5; i++) fail(mended, `/repos/r${i}`, t0 + i * 100);
    mended.healthy(t0 + 900);
    expect(fail(mended, "/repos/a", t0 + 1500)).toBeUndefined();
    expect(fail(mended, "/repos/b", t0 + 1600)).toBeUndefined();
  });

  it("needs a few failures, not one slow one, however long the window has passed", () => {
    const b = new OutageBreaker(1000, "x", t0);
    expect(fail(b, "/a", t0 + 10_000)).toBeUndefined();
    expect(fail(b, "/b", t0 + 10_001)).toBeUndefined();
    expect(fail(b, "/a", t0 + 10_002)).toBeUndefined();
    expect(fail(b, "/b", t0 + 10_003)).toBeUndefined();
    expect(fail(b, "/a", t0 + 10_004)).toBeDefined();
  });
});
