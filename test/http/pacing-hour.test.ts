/**
 * requests_per_hour holds over whole hours of simulated time, across a long 429 pause: the turns
 * that fell in the pause do not all start together at its end.
 */
import { MockAgent } from "undici";
import { afterEach, expect, it, vi } from "vitest";
import { HttpClient } from "../../src/http/client.js";
import { fastRetry, memoryLogger, testServer } from "../helpers/clients.js";

afterEach(() => vi.useRealTimers());

const json = { "content-type": "application/json" };

it("starts no more than requests_per_hour in any hour, a five-minute 429 pause included", async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  const agent = new MockAgent();
  agent.disableNetConnect();
  const starts: number[] = [];
  agent
    .get("https://api.example.com")
    .intercept({ path: () => true })
    .reply(() =>
      // The second start gets a 429 asking for a five-minute pause.
      starts.push(Date.now()) === 2
        ? { statusCode: 429, data: {}, responseOptions: { headers: { ...json, "retry-after": "300" } } }
        : { statusCode: 200, data: {}, responseOptions: { headers: json } },
    )
    .persist();
  const perHour = 60;
  const http = new HttpClient(
    testServer("https://api.example.com/", {
      requestsPerHour: perHour,
      maxConcurrency: 4,
      timeoutMs: 10_000_000,
      retry: { ...fastRetry, maxRateLimitWaitMs: 3_600_000 },
    }),
    memoryLogger(),
    { dispatcher: agent, random: () => 1 },
  );
  // Six streams that always want another request.
  let stop = false;
  const streams = Array.from({ length: 6 }, async (_, w) => {
    const s = http.scope();
    for (let i = 0; !stop; i++) await s.get(`w${w}/${i}`, undefined).catch(() => undefined);
  });
  const end = Date.now() + 2 * 3_600_000;
  while (Date.now() < end) await vi.advanceTimersByTimeAsync(1_000);
  stop = true;
  await http.close();
  await vi.advanceTimersByTimeAsync(200_000);
  await Promise.allSettled(streams);
  expect(starts.length).toBeGreaterThan(perHour); // both hours were used
  const worst = Math.max(...starts.map((a) => starts.filter((b) => b >= a && b < a + 3_600_000).length));
  expect(worst).toBeLessThanOrEqual(perHour);
}, 60_000);
