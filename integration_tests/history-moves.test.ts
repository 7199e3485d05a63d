/**
 * Incremental reads of real git histories after the default branch moved: pushes and late merges
 * of old branches, a force-push back to an older commit, one that drops and adds commits, a reset
 * to another lineage, a rewrite of the last commits keeping their dates, a default-branch switch
 * and a rename. Each in every order a Data Center server may list commits in, under page caps of
 * 25, 100 and 1,000, and with git's garbage collection run before the next read (the old head
 * gone) or not (still resolvable). Ground truth is `git rev-list`: after every move, everything
 * the branch reaches has been emitted (0 missing). Duplicates come only from a rewrite whose old
 * head is gone, within the README's bound; then a read with nothing new emits nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonObject } from "../src/protocol/messages.js";
import { DC_STREAM, dcConfig } from "./helpers/configs.js";
import { type BranchMove, expectNothingLost, rewritesAndSwitches } from "./helpers/history-moves.js";
import { readInProcess } from "./helpers/in-process.js";
import {
  COMMIT_ORDERS,
  type GitRepo,
  longLivedBranchesHistory,
  type Simulator,
  startSimulator,
  twoRootsHistory,
} from "./simulator/index.js";

const base = { "two-roots": twoRootsHistory(), "long-lived": longLivedBranchesHistory() };
type Base = keyof typeof base;

type Move = BranchMove<Base>;

const MOVES: Move[] = [
  {
    name: "pushes and late merges of old branches",
    from: "long-lived",
    rewrites: false,
    apply: (repo) => {
      repo.push("main", 5);
      for (const b of base["long-lived"].openBranches) repo.merge(b, { into: "main" });
      repo.push("main", 2);
      return undefined;
    },
  },
  ...rewritesAndSwitches<Base>("two-roots", base["two-roots"].orphanBranch, "default"),
];

const sims: Simulator[] = [];
const copies: GitRepo[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
  for (const r of [...copies, ...Object.values(base).map((h) => h.repo)]) r.dispose();
});

const ids = (records: JsonObject[] | undefined, slug: string) =>
  (records ?? []).filter((r) => r.repo_slug === slug).map((r) => String(r.id));
const reachable = (repo: GitRepo) => repo.reachable().map((c) => c.id);
/** What each base history's branch reaches: the bases never move (their copies do), so once. */
const baseReach = new Map<Base, string[]>();
const reachableFromBase = (b: Base) => {
  if (!baseReach.has(b)) baseReach.set(b, reachable(base[b].repo));
  return baseReach.get(b) ?? [];
};

describe.each(COMMIT_ORDERS)("%s order", (order) => {
  describe.each([25, 100, 1000])("page cap %i", (cap) => {
    /** Each base history's state after a full read, in this order and cap (the same for every copy). */
    const firstState = new Map<Base, unknown>();

    beforeAll(async () => {
      const sim = await startSimulator({
        dcGit: {
          repositories: Object.entries(base).map(([slug, h]) => ({ project: "GIT", slug, repo: h.repo })),
          order,
        },
        dcMaxLimit: cap,
      });
      sims.push(sim);
      const r = await readInProcess({ data_center: dcConfig(sim) }, [DC_STREAM]);
      expect(r.code).toBe(0);
      const partitions = (r.states.get(DC_STREAM) as { partitions: Record<string, unknown> }).partitions;
      for (const slug of Object.keys(base) as Base[]) {
        expect(ids(r.records.get(DC_STREAM), slug).sort()).toEqual([...reachableFromBase(slug)].sort());
        firstState.set(slug, partitions[`GIT/${slug}`]);
      }
    });

    it("loses no commit after any move, whether git collected the old history before the next read or not", async () => {
      const moved = [false, true].flatMap((gc) =>
        MOVES.map((m, i) => ({ m, gc, slug: `move-${i}${gc ? "-gc" : ""}`, repo: base[m.from].repo.copy() })),
      );
      copies.push(...moved.map((x) => x.repo));
      const sim = await startSimulator({
        dcGit: { repositories: moved.map(({ slug, repo }) => ({ project: "GIT", slug, repo })), order },
        dcMaxLimit: cap,
      });
      sims.push(sim);
      const before = new Map(moved.map(({ m, slug }) => [slug, new Set(reachableFromBase(m.from))]));
      const changes = new Map(moved.map(({ m, slug, repo }) => [slug, m.apply(repo)]));
      for (const { gc, repo } of moved) if (gc) repo.gc();

      const state = {
        partitions: Object.fromEntries(moved.map(({ m, slug }) => [`GIT/${slug}`, firstState.get(m.from)])),
      };
      const config = { data_center: dcConfig(sim) };
      const second = await readInProcess(config, [DC_STREAM], new Map([[DC_STREAM, state]]));
      expect(second.code).toBe(0);
      for (const { m, gc, slug, repo } of moved) {
        expectNothingLost({
          what: `${m.name}${gc ? ", after gc" : ""}`,
          got: ids(second.records.get(DC_STREAM), slug),
          before: before.get(slug) ?? new Set(),
          reachableNow: reachable(repo),
          move: m,
          gc,
          change: changes.get(slug),
        });
      }

      const third = await readInProcess(
        config,
        [DC_STREAM],
        new Map([[DC_STREAM, second.states.get(DC_STREAM)]]),
      );
      expect(third.code).toBe(0);
      expect(third.records.get(DC_STREAM) ?? []).toEqual([]);
    });
  });
});
