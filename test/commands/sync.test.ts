import { describe, expect, it } from "vitest";
import { z } from "zod";
import { runSync, type StreamControl, type SyncEntry } from "../../src/commands/sync/engine.js";
import { shardOf } from "../../src/commands/sync/partitions.js";
import { ConnectorError } from "../../src/errors.js";
import type { Requester } from "../../src/http/client.js";
import type { StreamInfo, SyncOutput } from "../../src/protocol/output.js";
import { batchSize } from "../../src/protocol/records.js";
import type { PartitionEvent, Stream } from "../../src/streams/stream.js";
import { batchOf } from "../helpers/clients.js";

type Event = { kind: string; stream?: string; data?: unknown; count?: number };

function recorder(): SyncOutput & { events: Event[] } {
  const events: Event[] = [];
  const push = (e: Event) => {
    events.push(e);
    return Promise.resolve();
  };
  return {
    events,
    log: (level, m) => void events.push({ kind: `log:${level}`, data: m }),
    info: (m) => void events.push({ kind: "log:INFO", data: m }),
    warn: (m) => void events.push({ kind: "log:WARN", data: m }),
    error: (m) => void events.push({ kind: "log:ERROR", data: m }),
    debug: () => undefined,
    streamStarted: (s: StreamInfo) => push({ kind: "STARTED", stream: s.name }),
    streamRunning: (s) => push({ kind: "RUNNING", stream: s }),
    streamRateLimited: (s, at) => push({ kind: "RATE_LIMITED", stream: s, data: at }),
    records: (s, b) => push({ kind: "records", stream: s, count: batchSize(b) }),
    state: (s, st, n) => push({ kind: "STATE", stream: s, data: JSON.parse(JSON.stringify(st)), count: n }),
    streamComplete: (s) => push({ kind: "COMPLETE", stream: s }),
    streamIncomplete: (s, e) => push({ kind: "INCOMPLETE", stream: s, data: e.userMessage }),
    fatal: (e) => push({ kind: "fatal", data: e.userMessage }),
    flush: () => Promise.resolve(),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A stream of `n` partitions "p0".."pN"; each emits `pages` pages of 2 records and a checkpoint after each. */
function fakeStream(opts: {
  partitions: number;
  pages?: number;
  delayMs?: number;
  fail?: Record<string, ConnectorError>;
  seen?: { key: string; state: unknown }[];
}): Stream<string, { page: number }> {
  return {
    info: { name: "fake", jsonSchema: {}, primaryKey: [["id"]], cursorField: ["c"] },
    partitionState: z.object({ page: z.number().int() }),
    async *partitions() {
      for (let i = 0; i < opts.partitions; i++) yield `p${i}`;
    },
    partitionKey: (p) => p,
    async *read(p, state): AsyncGenerator<PartitionEvent<{ page: number }>> {
      opts.seen?.push({ key: p, state });
      const failure = opts.fail?.[p];
      if (failure) throw failure;
      for (let page = (state?.page ?? 0) + 1; page <= (opts.pages ?? 1); page++) {
        if (opts.delayMs) await sleep(opts.delayMs);
        yield { kind: "records", batch: batchOf([{ id: `${p}.${page}.a` }, { id: `${p}.${page}.b` }]) };
        yield { kind: "checkpoint", state: { page } };
      }
    },
  };
}

const control = (abort: (e: ConnectorError) => void = () => {}): StreamControl => ({
  onRateLimited: undefined,
  abort,
});

/** Fake streams request nothing. */
const noClient = {} as Requester;

const entry = (stream: Stream, extra: Partial<SyncEntry> = {}): SyncEntry => ({
  stream: stream as Stream,
  control: control(),
  client: noClient,
  incremental: true,
  state: undefined,
  ...extra,
});

describe("runSync", () => {
  it("emits STARTED, RUNNING, records, exact-count STATEs after partitions, and COMPLETE", async () => {
    const out = recorder();
    const r = await runSync([entry(fakeStream({ partitions: 3, pages: 2 }))], out, {
      concurrency: 2,
      stateIntervalMs: 0,
    });
    expect(r.failed).toEqual([]);
    const kinds = out.events.filter((e) => !e.kind.startsWith("log")).map((e) => e.kind);
    expect(kinds[0]).toBe("STARTED");
    expect(kinds[1]).toBe("RUNNING");
    expect(kinds.at(-1)).toBe("COMPLETE");
    expect(kinds.at(-2)).toBe("STATE");
    let since = 0;
    for (const e of out.events) {
      if (e.kind === "records") since += e.count!;
      if (e.kind === "STATE") {
        expect(e.count).toBe(since);
        since = 0;
      }
    }
    const last = out.events.filter((e) => e.kind === "STATE").at(-1)!;
    expect(last.data).toEqual({ partitions: { p0: { page: 2 }, p1: { page: 2 }, p2: { page: 2 } } });
  });

  it("throttles STATE messages while partitions advance, but always ends with one", async () => {
    const out = recorder();
    await runSync([entry(fakeStream({ partitions: 20, pages: 3 }))], out, {
      concurrency: 4,
      stateIntervalMs: 60_000,
    });
    expect(out.events.filter((e) => e.kind === "STATE").length).toBe(2); // the first checkpoint, and the final one
    expect(out.events.filter((e) => e.kind === "STATE").reduce((n, e) => n + e.count!, 0)).toBe(120);
  });

  it("sends a heartbeat STATE while a stream waits, and reports rate-limit waits as RUNNING with a reason", async () => {
    const out = recorder();
    const client = control();
    const stream = fakeStream({ partitions: 1, pages: 2, delayMs: 250 });
    const read = stream.read.bind(stream);
    stream.read = async function* (p, s, ctx) {
      client.onRateLimited?.(Date.now() + 200);
      yield* read(p, s, ctx);
    };
    await runSync([entry(stream, { control: client })], out, {
      concurrency: 1,
      stateIntervalMs: 60_000,
      heartbeatMs: 40,
    });
    const beforeFirstRecord = out.events.slice(
      0,
      out.events.findIndex((e) => e.kind === "records"),
    );
    expect(beforeFirstRecord.filter((e) => e.kind === "STATE").length).toBeGreaterThanOrEqual(2);
    expect(beforeFirstRecord.filter((e) => e.kind === "STATE").every((e) => e.count === 0)).toBe(true);
    expect(out.events.some((e) => e.kind === "RATE_LIMITED")).toBe(true);
    expect(client.onRateLimited).toBeUndefined(); // unhooked at the end
  });

  it("isolates a failing partition: the others are read, the stream ends INCOMPLETE naming it", async () => {
    const out = recorder();
    const fail = { p1: new ConnectorError("not_found", "repository gone") };
    const r = await runSync([entry(fakeStream({ partitions: 4, fail }))], out, {
      concurrency: 2,
      stateIntervalMs: 0,
    });
    expect(r.failed.map((f) => f.error.code)).toEqual(["not_found"]);
    expect(out.events.filter((e) => e.kind === "records").length).toBe(3);
    const incomplete = out.events.find((e) => e.kind === "INCOMPLETE")!;
    expect(incomplete.data).toBe(
      "not_found: 1 repository could not be read, the rest was: p1: not_found: repository gone",
    );
    const last = out.events.filter((e) => e.kind === "STATE").at(-1)!;
    expect(Object.keys((last.data as { partitions: object }).partitions).sort()).toEqual(["p0", "p2", "p3"]);
  });

  it("stops reading a stream on an error that every partition would hit (bad credentials)", async () => {
    const out = recorder();
    const fail = { p0: new ConnectorError("invalid_credentials", "401") };
    const seen: { key: string; state: unknown }[] = [];
    const r = await runSync([entry(fakeStream({ partitions: 50, fail, seen, delayMs: 5 }))], out, {
      concurrency: 1,
    });
    expect(r.failed[0]?.error.code).toBe("invalid_credentials");
    expect(seen.length).toBeLessThan(5);
  });

  it("aborts the stream's client on such an error, so partitions in flight end at once", async () => {
    const out = recorder();
    const error = new ConnectorError("rate_limited", "429s for an hour");
    const aborted: ConnectorError[] = [];
    const client = control((e) => aborted.push(e));
    const r = await runSync(
      [entry(fakeStream({ partitions: 4, fail: { p0: error }, delayMs: 5 }), { control: client })],
      out,
      { concurrency: 4 },
    );
    expect(r.failed[0]?.error).toBe(error);
    expect(aborted).toEqual([error]);

    // A listing that fails so ends the partitions in flight through the client, and blames none of them.
    let stop: (e: ConnectorError) => void = () => undefined;
    const stopped = new Promise<never>((_, reject) => {
      stop = reject;
    });
    stopped.catch(() => undefined);
    const listingError = new ConnectorError("invalid_credentials", "401 on page 2 of the listing");
    const listing: Stream<string, { page: number }> = {
      ...fakeStream({ partitions: 0 }),
      async *partitions() {
        yield "p0";
        yield "p1";
        await sleep(5);
        throw listingError;
      },
      async *read(): AsyncGenerator<PartitionEvent<{ page: number }>> {
        yield await stopped; // in flight until the client is aborted
      },
    };
    const logged = recorder();
    const r2 = await runSync([entry(listing, { control: control((e) => stop(e)) })], logged, {
      concurrency: 4,
    });
    expect(r2.failed[0]?.error).toBe(listingError);
    expect(logged.events.filter((e) => e.kind === "log:ERROR")).toEqual([]);

    // A partition error that concerns only its repository leaves the client alone.
    aborted.length = 0;
    const one = new ConnectorError("not_found", "gone");
    await runSync(
      [entry(fakeStream({ partitions: 3, fail: { p1: one } }), { control: client })],
      recorder(),
      {
        concurrency: 2,
      },
    );
    expect(aborted).toEqual([]);
  });

  it("resumes partitions from their state, ignores it in full refresh, and re-reads a malformed entry", async () => {
    const state = { partitions: { p0: { page: 1 }, p1: { page: "x" } } };
    const seen: { key: string; state: unknown }[] = [];
    const out = recorder();
    await runSync([entry(fakeStream({ partitions: 2, pages: 2, seen }), { state })], out, { concurrency: 1 });
    expect(seen).toEqual([
      { key: "p0", state: { page: 1 } },
      { key: "p1", state: undefined },
    ]);
    expect(
      out.events.some((e) => e.kind === "log:WARN" && String(e.data).includes("state of p1 is malformed")),
    ).toBe(true);

    const full: { key: string; state: unknown }[] = [];
    await runSync(
      [entry(fakeStream({ partitions: 2, seen: full }), { state, incremental: false })],
      recorder(),
      { concurrency: 1 },
    );
    expect(full.map((s) => s.state)).toEqual([undefined, undefined]);
  });

  it("reads only its own shard, and keeps the other shards' entries unchanged", async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `p${i}`);
    const state = { partitions: Object.fromEntries(keys.map((k) => [k, { page: 0 }])) };
    const union: string[] = [];
    for (let index = 0; index < 3; index++) {
      const seen: { key: string; state: unknown }[] = [];
      const out = recorder();
      await runSync([entry(fakeStream({ partitions: 40, seen }), { state })], out, {
        concurrency: 4,
        shard: { index, count: 3 },
      });
      const mine = seen.map((s) => s.key);
      expect(mine.every((k) => shardOf(k, 3) === index)).toBe(true);
      const last = out.events.filter((e) => e.kind === "STATE").at(-1)!;
      const partitions = (last.data as { partitions: Record<string, { page: number }> }).partitions;
      expect(Object.keys(partitions).sort()).toEqual([...keys].sort());
      for (const k of keys) expect(partitions[k]).toEqual({ page: mine.includes(k) ? 1 : 0 });
      union.push(...mine);
    }
    expect(union.sort()).toEqual([...keys].sort());
  });

  it("emits no STATE at all for a state it rejects, and fails only that stream", async () => {
    const out = recorder();
    const r = await runSync([entry(fakeStream({ partitions: 2 }), { state: { cursor: "not ours" } })], out, {
      concurrency: 1,
    });
    expect(r.failed[0]?.error.code).toBe("config_error");
    expect(out.events.filter((e) => e.kind === "STATE")).toEqual([]);
    expect(out.events.map((e) => e.kind).filter((k) => !k.startsWith("log"))).toEqual([
      "STARTED",
      "INCOMPLETE",
    ]);
  });

  it("never drops an entry: a malformed one is kept until its partition checkpoints, whatever the checkpoint says", async () => {
    // p0's entry is malformed, and reading it in full ends in a checkpoint equal to the entry's own text.
    const stream = {
      ...fakeStream({ partitions: 2, pages: 1 }),
      partitionState: z.object({ page: z.number().int().min(1) }),
    };
    const state = { partitions: { p0: { page: 0 }, p1: { page: 1 }, gone: { page: 7 } } };
    const out = recorder();
    await runSync([entry(stream, { state })], out, { concurrency: 1, stateIntervalMs: 0 });
    const last = out.events.filter((e) => e.kind === "STATE").at(-1)!;
    expect(last.data).toEqual({ partitions: { p0: { page: 1 }, p1: { page: 1 }, gone: { page: 7 } } });
  });

  it("reads a partition listed twice once (a listing that shifted while it was paged)", async () => {
    const seen: { key: string; state: unknown }[] = [];
    const stream = fakeStream({ partitions: 3, pages: 2, seen });
    const twice: Stream<string, { page: number }> = {
      ...stream,
      async *partitions() {
        yield* ["p0", "p1", "p1", "p2", "p0"];
      },
    };
    const out = recorder();
    const r = await runSync([entry(twice)], out, { concurrency: 2, stateIntervalMs: 0 });
    expect(r.failed).toEqual([]);
    expect(seen.map((x) => x.key).sort()).toEqual(["p0", "p1", "p2"]);
    const records = out.events.filter((e) => e.kind === "records").reduce((n, e) => n + e.count!, 0);
    expect(records).toBe(3 * 2 * 2);
  });

  it("skips a partition the stream says is gone, keeping its state, and completes", async () => {
    const gone = new ConnectorError("not_found", "deleted since the listing");
    const stream = fakeStream({ partitions: 3, fail: { p1: gone } });
    const withCases: Stream<string, { page: number }> = {
      ...stream,
      errorCases: [{ when: "test", test: (e) => e === gone, means: "gone" }],
    };
    const out = recorder();
    const r = await runSync([entry(withCases, { state: { partitions: { p1: { page: 0 } } } })], out, {
      concurrency: 1,
    });
    expect(r.failed).toEqual([]);
    expect(out.events.some((e) => e.kind === "log:WARN" && String(e.data).includes("p1: skipped"))).toBe(
      true,
    );
    const last = out.events.filter((e) => e.kind === "STATE").at(-1)!;
    expect((last.data as { partitions: object }).partitions).toHaveProperty("p1", { page: 0 });
  });

  it("on cancel stops starting partitions, ends those in flight, and still emits a final STATE that matches the records", async () => {
    const cancel = new AbortController();
    let stop: (e: ConnectorError) => void = () => undefined;
    const stopped = new Promise<never>((_, reject) => {
      stop = reject;
    });
    stopped.catch(() => undefined);
    const base = fakeStream({ partitions: 10, pages: 1 });
    const stream: Stream<string, { page: number }> = {
      ...base,
      async *read(p, s, ctx): AsyncGenerator<PartitionEvent<{ page: number }>> {
        if (p === "p3") {
          setTimeout(() => cancel.abort(new ConnectorError("cancelled", "SIGTERM", { scope: "stream" })), 5);
          yield await stopped;
        }
        yield* base.read(p, s, ctx);
      },
    };
    const out = recorder();
    const r = await runSync([entry(stream, { control: control((e) => stop(e)) })], out, {
      concurrency: 1,
      signal: cancel.signal,
    });
    expect(r.failed[0]?.error.code).toBe("cancelled");
    const kinds = out.events.map((e) => e.kind).filter((k) => !k.startsWith("log"));
    expect(kinds.slice(-2)).toEqual(["STATE", "INCOMPLETE"]);
    const last = out.events.filter((e) => e.kind === "STATE").at(-1)!;
    expect(Object.keys((last.data as { partitions: object }).partitions)).toEqual(["p0", "p1", "p2"]);
    const records = out.events.filter((e) => e.kind === "records").reduce((n, e) => n + e.count!, 0);
    expect(out.events.filter((e) => e.kind === "STATE").reduce((n, e) => n + e.count!, 0)).toBe(records);
  });
});
