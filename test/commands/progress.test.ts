import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { TerminalProgress } from "../../src/commands/progress.js";
import { WorkEstimate } from "../../src/commands/sync/estimate.js";
import type { Stream } from "../../src/streams/stream.js";

describe("TerminalProgress", () => {
  it("shows repositories done out of those listed, records, requests and a rate-limit wait", () => {
    const stats = [
      { requests: 1200, retries: 0, rateLimited: 0, rateLimitWaitMs: 0 },
      { requests: 34, retries: 0, rateLimited: 0, rateLimitWaitMs: 0 },
    ];
    const p = new TerminalProgress(new PassThrough(), () => stats);
    for (let i = 0; i < 5; i++) p.partitionFound("cloud_pullrequest_commits");
    p.partitionDone("cloud_pullrequest_commits");
    p.records("cloud_pullrequest_commits", 12345);
    p.partitionFound("dc_default_branch_commits");
    p.listingDone("dc_default_branch_commits");
    p.partitionDone("dc_default_branch_commits");
    p.streamDone("dc_default_branch_commits", true);
    const now = Date.parse("2026-11-22T10:00:00Z");
    p.rateLimited("cloud_pullrequest_commits", now + 90_000);
    expect(p.line(now)).toBe(
      "cloud_pullrequest_commits: 1/5+ repositories, 12,345 records | dc_default_branch_commits: 1/1 repositories, 0 records done | 1,234 requests | rate limited: waiting until 10:01:30 UTC (90 s)",
    );
    expect(p.line(now + 100_000)).not.toContain("rate limited");
    p.estimate("cloud_pullrequest_commits", 12_400, 12_400 / 900);
    expect(p.line(now + 100_000)).toContain("12,345 records, ~12,400 requests to go (~13.8 h at the budget)");
  });

  it("writes nothing unless its output is a terminal", async () => {
    const plain = new PassThrough();
    const chunks: string[] = [];
    plain.on("data", (c: Buffer) => chunks.push(c.toString()));
    const p = new TerminalProgress(plain, () => [], 5).start();
    p.records("s", 1);
    await new Promise((r) => setTimeout(r, 30));
    p.stop();
    expect(chunks).toEqual([]);

    const tty = Object.assign(new PassThrough(), { isTTY: true });
    const seen: string[] = [];
    tty.on("data", (c: Buffer) => seen.push(c.toString()));
    const q = new TerminalProgress(tty, () => [], 5).start();
    q.records("s", 7);
    await new Promise((r) => setTimeout(r, 30));
    q.stop();
    expect(seen.join("")).toContain("\rs: 0/0+ repositories, 7 records");
    expect(seen.at(-1)).toBe("\n");
  });

  describe("WorkEstimate", () => {
    it("adds what started partitions still need to the unstarted ones at the average cost so far", () => {
      let requests = 0;
      const pending = { n: 0 };
      const w = new WorkEstimate({ pendingRequests: () => pending.n } as unknown as Stream, () => requests);
      w.found = 10;
      expect(w.remaining()).toBe(10); // nothing known: one request per repository at least
      w.started = 4;
      requests = 40;
      pending.n = 30;
      expect(w.remaining()).toBe(30 + 6 * 10);
      expect(w.describe(900)).toBe(
        "4 of 10+ repositories started, about 90 requests to go (more as the listing goes on); at requests_per_hour 900, about 6 min",
      );
      w.listed = true;
      requests = 4_000;
      pending.n = 12_000;
      expect(w.describe(1000)).toBe(
        "4 of 10 repositories started, about 18,000 requests to go; at requests_per_hour 1,000, about 18.0 h",
      );
    });
  });
});
