import { describe, expect, it } from "vitest";
import { type ScaleSpec, type Simulator, startSimulator } from "../../integration_tests/simulator/index.js";
import { type CloudPage, cloudAuth, type DcPage, dcAdmin, dcApi, followCloud, get } from "./http.js";

const ALL_STATES = "state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED";

async function snapshot(sim: Simulator): Promise<string[]> {
  const urls: [string, Record<string, string>][] = [
    [`${sim.cloudApiUrl}/repositories/acme?pagelen=100`, cloudAuth(sim)],
    [
      `${sim.cloudApiUrl}/repositories/acme/api-gateway/pullrequests?${ALL_STATES}&pagelen=50`,
      cloudAuth(sim),
    ],
    [`${sim.cloudApiUrl}/repositories/acme/data-pipeline/pullrequests/3/commits?pagelen=100`, cloudAuth(sim)],
    [`${dcApi(sim)}/repos?limit=100`, dcAdmin(sim)],
    [`${dcApi(sim)}/projects/PLAT/repos/api-gateway/commits?limit=1000`, dcAdmin(sim)],
  ];
  const out: string[] = [];
  for (const [url, headers] of urls) out.push((await get(url, headers)).text.replaceAll(sim.url, "ORIGIN"));
  return out;
}

describe("determinism", () => {
  it("gives byte-identical data for the same seed and different data for another", async () => {
    const a = await startSimulator({ seed: 7 });
    const b = await startSimulator({ seed: 7 });
    const c = await startSimulator({ seed: 8 });
    try {
      expect(a.url).not.toBe(b.url);
      expect(await snapshot(a)).toEqual(await snapshot(b));
      expect(a.truth()).toEqual(b.truth());
      expect(a.credentials).toEqual(b.credentials);
      const hashesA = new Set(a.truth().cloud.map((t) => t.hash));
      expect(c.truth().cloud.some((t) => hashesA.has(t.hash))).toBe(false);
      expect(c.credentials.cloud.accessToken).not.toBe(a.credentials.cloud.accessToken);
      // The showcase's names and special cases do not depend on the seed.
      expect(c.cloud.repositories("acme")).toEqual(a.cloud.repositories("acme"));
      expect(c.dc.repositories().map((r) => [r.slug, r.configuredDefaultBranch, r.empty])).toEqual(
        a.dc.repositories().map((r) => [r.slug, r.configuredDefaultBranch, r.empty]),
      );
      // Mutations are deterministic too.
      expect(a.dc.push("OPS", "runbooks", 2)).toEqual(b.dc.push("OPS", "runbooks", 2));
      expect(a.cloud.addCommitsToPullRequest("acme", "ios-app", 1, 2)).toEqual(
        b.cloud.addCommitsToPullRequest("acme", "ios-app", 1, 2),
      );
      expect(a.truth()).toEqual(b.truth());
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });
});

describe("scale", () => {
  it("serves a million commits per deployment from little memory, deep pages fast", async () => {
    const spec: ScaleSpec = {
      cloud: {
        workspaces: [{ name: "acme", repos: 10 }],
        prsPerRepo: [100, 100],
        commitsPerPr: [1000, 1000],
      },
      dc: { projects: 1, reposPerProject: 1, commitsPerRepo: [1_000_000, 1_000_000] },
    };
    globalThis.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const sim = await startSimulator({ scale: spec });
    try {
      expect(performance.now() - t0).toBeLessThan(2000);
      const counts = sim.truthCount();
      expect(counts.dc).toBe(1_000_000);
      expect(counts.cloud).toBeGreaterThan(800_000);
      const repo = sim.dc.repositories()[0];
      if (!repo) throw new Error("no repository");
      const base = `${dcApi(sim)}/projects/${repo.projectKey}/repos/${repo.slug}/commits`;

      // The oldest commits, a million commits down.
      const deep = await get<DcPage>(`${base}?start=999900&limit=100`, dcAdmin(sim));
      expect(deep.json.values).toHaveLength(100);
      expect(deep.json.isLastPage).toBe(true);
      expect(deep.json.values[99]?.parents).toEqual([]);
      const deepId = String(deep.json.values[0]?.id);
      const fromDeep = await get<DcPage>(`${base}?until=${deepId}&limit=3`, dcAdmin(sim));
      expect(fromDeep.json.values.map((v) => v.id)).toEqual(deep.json.values.slice(0, 3).map((v) => v.id));
      const sinceDeep = await get<DcPage>(
        `${base}?since=${String(deep.json.values[1]?.id)}&start=999890&limit=100`,
        dcAdmin(sim),
      );
      expect(sinceDeep.json.values.map((v) => v.id)).toEqual(
        (await get<DcPage>(`${base}?start=999890&limit=10`, dcAdmin(sim))).json.values
          .map((v) => v.id)
          .concat([deepId]),
      );

      // Pages of 100 cost little, at any depth.
      const t1 = performance.now();
      for (let i = 0; i < 20; i++) {
        const r = await get<DcPage>(`${base}?start=${i * 49_000}&limit=100`, dcAdmin(sim));
        expect(r.json.values).toHaveLength(100);
      }
      const perPage = (performance.now() - t1) / 20;
      expect(perPage).toBeLessThan(50);

      // Force-pushed ids become unknown without any id index.
      const { removed } = sim.dc.forcePush(repo.projectKey, repo.slug, { drop: 5, add: 1 });
      expect((await get(`${base}?since=${removed[0]}`, dcAdmin(sim))).status).toBe(404);

      // Cloud: a 1,000-commit pull request, 10 pages with opaque tokens.
      const ws = "acme";
      const slug = sim.cloud.repositories(ws)[9] ?? "";
      const pr = sim.cloud.pullRequests(ws, slug).find((p) => p.commitsStatus === 200 && p.commits === 1000);
      const pages = await followCloud(
        `${sim.cloudApiUrl}/repositories/${ws}/${slug}/pullrequests/${pr?.id}/commits?pagelen=100`,
        cloudAuth(sim),
      );
      expect(pages).toHaveLength(10);
      expect(new Set(pages.flatMap((p) => p.values.map((v) => v.hash))).size).toBe(1000);
      const prs = await get<CloudPage>(
        `${sim.cloudApiUrl}/repositories/${ws}/${slug}/pullrequests?${ALL_STATES}&pagelen=50`,
        cloudAuth(sim),
      );
      expect(prs.json.size).toBe(100);

      globalThis.gc?.();
      const grown = (process.memoryUsage().heapUsed - heap0) / 1024 / 1024;
      expect(grown).toBeLessThan(300);
    } finally {
      await sim.close();
    }
  });

  it("bench scale holds about 100k extractable commits per deployment over ~100 repositories", async () => {
    const sim = await startSimulator({ scale: "bench" });
    try {
      const counts = sim.truthCount();
      expect(counts.cloud).toBeGreaterThan(80_000);
      expect(counts.cloud).toBeLessThan(125_000);
      expect(counts.dc).toBeGreaterThan(80_000);
      expect(counts.dc).toBeLessThan(125_000);
      const cloudRepos = sim.cloud.workspaces().reduce((n, ws) => n + sim.cloud.repositories(ws).length, 0);
      expect(cloudRepos).toBe(100);
      const dcRepos = sim.dc.repositories();
      expect(dcRepos).toHaveLength(100);
      expect(dcRepos.filter((r) => r.empty).length).toBeGreaterThan(0);
      expect(dcRepos.filter((r) => !r.empty && r.defaultBranch === null).length).toBeGreaterThan(0);
    } finally {
      await sim.close();
    }
  });
});
