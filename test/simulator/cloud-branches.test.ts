import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../integration_tests/simulator/index.js";
import { bearer, cloudAuth, get } from "./http.js";

// The simulator's Cloud branch routes behave as the connector must expect of Bitbucket Cloud.

type Json = Record<string, unknown>;
interface Page {
  values: { hash: string; date: string; parents: { hash: string }[] }[];
  next?: string;
  pagelen: number;
}

let sim: Simulator;
let repo: string;
beforeAll(async () => {
  sim = await startSimulator();
  repo = `${sim.cloudApiUrl}/repositories/acme/data-pipeline`;
});
afterAll(() => sim.close());

async function all(url: string): Promise<string[]> {
  const out: string[] = [];
  for (let next: string | undefined = url; next !== undefined; ) {
    const r: { status: number; json: Page } = await get<Page>(next, cloudAuth(sim));
    expect(r.status).toBe(200);
    out.push(...r.json.values.map((v) => v.hash));
    next = r.json.next;
  }
  return out;
}

describe("Cloud main branches", () => {
  it("names the main branch, whose head /refs/branches gives; an empty repository's is null", async () => {
    const r = await get<Json>(`${repo}?fields=mainbranch.name`, cloudAuth(sim));
    const name = (r.json.mainbranch as { name: string }).name;
    const ref = await get<{ target: { hash: string } }>(`${repo}/refs/branches/${name}`, cloudAuth(sim));
    expect(ref.json.target.hash).toBe(sim.cloud.mainBranch("acme", "data-pipeline").hashes[0]);
    const empty = await get<Json>(`${sim.cloudApiUrl}/repositories/other-ws/scratch`, cloudAuth(sim));
    expect(empty.json.mainbranch).toBeNull();
    expect((await get(`${repo}/refs/branches/nope`, cloudAuth(sim))).status).toBe(404);
  });

  it("lists git log <revision> ^<exclude> newest first, through opaque next links, with merges", async () => {
    const { hashes } = sim.cloud.mainBranch("acme", "data-pipeline");
    const head = hashes[0]!;
    const listed = await all(`${repo}/commits/${head}?pagelen=100`);
    expect(listed).toEqual(hashes);
    const first = await get<Page>(`${repo}/commits/${head}?pagelen=100`, cloudAuth(sim));
    expect(first.json.values.some((v) => v.parents.length === 2)).toBe(true);
    expect(new URL(first.json.next!).searchParams.get("page")).not.toMatch(/^\d+$/);
    const dates = first.json.values.map((v) => Date.parse(v.date));
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
    const older = hashes[50]!;
    const newer = await all(`${repo}/commits/${head}?exclude=${older}&exclude=${hashes[60]!}`);
    expect(newer.length).toBeGreaterThanOrEqual(50);
    expect(newer).not.toContain(older);
    expect(await all(`${repo}/commits/${head}?exclude=${head}`)).toEqual([]);
  });

  it("refuses page numbers and pagelen above 100, and answers 404 for an unknown revision or exclude", async () => {
    const head = sim.cloud.mainBranch("acme", "data-pipeline").hashes[0]!;
    expect((await get(`${repo}/commits/${head}?page=2`, cloudAuth(sim))).status).toBe(400);
    const big = await get<{ error: { message: string } }>(
      `${repo}/commits/${head}?pagelen=101`,
      cloudAuth(sim),
    );
    expect(big.status).toBe(400);
    expect(big.json.error.message).toBe("Invalid pagelen");
    const unknown = "0".repeat(40);
    for (const url of [`${repo}/commits/${unknown}`, `${repo}/commits/${head}?exclude=${unknown}`]) {
      const r = await get<{ error: { message: string } }>(url, cloudAuth(sim));
      expect(r.status).toBe(404);
      expect(r.json.error.message).toBe("Commit not found");
    }
  });

  it("serves one commit's date; needs only the repository scope", async () => {
    const head = sim.cloud.mainBranch("acme", "data-pipeline").hashes[0]!;
    const r = await get<Json>(
      `${repo}/commit/${head}?fields=date`,
      bearer(sim.credentials.cloud.noPullRequestScopeToken),
    );
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual(["date"]);
  });

  it("after a force-push and gc the old head is gone; without gc it still resolves", async () => {
    const old = sim.cloud.mainBranch("acme", "ios-app").hashes[0]!;
    sim.cloud.forcePushMainBranch("acme", "ios-app", { drop: 3, add: 1, gc: false });
    const ios = `${sim.cloudApiUrl}/repositories/acme/ios-app`;
    expect((await get(`${ios}/commit/${old}`, cloudAuth(sim))).status).toBe(200);
    const old2 = sim.cloud.mainBranch("acme", "ios-app").hashes[0]!;
    sim.cloud.forcePushMainBranch("acme", "ios-app", { drop: 1, add: 1 });
    expect((await get(`${ios}/commit/${old2}`, cloudAuth(sim))).status).toBe(404);
    expect((await get(`${ios}/commit/${old}`, cloudAuth(sim))).status).toBe(404);
  });
});
