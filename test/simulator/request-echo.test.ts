import http from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../integration_tests/simulator/index.js";
import { type CloudPage, cloudAuth, type DcPage, dcAdmin, dcApi, get } from "./http.js";

// A server that echoes the request, Authorization included, into an error or a page: the
// connector must mask it wherever it shows up.

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
});

type Json = Record<string, unknown>;

/** GET with node:http, so header names keep their case. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      })
      .on("error", reject);
  });
}

describe("echo-error", () => {
  it("DC: 400 whose error message is the request line and every header as sent", async () => {
    sim.injectFault({ route: "dc.commits", repository: "PLAT/web-portal", kind: "echo-error" });
    const path = "/bitbucket/rest/api/1.0/projects/PLAT/repos/web-portal/commits?limit=5";
    const auth = dcAdmin(sim).authorization;
    const r = await rawGet(`${sim.url}${path}`, { Authorization: auth, "X-Trace": "t1" });
    expect(r.status).toBe(400);
    const body = JSON.parse(r.body) as { errors: { message: string; exceptionName: null }[] };
    const lines = body.errors[0]?.message.split("\r\n") ?? [];
    expect(lines[0]).toBe(`GET ${path} HTTP/1.1`);
    expect(lines).toContain(`Authorization: ${auth}`);
    expect(lines).toContain("X-Trace: t1");
    expect(lines.some((l) => l.startsWith("Host: 127.0.0.1:"))).toBe(true);
    expect((await get(`${dcApi(sim)}/projects/PLAT/repos/web-portal/commits`, dcAdmin(sim))).status).toBe(
      200,
    );
  });

  it("Cloud: any status, the echo in error.message", async () => {
    sim.injectFault({ route: "cloud.pullrequests", kind: "echo-error", status: 502 });
    const r = await get<{ type: string; error: { message: string } }>(
      `${sim.cloudApiUrl}/repositories/acme/api-gateway/pullrequests`,
      cloudAuth(sim),
    );
    expect(r.status).toBe(502);
    expect(r.json.type).toBe("error");
    expect(r.json.error.message).toContain(`authorization: Bearer ${sim.credentials.cloud.accessToken}`);
  });
});

describe("echo-200", () => {
  it("Cloud: the API's page with the echo in the first commit's message and in `request`", async () => {
    const url = `${sim.cloudApiUrl}/repositories/acme/data-pipeline/pullrequests/3/commits?pagelen=5`;
    const plain = await get<CloudPage<Json>>(url, cloudAuth(sim));
    sim.injectFault({
      route: "cloud.pullrequest_commits",
      repository: "acme/data-pipeline",
      kind: "echo-200",
    });
    const r = await get<CloudPage<Json> & { request: string }>(url, cloudAuth(sim));
    expect(r.status).toBe(200);
    const secret = `authorization: Bearer ${sim.credentials.cloud.accessToken}`;
    expect(r.json.request).toContain(secret);
    expect(
      r.json.request.startsWith(
        "GET /2.0/repositories/acme/data-pipeline/pullrequests/3/commits?pagelen=5 HTTP/1.1\r\n",
      ),
    ).toBe(true);
    expect(r.json.values[0]).toEqual({ ...plain.json.values[0], message: r.json.request });
    expect(r.json.values.slice(1)).toEqual(plain.json.values.slice(1));
    expect(r.json.next).toBe(plain.json.next);
  });

  it("DC: any value and field", async () => {
    sim.injectFault({ route: "dc.commits", kind: "echo-200", valueIndex: 3, field: "author.name" });
    const r = await get<DcPage<{ author: { name: string } }>>(
      `${dcApi(sim)}/projects/OPS/repos/runbooks/commits?limit=5`,
      dcAdmin(sim),
    );
    expect(r.json.values[3]?.author.name).toContain(`authorization: ${dcAdmin(sim).authorization}`);
    expect(r.json.values[2]?.author.name).not.toContain("authorization");
  });
});
