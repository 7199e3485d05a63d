/**
 * cloud_default_branch_commits against real git histories served as Bitbucket Cloud would
 * (simulator `cloudGit`: `/commits/{revision}?exclude=` is `git rev-list`, pages of 100 behind
 * opaque tokens), with `git rev-list` as the ground truth. Full and start_date reads of long-lived
 * branches merged late, two root lineages and a bad clock emit exactly what git reaches; after
 * each move of history-moves.test.ts (pushes and late merges, force-pushes, a reset to another
 * lineage, a rewrite keeping dates, a switched and a renamed main branch, a first push), with
 * git's gc run or not after the rewrites, the next incremental read loses nothing and re-reads
 * only within the README's bound.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonObject } from "../src/protocol/messages.js";
import { cloudConfig, CLOUD_BRANCH_STREAM as S } from "./helpers/configs.js";
import { type BranchMove, expectNothingLost, rewritesAndSwitches } from "./helpers/history-moves.js";
import { readInProcess } from "./helpers/in-process.js";
import {
  clockSkewHistory,
  emptyHistory,
  type GitRepo,
  longLivedBranchesHistory,
  type Simulator,
  startSimulator,
  twoRootsHistory,
} from "./simulator/index.js";

const base = {
  "long-lived": longLivedBranchesHistory(),
  "two-roots": twoRootsHistory(),
  skew: clockSkewHistory(),
  empty: emptyHistory(),
};
type Base = keyof typeof base;

const sims: Simulator[] = [];
const copies: GitRepo[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
  for (const r of [...copies, ...Object.values(base).map((h) => h.repo)]) r.dispose();
});

async function serve(
  repos: [string, GitRepo][],
): Promise<{ sim: Simulator; config: Record<string, unknown> }> {
  const sim = await startSimulator({
    cloudGit: { repositories: repos.map(([slug, repo]) => ({ workspace: "git", slug, repo })) },
  });
  sims.push(sim);
  return { sim, config: { cloud: cloudConfig(sim, "access_token", { workspace: "git" }) } };
}

const ids = (records: JsonObject[] | undefined, slug: string) =>
  (records ?? []).filter((r) => r.repo_slug === slug).map((r) => String(r.hash));
const reachable = (repo: GitRepo, floor = Number.NEGATIVE_INFINITY) =>
  repo
    .reachable()
    .filter((c) => c.committerTimestamp >= floor)
    .map((c) => c.id);

describe("full reads", () => {
  let config: Record<string, unknown>;
  beforeAll(async () => {
    ({ config } = await serve(Object.entries(base).map(([slug, h]) => [slug, h.repo])));
  });

  it("emit every commit git reaches from each main branch, once; an empty repository none", async () => {
    const r = await readInProcess(config, [S]);
    expect(r.code).toBe(0);
    for (const [slug, h] of Object.entries(base)) {
      const got = ids(r.records.get(S), slug);
      expect(new Set(got).size, slug).toBe(got.length);
      expect(got.sort(), slug).toEqual(reachable(h.repo).sort());
    }
    expect(ids(r.records.get(S), "empty")).toEqual([]);
  });

  it.each(["long-lived", "skew"] as Base[])(
    "with start_date at several points of %s, emit exactly the commits committed since",
    async (slug) => {
      const { repo } = base[slug];
      const times = repo
        .reachable()
        .map((c) => c.committerTimestamp)
        .sort((a, b) => a - b);
      const floors = [0.33, 0.9].map((q) => times[Math.floor(q * (times.length - 1))]!);
      const reads = await Promise.all(
        floors.map((floor) =>
          readInProcess(
            {
              cloud: { ...(config.cloud as object), repositories: [slug] },
              start_date: new Date(floor).toISOString().replace(".000Z", "Z"),
            },
            [S],
          ),
        ),
      );
      reads.forEach((r, i) => {
        const what = `${slug} since ${new Date(floors[i]!).toISOString()}`;
        expect(r.code, what).toBe(0);
        const got = ids(r.records.get(S), slug);
        expect(new Set(got).size, what).toBe(got.length);
        expect(got.sort(), what).toEqual(reachable(repo, floors[i]).sort());
      });
    },
  );
});

type Move = BranchMove<Base>;

const MOVES: Move[] = [
  {
    name: "pushes and a late merge of an old branch",
    from: "two-roots",
    rewrites: false,
    apply: (repo) => {
      repo.push("main", 5);
      repo.merge(base["two-roots"].orphanBranch, { into: "main" });
      repo.push("main", 2);
      return undefined;
    },
  },
  ...rewritesAndSwitches<Base>("two-roots", base["two-roots"].orphanBranch, "main"),
  {
    name: "a first push to an empty repository",
    from: "empty",
    rewrites: false,
    apply: (r) => {
      r.push("main", 7);
      return undefined;
    },
  },
];

describe("incremental reads after the main branch moved", () => {
  it("lose nothing, whether git collected the old history before the next read or not; then read nothing", async () => {
    const first = await serve((["two-roots", "empty"] as Base[]).map((b) => [b, base[b].repo]));
    const r = await readInProcess(first.config, [S]);
    expect(r.code).toBe(0);
    const firstState = (r.states.get(S) as { partitions: Record<string, unknown> }).partitions;

    // gc matters only after a rewrite: other moves remove nothing.
    const moved = [false, true].flatMap((gc) =>
      MOVES.flatMap((m, i) =>
        gc && !m.rewrites
          ? []
          : [{ m, gc, slug: `move-${i}${gc ? "-gc" : ""}`, repo: base[m.from].repo.copy() }],
      ),
    );
    copies.push(...moved.map((x) => x.repo));
    const { config } = await serve(moved.map(({ slug, repo }) => [slug, repo]));
    const before = new Map(moved.map(({ slug, repo }) => [slug, new Set(reachable(repo))]));
    const changes = new Map(moved.map(({ m, slug, repo }) => [slug, m.apply(repo)]));
    for (const { gc, repo } of moved) if (gc) repo.gc();

    const state = {
      partitions: Object.fromEntries(
        moved.map(({ m, slug }) => [`git/${slug}`, firstState[`git/${m.from}`]]),
      ),
    };
    const second = await readInProcess(config, [S], new Map([[S, state]]));
    expect(second.code).toBe(0);
    for (const { m, gc, slug, repo } of moved) {
      expectNothingLost({
        what: `${m.name}${gc ? ", after gc" : ""}`,
        got: ids(second.records.get(S), slug),
        before: before.get(slug) ?? new Set(),
        reachableNow: reachable(repo),
        move: m,
        gc,
        change: changes.get(slug),
      });
    }

    const third = await readInProcess(config, [S], new Map([[S, second.states.get(S)]]));
    expect(third.code).toBe(0);
    expect(third.records.get(S) ?? []).toEqual([]);
  });
});
