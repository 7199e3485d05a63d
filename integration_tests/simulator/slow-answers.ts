import type { SimResponse } from "./http-types.js";
import { sleep } from "./streaming.js";
import type { FaultSpec } from "./types.js";

// A server slower than the client's timeout: late headers, or a body that trickles in. Each
// write resets an idle timeout, so only a deadline over the whole response catches a drip.

/** The API's answer, after `delayMs` of silence. */
export async function slowHeaders(
  spec: FaultSpec,
  signal: AbortSignal,
  answer: () => SimResponse,
): Promise<SimResponse> {
  await sleep(spec.delayMs ?? 10_000, signal);
  return answer();
}

/** The API's status and headers (with the true Content-Length) at once, then its body drop by drop. */
export function slowBody(real: SimResponse, spec: FaultSpec, signal: AbortSignal): SimResponse {
  if (real.body === undefined) return real;
  const bytes = Buffer.from(real.body);
  const chunk = Math.max(1, spec.chunkBytes ?? 1);
  const intervalMs = Math.max(0, spec.intervalMs ?? 1000);
  return {
    status: real.status,
    headers: { ...real.headers, "content-length": String(bytes.length) },
    stream: drip(bytes, chunk, intervalMs, signal),
  };
}

async function* drip(bytes: Buffer, chunk: number, intervalMs: number, signal: AbortSignal) {
  for (let at = 0; at < bytes.length; at += chunk) {
    if (at > 0) await sleep(intervalMs, signal);
    yield bytes.subarray(at, at + chunk);
  }
}
