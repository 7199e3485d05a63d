/**
 * Full reads and start_date reads of real git histories, served as Bitbucket Data Center would in
 * each order it may list commits (git's default, date order, topological) and under page caps of
 * 25, 100 and 1,000: the records are exactly the commits `git rev-list` says, none missing, none
 * twice. The histories: long-lived branches merged late (blocks of old commits), two root
 * lineages, a bad clock (commits dated before their parents or after their children, by hours and
 * by weeks), octopus merges, an empty repository and one without its default branch.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DC_STREAM, dcConfig } from "./helpers/configs.js";
import { readInProcess } from "./helpers/in-process.js";
import {
  COMMIT_ORDERS,
  clockSkewHistory,
  type DcGitRepositoryOption,
  emptyHistory,
  type GitRepo,
  longLivedBranchesHistory,
  missingDefaultHistory,
  octopusHistory,
  type Simulator,
  startSimulator,
  twoRootsHistory,
} from "./simulator/index.js";

const histories = {
  "long-lived": longLivedBranchesHistory(),
  skew: clockSkewHistory(),
  "two-roots": twoRootsHistory(),
  octopus: octopusHistory(),
  empty: emptyHistory(),
  missing: missingDefaultHistory(),
};
type Name = keyof typeof histories;
const repositories: DcGitRepositoryOption[] = Object.entries(histories).map(([slug, h]) => ({
  project: "GIT",
  slug,
  repo: h.repo,
}));

const sims: Simulator[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
  for (const h of Object.values(histories)) h.repo.dispose();
});

/** Commits reachable from the default branch committed at or after `floor` (epoch ms): the ground truth. */
function truth(repo: GitRepo, floor = Number.NEGATIVE_INFINITY): string[] {
  return repo
    .reachable()
    .filter((c) => c.committerTimestamp >= floor)
    .map((c) => c.id)
    .sort();
}

/** Floors that cut a history at a third and at nine tenths of its commits (by commit time). */
function floors(repo: GitRepo): number[] {
  const times = repo
    .reachable()
    .map((c) => c.committerTimestamp)
    .sort((a, b) => a - b);
  return [0.33, 0.9].map((q) => times[Math.floor(q * (times.length - 1))]!);
}

/** The ids each repository's records hold, sorted, and whether any id came twice. */
function emitted(
  records: Record<string, unknown>[] | undefined,
  slug: string,
): { ids: string[]; twice: boolean } {
  const ids = (records ?? []).filter((r) => r.repo_slug === slug).map((r) => String(r.id));
  return { ids: [...ids].sort(), twice: new Set(ids).size !== ids.length };
}

/**
 * Floors right at the bad clock's outliers: a commit dated weeks before its parent makes the
 * parent look old, and one dated after its children looks older than it is, to anything that
 * reasons from the dates of the commits listed so far. So: the parent's time, or the outlier's.
 */
function outlierFloors(): number[] {
  const { repo, outliers, skewed } = histories.skew;
  const out = new Set<number>();
  for (const id of outliers) {
    const c = repo.commit(id)!;
    if ((skewed.get(id) ?? 0) > 0) out.add(c.committerMs);
    else for (const p of c.parents) out.add(repo.commit(p)!.committerMs);
  }
  return [...out];
}

describe.each(COMMIT_ORDERS)("%s order", (order) => {
  describe.each([25, 100, 1000])("page cap %i", (cap) => {
    let sim: Simulator;
    const config = (extra: Record<string, unknown> = {}) => ({
      data_center: dcConfig(sim, "basic", extra),
      max_concurrency: 4,
    });
    beforeAll(async () => {
      sim = await startSimulator({ dcGit: { repositories, order }, dcMaxLimit: cap });
      sims.push(sim);
    });

    it("a full read emits every commit of every history exactly once", async () => {
      const r = await readInProcess(config(), [DC_STREAM]);
      expect(r.code).toBe(0);
      for (const [slug, h] of Object.entries(histories)) {
        const got = emitted(r.records.get(DC_STREAM), slug);
        expect(got.twice, slug).toBe(false);
        expect(got.ids, slug).toEqual(truth(h.repo));
      }
    });

    it.each(["long-lived", "skew", "two-roots", "octopus"] as Name[])(
      "start_date at several points of %s emits exactly the commits committed since",
      async (slug) => {
        const { repo } = histories[slug];
        const cuts = [...floors(repo), ...(slug === "skew" ? outlierFloors() : [])];
        const reads = await Promise.all(
          cuts.map((floor) =>
            readInProcess(
              {
                ...config({ repositories: [`GIT/${slug}`] }),
                start_date: new Date(floor).toISOString().replace(".000Z", "Z"),
              },
              [DC_STREAM],
            ),
          ),
        );
        reads.forEach((r, i) => {
          const floor = cuts[i]!;
          const what = `${slug} since ${new Date(floor).toISOString()}`;
          expect(r.code, what).toBe(0);
          const got = emitted(r.records.get(DC_STREAM), slug);
          expect(got.twice, what).toBe(false);
          expect(got.ids, what).toEqual(truth(repo, floor));
        });
      },
    );
  });
});

describe("what the early stop costs", () => {
  it("in date order, at most one page more than stopping at the first page older than start_date, and a few lookups", async () => {
    const { repo } = histories["long-lived"];
    const cap = 100;
    const sim = await startSimulator({ dcGit: { repositories, order: "date" }, dcMaxLimit: cap });
    sims.push(sim);
    const listing = repo.log(repo.head("main")!, { order: "date" });
    const times = listing.map((c) => c.committerMs).sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99]) {
      const floor = times[Math.floor(q * (times.length - 1))]!;
      // The old rule: the first page all of whose commits are older than the floor ends the read.
      let oldPages = Math.ceil(listing.length / cap);
      for (let p = 0; p * cap < listing.length; p++) {
        if (listing.slice(p * cap, (p + 1) * cap).every((c) => c.committerMs < floor)) {
          oldPages = p + 1;
          break;
        }
      }
      sim.resetStats();
      const r = await readInProcess(
        {
          data_center: dcConfig(sim, "basic", { repositories: ["GIT/long-lived"] }),
          start_date: new Date(floor).toISOString().replace(".000Z", "Z"),
        },
        [DC_STREAM],
      );
      expect(r.code).toBe(0);
      const routes = sim.requests().map((x) => x.route);
      expect(routes.filter((x) => x === "dc.commits").length, `start_date at ${q}`).toBeLessThanOrEqual(
        oldPages + 1,
      );
      expect(routes.filter((x) => x === "dc.commit").length, `start_date at ${q}`).toBeLessThanOrEqual(8);
    }
  });
});
