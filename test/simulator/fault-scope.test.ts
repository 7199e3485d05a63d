import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../integration_tests/simulator/index.js";
import { cloudAuth, dcAdmin, dcApi, get } from "./http.js";

// Faults aimed at one repository, and Retry-After values a server should never send.

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
});

const dcCommits = (repo: string) => `${dcApi(sim)}/projects/${repo.replace("/", "/repos/")}/commits`;

describe("repository scope", () => {
  it("503 forever on one DC repository's commits; the others and its other routes answer", async () => {
    sim.injectFault({
      route: "dc.commits",
      repository: "PLAT/web-portal",
      kind: "503",
      times: Number.POSITIVE_INFINITY,
    });
    for (let i = 0; i < 3; i++)
      expect((await get(dcCommits("PLAT/web-portal"), dcAdmin(sim))).status).toBe(503);
    expect((await get(dcCommits("PLAT/api-gateway"), dcAdmin(sim))).status).toBe(200);
    expect((await get(dcCommits("OPS/monitoring"), dcAdmin(sim))).status).toBe(200);
    expect((await get(`${dcApi(sim)}/projects/PLAT/repos/web-portal`, dcAdmin(sim))).status).toBe(200);
  });

  it("without a route, every route of that repository; never the lists and never a same-named repository", async () => {
    sim.injectFault({ repository: "acme/api-gateway", kind: "502", times: Number.POSITIVE_INFINITY });
    const acme = `${sim.cloudApiUrl}/repositories/acme`;
    expect((await get(`${acme}/api-gateway`, cloudAuth(sim))).status).toBe(502);
    expect((await get(`${acme}/api-gateway/pullrequests`, cloudAuth(sim))).status).toBe(502);
    expect((await get(acme, cloudAuth(sim))).status).toBe(200);
    expect((await get(`${acme}/billing-service/pullrequests`, cloudAuth(sim))).status).toBe(200);
    expect((await get(dcCommits("PLAT/api-gateway"), dcAdmin(sim))).status).toBe(200);
  });

  it("matches the decoded path parameters", async () => {
    sim.injectFault({ route: "dc.commits", repository: "PLAT/web-portal", kind: "555" });
    expect((await get(`${dcApi(sim)}/projects/PLAT/repos/web%2Dportal/commits`, dcAdmin(sim))).status).toBe(
      555,
    );
  });
});

describe("Retry-After sent verbatim", () => {
  it.each(["-1", "soon", "99999999999"])("429 with Retry-After: %s", async (value) => {
    sim.injectFault({ route: "dc.commits", repository: "PLAT/web-portal", kind: "429", retryAfter: value });
    const r = await get(dcCommits("PLAT/web-portal"), dcAdmin(sim));
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe(value);
    expect((await get(dcCommits("PLAT/web-portal"), dcAdmin(sim))).status).toBe(200);
  });

  it("with the other status-only kinds too, and over the seconds kind's value", async () => {
    sim.injectFault({ route: "cloud.repositories", kind: "503", retryAfter: "soon" });
    sim.injectFault({ route: "cloud.repositories", kind: "429-retry-after-seconds", retryAfter: "-1" });
    const acme = `${sim.cloudApiUrl}/repositories/acme`;
    const a = await get(acme, cloudAuth(sim));
    expect([a.status, a.headers.get("retry-after")]).toEqual([503, "soon"]);
    const b = await get(acme, cloudAuth(sim));
    expect([b.status, b.headers.get("retry-after")]).toEqual([429, "-1"]);
  });
});
