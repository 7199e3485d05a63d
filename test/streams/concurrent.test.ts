import { describe, expect, it } from "vitest";
import { CompletionWatermark, mergeConcurrent } from "../../src/streams/concurrent.js";
import { compareInstants, laterInstant, sortableInstant } from "../../src/streams/timestamps.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("mergeConcurrent", () => {
  it("runs at most `limit` items at once, interleaves their outputs and reports each item done", async () => {
    let active = 0;
    let peak = 0;
    async function* work(n: number) {
      active++;
      peak = Math.max(peak, active);
      for (let i = 0; i < 3; i++) {
        await sleep(5 + ((n * 7) % 5));
        yield `${n}.${i}`;
      }
      active--;
    }
    const values: string[] = [];
    const done: number[] = [];
    for await (const ev of mergeConcurrent([0, 1, 2, 3, 4, 5, 6], 3, work)) {
      if (ev.kind === "value") values.push(ev.value);
      if (ev.kind === "done") done.push(ev.item);
    }
    expect(peak).toBe(3);
    expect(values.sort()).toEqual(
      [0, 1, 2, 3, 4, 5, 6].flatMap((n) => [0, 1, 2].map((i) => `${n}.${i}`)).sort(),
    );
    expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("pulls the source lazily: never more items started than slots", async () => {
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield i;
      }
    }
    const it = mergeConcurrent(source(), 2, async function* (n) {
      await sleep(1);
      yield n;
    });
    const first = await it.next();
    expect(first.value).toMatchObject({ kind: "start" });
    expect(pulled).toBeLessThanOrEqual(3);
    await it.return(undefined);
  });

  it("propagates a producer's error and ends the other producers", async () => {
    let closed = 0;
    async function* work(n: number) {
      try {
        await sleep(n * 5);
        if (n === 1) throw new Error("boom");
        await sleep(50);
        yield n;
      } finally {
        closed++;
      }
    }
    await expect(
      (async () => {
        for await (const _ of mergeConcurrent([0, 1, 2], 3, work)) {
          // drain
        }
      })(),
    ).rejects.toThrow("boom");
    expect(closed).toBe(3);
  });

  it("lets the items already started finish when the source fails, then throws its error", async () => {
    async function* source() {
      yield 0;
      yield 1;
      throw new Error("listing failed");
    }
    async function* work(n: number) {
      await sleep(20);
      yield n;
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const ev of mergeConcurrent(source(), 4, work))
          if (ev.kind === "value") seen.push(ev.value);
      })(),
    ).rejects.toThrow("listing failed");
    expect(seen.sort()).toEqual([0, 1]);
  });
});

describe("CompletionWatermark", () => {
  it("advances only over a contiguous prefix of completed items", () => {
    const w = new CompletionWatermark();
    expect(w.complete(1)).toBe(-1);
    expect(w.complete(2)).toBe(-1);
    expect(w.complete(0)).toBe(2);
    expect(w.complete(4)).toBe(2);
    expect(w.complete(3)).toBe(4);
    expect(w.reached).toBe(4);
  });
});

describe("instants", () => {
  it("compare at microsecond precision across offsets", () => {
    expect(sortableInstant("2026-04-07T09:12:31.222021+00:00")).toBe("2026-04-07T09:12:31.222021Z");
    expect(sortableInstant("2026-04-07T11:12:31.2+02:00")).toBe("2026-04-07T09:12:31.200000Z");
    expect(compareInstants("2026-04-07T09:12:31.222021+00:00", "2026-04-07T09:12:31.222022+00:00")).toBe(-1);
    expect(compareInstants("2026-04-07T09:12:31Z", "2026-04-07T10:12:31+01:00")).toBe(0);
    expect(laterInstant(undefined, "2020-01-01T00:00:00Z")).toBe("2020-01-01T00:00:00Z");
    expect(laterInstant("2021-01-01T00:00:00Z", "2020-01-01T00:00:00Z")).toBe("2021-01-01T00:00:00Z");
    expect(() => sortableInstant("yesterday")).toThrow();
  });
});
