import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../integration_tests/simulator/index.js";
import { cloudAuth, dcAdmin, dcApi, get } from "./http.js";

let sim: Simulator;
let repos: string;
let projects: string;

beforeAll(async () => {
  sim = await startSimulator();
  repos = `${sim.cloudApiUrl}/repositories/acme`;
  projects = `${dcApi(sim)}/projects`;
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
});

describe("injected faults", () => {
  it("429 without Retry-After: text/plain on Cloud, JSON on DC", async () => {
    sim.injectFault({ route: "cloud.repositories", kind: "429" });
    sim.injectFault({ route: "dc.projects", kind: "429" });
    const c = await get(repos, cloudAuth(sim));
    expect(c.status).toBe(429);
    expect(c.headers.get("retry-after")).toBeNull();
    expect(c.headers.get("content-type")).toMatch(/^text\/plain/);
    const d = await get<{ errors: unknown[] }>(projects, dcAdmin(sim));
    expect(d.status).toBe(429);
    expect(d.json.errors).toHaveLength(1);
    expect((await get(repos, cloudAuth(sim))).status).toBe(200);
  });

  it("429 with Retry-After in seconds or as an HTTP date", async () => {
    sim.injectFault({ route: "dc.projects", kind: "429-retry-after-seconds", retryAfterSeconds: 7 });
    const s = await get(projects, dcAdmin(sim));
    expect(s.status).toBe(429);
    expect(s.headers.get("retry-after")).toBe("7");
    sim.injectFault({ route: "dc.projects", kind: "429-retry-after-date", retryAfterSeconds: 30 });
    const d = await get(projects, dcAdmin(sim));
    expect(d.status).toBe(429);
    const at = Date.parse(d.headers.get("retry-after") ?? "");
    expect(at).toBeGreaterThan(Date.now() + 20_000);
    expect(at).toBeLessThan(Date.now() + 40_000);
  });

  it("503, 502 and 555", async () => {
    for (const kind of ["503", "502", "555"] as const) {
      sim.injectFault({ route: "cloud.repositories", kind });
      expect((await get(repos, cloudAuth(sim))).status).toBe(Number(kind));
    }
    sim.injectFault({ route: "cloud.repositories", kind: "502" });
    expect((await get(repos, cloudAuth(sim))).headers.get("content-type")).toMatch(/^text\/html/);
  });

  it("html-200: a proxy login page with status 200", async () => {
    sim.injectFault({ route: "dc.commits", kind: "html-200" });
    const r = await get(`${projects}/PLAT/repos/api-gateway/commits`, dcAdmin(sim));
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/html/);
    expect(r.text).toContain("<form");
    expect(r.json).toBeUndefined();
  });

  it("reset: the connection closes without a response", async () => {
    sim.injectFault({ route: "cloud.repositories", kind: "reset" });
    await expect(fetch(repos, { headers: cloudAuth(sim) })).rejects.toThrow();
    expect((await get(repos, cloudAuth(sim))).status).toBe(200);
    expect(sim.requests()[0]).toMatchObject({ route: "cloud.repositories", status: 0, fault: "reset" });
  });

  it("truncate: headers and half the body, then the connection drops", async () => {
    sim.injectFault({ route: "dc.commits", kind: "truncate" });
    const res = await fetch(`${projects}/PLAT/repos/api-gateway/commits?limit=50`, { headers: dcAdmin(sim) });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect(sim.requests()[0]).toMatchObject({ status: 200, fault: "truncate" });
  });

  it("hang: no answer until the client gives up; the next request is served", async () => {
    sim.injectFault({ route: "cloud.pullrequests", kind: "hang" });
    const url = `${repos}/api-gateway/pullrequests`;
    await expect(fetch(url, { headers: cloudAuth(sim), signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect((await get(url, cloudAuth(sim))).status).toBe(200);
  });

  it("close() ends hung requests promptly", async () => {
    const s = await startSimulator();
    s.injectFault({ kind: "hang" });
    const pending = fetch(`${s.cloudApiUrl}/repositories/acme`, { headers: cloudAuth(s) }).then(
      () => "answered",
      () => "failed",
    );
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await s.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await pending).toBe("failed");
  });

  it("apply in order, before authentication, for `times` matching requests (Infinity until cleared)", async () => {
    sim.injectFault({ route: /pullrequests\/\d+\/commits\?.*pagelen=7/, kind: "503", times: 2 });
    sim.injectFault({ route: "cloud.repositories", kind: "502", times: Number.POSITIVE_INFINITY });
    const commits = `${repos}/data-pipeline/pullrequests/3/commits?pagelen=7`;
    expect((await get(commits)).status).toBe(503);
    expect(
      (await get(`${repos}/data-pipeline/pullrequests/3/commits?pagelen=8`, cloudAuth(sim))).status,
    ).toBe(200);
    expect((await get(commits, cloudAuth(sim))).status).toBe(503);
    expect((await get(commits, cloudAuth(sim))).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await get(repos, cloudAuth(sim))).status).toBe(502);
    sim.clearFaults();
    expect((await get(repos, cloudAuth(sim))).status).toBe(200);
  });

  it("a fault without a route hits the next request, whatever it is", async () => {
    sim.injectFault({ kind: "555" });
    expect((await get(`${sim.url}/anything`)).status).toBe(555);
    expect((await get(`${sim.url}/anything`)).status).toBe(404);
  });

  it("counts faulted requests in stats and the request log", async () => {
    sim.injectFault({ route: "dc.projects", kind: "503", times: 2 });
    await get(projects, dcAdmin(sim));
    await get(projects, dcAdmin(sim));
    await get(projects, dcAdmin(sim));
    await get(`${sim.url}/favicon.ico`);
    const stats = sim.stats();
    expect(stats.total).toBe(4);
    expect(stats.byRoute["dc.projects"]).toBe(3);
    expect(stats.byRoute["sim.other"]).toBe(1);
    expect(stats.byRoute["cloud.repositories"]).toBe(0);
    expect(sim.requests().map((r) => [r.status, r.fault])).toEqual([
      [503, "503"],
      [503, "503"],
      [200, undefined],
      [404, undefined],
    ]);
  });
});

describe("latency", () => {
  it("delays every response by latencyMs", async () => {
    const slow = await startSimulator({ latencyMs: 120 });
    try {
      const t0 = performance.now();
      expect((await get(`${slow.cloudApiUrl}/repositories/acme`, cloudAuth(slow))).status).toBe(200);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(110);
    } finally {
      await slow.close();
    }
  });
});
