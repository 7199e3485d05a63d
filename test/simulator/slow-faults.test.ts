import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { type Simulator, startSimulator } from "../../integration_tests/simulator/index.js";
import { cloudAuth, dcAdmin, dcApi, get } from "./http.js";
import { eventually, type TimerWatch, watchTimers } from "./timers.js";

// Slow answers, and that every long-running fault lets go of its timers and sockets as soon as
// the client hangs up or the simulator closes (vitest must never wait on them).

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
});

const commits = (s: Simulator, slug = "web-portal") =>
  `${dcApi(s)}/projects/PLAT/repos/${slug}/commits?limit=5`;

let watch: TimerWatch | undefined;
afterEach(() => watch?.stop());

/** Starts watching the timers this test creates. */
function timersFromHere(): TimerWatch {
  watch = watchTimers();
  return watch;
}

describe("slow-headers", () => {
  it("answers the API's page after delayMs", async () => {
    sim.injectFault({
      route: "dc.commits",
      repository: "PLAT/web-portal",
      kind: "slow-headers",
      delayMs: 300,
    });
    const t0 = performance.now();
    const slow = await get<{ values: unknown[] }>(commits(sim), dcAdmin(sim));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(slow.status).toBe(200);
    expect(slow.text).toBe((await get(commits(sim), dcAdmin(sim))).text);
    expect(sim.requests()[0]).toMatchObject({ fault: "slow-headers", status: 200 });
  });

  it("outlasts a client timeout; its timer ends with the connection; other repositories answer meanwhile", async () => {
    const timers = timersFromHere();
    sim.injectFault({
      route: "dc.commits",
      repository: "PLAT/web-portal",
      kind: "slow-headers",
      delayMs: 60_000,
    });
    const late = fetch(commits(sim), { headers: dcAdmin(sim), signal: AbortSignal.timeout(200) });
    expect((await get(commits(sim, "api-gateway"), dcAdmin(sim))).status).toBe(200);
    await expect(late).rejects.toThrow();
    await eventually(() => timers.pending() === 0);
    expect(sim.requests().find((r) => r.fault)).toMatchObject({ fault: "slow-headers", status: 0 });
  });
});

describe("slow-body", () => {
  it("sends status, headers and the true Content-Length at once, then chunkBytes every intervalMs", async () => {
    const whole = (await get(commits(sim), dcAdmin(sim))).text;
    sim.injectFault({
      route: "dc.commits",
      kind: "slow-body",
      chunkBytes: Math.ceil(whole.length / 4),
      intervalMs: 250,
    });
    const t0 = performance.now();
    const res = await fetch(commits(sim), { headers: dcAdmin(sim) });
    const headersAt = performance.now() - t0;
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(Buffer.byteLength(whole)));
    expect(await res.text()).toBe(whole);
    const bodyAt = performance.now() - t0;
    expect(bodyAt).toBeGreaterThanOrEqual(740);
    expect(bodyAt - headersAt).toBeGreaterThanOrEqual(500);
  });

  it("by default one byte a second", async () => {
    sim.injectFault({ route: "cloud.pullrequests", repository: "acme/api-gateway", kind: "slow-body" });
    const ac = new AbortController();
    onTestFinished(() => ac.abort());
    const res = await fetch(`${sim.cloudApiUrl}/repositories/acme/api-gateway/pullrequests`, {
      headers: cloudAuth(sim),
      signal: ac.signal,
    });
    const reader = res.body?.getReader();
    const first = await reader?.read();
    const t0 = performance.now();
    const second = await reader?.read();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(900);
    expect(Buffer.from([...(first?.value ?? []), ...(second?.value ?? [])]).toString()).toBe('{"');
  });

  it("a client that gives up mid-drip: the drip's timer ends with the connection", async () => {
    const timers = timersFromHere();
    sim.injectFault({
      route: "dc.commits",
      repository: "PLAT/web-portal",
      kind: "slow-body",
      intervalMs: 60_000,
    });
    const ac = new AbortController();
    const res = await fetch(commits(sim), { headers: dcAdmin(sim), signal: ac.signal });
    expect(res.status).toBe(200);
    await res.body?.getReader().read();
    ac.abort();
    await eventually(() => timers.pending() === 0);
  });
});

describe("close() and hang-ups end every long-running fault", () => {
  it("close() ends slow, endless and huge answers at once and leaves no timer", async () => {
    const timers = timersFromHere();
    const s = await startSimulator();
    s.injectFault({ route: "dc.commits", kind: "slow-headers", delayMs: 60_000 });
    s.injectFault({ route: "dc.commits", kind: "slow-body", intervalMs: 60_000 });
    s.injectFault({ route: "dc.commits", kind: "endless-body", intervalMs: 60_000 });
    s.injectFault({ route: "dc.commits", kind: "huge-page", bytes: 1024 ** 3 });
    s.injectFault({ route: "dc.commits", kind: "endless-body" });
    const outcomes: Promise<string>[] = [];
    for (let i = 0; i < 5; i++) {
      outcomes.push(
        fetch(commits(s), { headers: dcAdmin(s) }).then(
          (r) =>
            r.arrayBuffer().then(
              () => "complete",
              () => "cut",
            ),
          () => "failed",
        ),
      );
    }
    await eventually(() => s.requests().length === 5);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await s.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await Promise.all(outcomes)).toEqual(["failed", "cut", "cut", "cut", "cut"]);
    await eventually(() => timers.pending() === 0);
  });

  it("a client that stops reading an endless body frees the simulator for the next request", async () => {
    sim.injectFault({ route: "dc.commits", kind: "endless-body" });
    const ac = new AbortController();
    const res = await fetch(commits(sim), { headers: dcAdmin(sim), signal: ac.signal });
    await res.body?.getReader().read();
    ac.abort();
    expect((await get(commits(sim), dcAdmin(sim))).status).toBe(200);
  });
});
