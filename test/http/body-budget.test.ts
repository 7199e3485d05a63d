import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BodyBudget } from "../../src/http/body-budget.js";
import { Transport } from "../../src/http/transport.js";

describe("BodyBudget", () => {
  it("grants its permits, then hands each released one to the longest waiter", async () => {
    const budget = new BodyBudget(10, 2);
    const never = new AbortController().signal;
    const a = await budget.enter(never);
    const b = await budget.enter(never);
    const order: string[] = [];
    const waitFor = (name: string) =>
      budget.enter(never).then((release) => {
        order.push(name);
        return release;
      });
    const c = waitFor("c");
    const d = waitFor("d");
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]);
    a();
    a(); // a second release of one permit is ignored
    (await c)();
    b();
    (await d)();
    expect(order).toEqual(["c", "d"]);
    // Everything released: both permits are free again.
    await budget.enter(never);
    await budget.enter(never);
  });

  it("stops waiting when its request is aborted, without taking a permit", async () => {
    const budget = new BodyBudget(10, 1);
    const held = await budget.enter(new AbortController().signal);
    const stop = new AbortController();
    const waiting = budget.enter(stop.signal);
    stop.abort(new Error("timed out"));
    await expect(waiting).rejects.toThrow("timed out");
    held();
    await expect(budget.enter(new AbortController().signal)).resolves.toBeTypeOf("function");
  });
});

describe("Transport bodies", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((r) => server?.close(r));
  });

  /** A server that sends `size` bytes, chunked or with a Content-Length, in 16 KiB writes. */
  async function serve(size: number, chunked: boolean): Promise<URL> {
    server = createServer((_req, res) => {
      res.writeHead(200, chunked ? {} : { "content-length": String(size) });
      const piece = Buffer.alloc(16_384, 120);
      let left = size;
      while (left > 0) {
        res.write(piece.subarray(0, Math.min(left, piece.length)));
        left -= piece.length;
      }
      res.end();
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  }

  it.each([true, false])(
    "reads several large bodies through one permit, each whole (chunked: %s)",
    async (chunked) => {
      const origin = await serve(200_000, chunked);
      const budget = new BodyBudget(50_000, 1);
      const t = new Transport(origin, {
        timeoutMs: 5000,
        maxConcurrency: 4,
        maxResponseBytes: 1_000_000,
        budget,
      });
      const never = new AbortController().signal;
      const answers = await Promise.all([1, 2, 3].map(() => t.exchange(new URL("/x", origin), "", never)));
      for (const a of answers) expect(a.kind === "answer" && a.bytes.length).toBe(200_000);
      // The permits are all back.
      await budget.enter(never);
      await t.destroy();
    },
  );

  it("abandons a body past the limit, giving its permit back", async () => {
    const origin = await serve(300_000, true);
    const budget = new BodyBudget(50_000, 1);
    const t = new Transport(origin, {
      timeoutMs: 5000,
      maxConcurrency: 4,
      maxResponseBytes: 100_000,
      budget,
    });
    const never = new AbortController().signal;
    const a = await t.exchange(new URL("/x", origin), "", never);
    expect(a).toMatchObject({ kind: "failure", failure: "too_large" });
    await budget.enter(never);
    await t.destroy();
  });
});
