import type { ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as delay } from "node:timers/promises";

// What the hostile faults need to answer slowly or without end, and still stop at once when the
// client hangs up or the simulator closes: vitest must not wait on a timer or a stream we left.

/** Aborts when the response's connection closes, whether it finished, the client left or close() ran. */
export function closeSignal(res: ServerResponse): AbortSignal {
  const stop = new AbortController();
  res.once("close", () => stop.abort());
  return stop.signal;
}

/** Resolves after `ms`; rejects at once when the signal aborts (the timer is cleared). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal });
}

/** Writes a streamed body with backpressure; a client that leaves ends it quietly. */
export function sendStream(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: AsyncIterable<Buffer>,
): void {
  res.writeHead(status, headers);
  pipeline(Readable.from(body, { objectMode: false }), res).catch(() => {
    // The client closed the connection or the simulator is closing: nothing left to tell anyone.
  });
}
