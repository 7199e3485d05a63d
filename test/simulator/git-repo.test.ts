import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tryGit } from "../../integration_tests/simulator/git/exec.js";
import {
  type ClockSkewHistory,
  HISTORIES,
  type LongLivedBranchesHistory,
  linearHistory,
  type OctopusHistory,
  type ScriptedHistory,
  type TwoRootsHistory,
} from "../../integration_tests/simulator/git/histories.js";
import type { GitRepo } from "../../integration_tests/simulator/git/repo.js";

// The git repositories behind the simulator's git mode: scripted histories have the shapes they
// promise and moves do what they say, both checked with git itself.

const DAY = 86_400_000;
const built = new Map<string, ScriptedHistory>();
const history = <T extends ScriptedHistory>(name: keyof typeof HISTORIES) => built.get(name) as T;

beforeAll(() => {
  for (const [name, build] of Object.entries(HISTORIES)) built.set(name, build());
});
afterAll(() => {
  for (const h of built.values()) h.repo.dispose();
});

const out = (repo: GitRepo, args: string[]) => repo.git(args).trim();
const count = (repo: GitRepo, args: string[]) => Number(out(repo, ["rev-list", "--count", ...args]));
const parentsOf = (repo: GitRepo, id: string) => repo.commit(id)?.parents ?? [];
const isAncestor = (repo: GitRepo, a: string, b: string) =>
  tryGit(repo.gitDir, ["merge-base", "--is-ancestor", a, b]).status === 0;
/** Committer timestamps (ms) by id for everything reachable from the default branch. */
const datesOf = (repo: GitRepo) => new Map(repo.reachable().map((c) => [c.id, c.committerTimestamp]));

describe("scripted histories", () => {
  it("are deterministic: the same script gives the same ids", () => {
    // The small ones use every feature of the plans (roots, octopus merges, open branches); the
    // big ones only repeat them.
    for (const name of ["linear", "twoRoots", "octopus", "missingDefault"] as const) {
      const build = HISTORIES[name];
      const again = build();
      try {
        expect(again.repo.branches(), name).toEqual(history(name).repo.branches());
      } finally {
        again.repo.dispose();
      }
    }
  });

  it("are sized so that page caps of 25, 100 and 1,000 all matter", () => {
    const sizes = Object.fromEntries([...built].map(([name, h]) => [name, h.repo.reachable().length]));
    expect(sizes.longLivedBranches).toBeGreaterThan(3000);
    expect(sizes.clockSkew).toBeGreaterThan(2000);
    for (const name of ["linear", "twoRoots", "octopus"]) {
      expect(sizes[name]).toBeGreaterThan(300);
      expect(sizes[name]).toBeLessThan(1000);
    }
    expect(sizes.empty).toBe(0);
    expect(sizes.missingDefault).toBe(0);
  });

  it("linear: one root, no merges, dates increasing along history", () => {
    const { repo } = history("linear");
    expect(count(repo, ["--merges", "main"])).toBe(0);
    expect(count(repo, ["--max-parents=0", "main"])).toBe(1);
    const dates = repo.reachable().map((c) => c.committerTimestamp);
    expect(dates.every((d, i) => i === 0 || d < (dates[i - 1] ?? 0))).toBe(true);
    expect(Math.max(...dates)).toBeLessThan(Date.UTC(2026, 5, 1));
  });

  it("long-lived branches: years-old commits merged into main among its newest commits", () => {
    const h = history<LongLivedBranchesHistory>("longLivedBranches");
    const { repo } = h;
    const newest = repo.revList("main", { firstParent: true, max: 30 });
    const dates = datesOf(repo);
    expect(h.lateMerges).toHaveLength(4);
    for (const m of h.lateMerges) {
      expect(newest).toContain(m.merge);
      const parents = parentsOf(repo, m.merge);
      expect(parents).toHaveLength(2);
      expect(isAncestor(repo, m.oldest, parents[1] ?? "")).toBe(true);
      expect(isAncestor(repo, m.oldest, parents[0] ?? "")).toBe(false);
      expect((dates.get(m.merge) ?? 0) - (dates.get(m.oldest) ?? 0)).toBeGreaterThan(3 * 365 * DAY);
    }
    // release/1.x also took main twice while it lived.
    const fork = h.built.mainline[300] ?? "";
    expect(count(repo, ["--merges", "--first-parent", "release/1.x", `^${fork}`])).toBe(2);
    for (const b of h.openBranches) {
      expect(isAncestor(repo, repo.head(b) ?? "", "main")).toBe(false);
    }
  });

  it("two roots: unrelated histories joined by a merge, and a third root left open", () => {
    const h = history<TwoRootsHistory>("twoRoots");
    const { repo } = h;
    expect(out(repo, ["rev-list", "--max-parents=0", "main"]).split("\n").sort()).toEqual(
      [h.mainRoot, h.otherRoot.root].sort(),
    );
    expect(tryGit(repo.gitDir, ["merge-base", h.mainRoot, h.otherRoot.root]).status).toBe(1);
    const [first, second] = parentsOf(repo, h.otherRoot.merge);
    expect(isAncestor(repo, h.mainRoot, first ?? "")).toBe(true);
    expect(isAncestor(repo, h.otherRoot.root, second ?? "")).toBe(true);
    const orphanRoot = out(repo, ["rev-list", "--max-parents=0", h.orphanBranch]);
    expect(isAncestor(repo, orphanRoot, "main")).toBe(false);
  });

  it("clock skew: commits dated before their parents and after their children, a few far off", () => {
    const h = history<ClockSkewHistory>("clockSkew");
    const dates = datesOf(h.repo);
    let beforeParent = 0;
    let maxOffByAFew = 0;
    for (const c of h.repo.log("main")) {
      for (const p of c.parents) {
        const gap = (dates.get(p) ?? 0) - c.committerMs;
        if (gap > 0) beforeParent += 1;
        if (!h.outliers.includes(c.id) && !h.outliers.includes(p)) maxOffByAFew = Math.max(maxOffByAFew, gap);
      }
    }
    expect(beforeParent).toBeGreaterThan(50);
    expect(maxOffByAFew).toBeLessThanOrEqual(2 * DAY);
    expect(h.outliers).toHaveLength(6);
    const far = h.outliers.map((id) => h.skewed.get(id) ?? 0);
    expect(Math.min(...far)).toBeLessThan(-365 * DAY);
    expect(Math.max(...far)).toBeGreaterThan(7 * DAY);
  });

  it("octopus: merges of three to eight parents", () => {
    const h = history<OctopusHistory>("octopus");
    const { repo } = h;
    const parents = h.octopusMerges.map((id) => parentsOf(repo, id).length);
    expect(Math.min(...parents)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...parents)).toBe(8);
    expect(count(repo, ["--min-parents=3", "main"])).toBe(h.octopusMerges.length);
  });

  it("empty: no refs; missing default: HEAD names a branch that does not exist", () => {
    const empty = history("empty").repo;
    expect(empty.isEmpty()).toBe(true);
    expect(empty.defaultBranch()).toBe("main");
    expect(empty.branches().size).toBe(0);
    const missing = history("missingDefault").repo;
    expect(missing.isEmpty()).toBe(false);
    expect(missing.head("main")).toBeUndefined();
    expect(count(missing, ["master"])).toBe(150);
  });
});

describe("moves", () => {
  let repo: GitRepo;
  let commits: string[];
  beforeAll(() => {
    ({ repo, commits } = linearHistory({ commits: 60 }));
  });
  afterAll(() => repo.dispose());

  const head = () => repo.head("main") ?? "";

  it("push: n new commits on the branch, dated after everything, oldest first", () => {
    const before = head();
    const latest = Math.max(...repo.reachable().map((c) => c.committerTimestamp));
    const added = repo.push("main", 4);
    expect(head()).toBe(added[3]);
    expect(repo.revList("main", { since: before }).reverse()).toEqual(added);
    expect(parentsOf(repo, added[0] ?? "")).toEqual([before]);
    expect(repo.commit(added[0] ?? "")?.committerMs).toBeGreaterThan(latest);
    // A new branch starts where `from` says.
    const side = repo.push("side", 2, { from: commits[10] });
    expect(parentsOf(repo, side[0] ?? "")).toEqual([commits[10]]);
  });

  it("merge: an old long-lived branch and an octopus, parents in git order", () => {
    const old = repo.push("feature/old", 5, { from: commits[3], at: Date.UTC(2025, 0, 7) });
    const before = head();
    const merge = repo.merge("feature/old");
    expect(head()).toBe(merge);
    expect(parentsOf(repo, merge)).toEqual([before, old[4]]);
    const reached = datesOf(repo);
    expect(reached.get(old[0] ?? "")).toBe(Date.UTC(2025, 0, 7));
    const a = repo.push("topic/a", 1, { from: commits[20] });
    const b = repo.push("topic/b", 1, { from: commits[30] });
    const octopus = repo.merge(["topic/a", "topic/b"]);
    expect(parentsOf(repo, octopus)).toEqual([merge, a[0], b[0]]);
    expect(repo.commit(octopus)?.message).toBe("Merge branches 'topic/a' and 'topic/b' into main");
  });

  it("forcePush: drops the newest first-parent commits, which resolve until gc()", () => {
    const before = head();
    const base = repo.revList(before, { firstParent: true, max: 4 })[3] ?? "";
    const change = repo.forcePush("main", { drop: 3, add: 2 });
    expect(change.before).toBe(before);
    expect(parentsOf(repo, change.added[0] ?? "")).toEqual([base]);
    expect(change.removed.at(-1)).toBe(before);
    expect(change.removed.every((id) => !isAncestor(repo, id, "main"))).toBe(true);
    expect(repo.commit(before)?.id).toBe(before);
    // Other branches keep what they reach; the rest goes with gc().
    repo.deleteBranch("topic/a");
    repo.deleteBranch("topic/b");
    repo.gc();
    expect(repo.commit(before)).toBeUndefined();
    expect(repo.resolve(before)).toBeUndefined();
  });

  it("rewrite: new ids with the same authors, committers, dates, messages and shape", () => {
    const before = repo.log("main", { firstParent: true, max: 6 });
    const change = repo.rewrite("main", 5);
    const after = repo.log("main", { firstParent: true, max: 6 });
    expect(after[5]?.id).toBe(before[5]?.id);
    for (let i = 0; i < 5; i++) {
      const [o, n] = [before[i], after[i]];
      expect(n?.id).not.toBe(o?.id);
      expect({ ...n, id: "", tree: "", parents: n?.parents.length }).toEqual({
        ...o,
        id: "",
        tree: "",
        parents: o?.parents.length,
      });
      const diff = out(repo, ["diff-tree", "--name-only", "-r", o?.tree ?? "", n?.tree ?? ""]);
      expect(diff).toBe(".rewritten");
    }
    expect(change.removed).toEqual(
      before
        .slice(0, 5)
        .map((c) => c.id)
        .reverse(),
    );
    expect(change.added).toEqual(
      after
        .slice(0, 5)
        .map((c) => c.id)
        .reverse(),
    );
  });

  it("resetBranch: to another branch's head, or to a new unrelated root", () => {
    repo.resetBranch("side", "feature/old");
    expect(repo.head("side")).toBe(repo.head("feature/old"));
    const change = repo.resetBranch("side", { newRoot: 3 });
    expect(parentsOf(repo, change.added[0] ?? "")).toEqual([]);
    expect(repo.head("side")).toBe(change.added[2]);
    expect(tryGit(repo.gitDir, ["merge-base", "side", "main"]).status).toBe(1);
  });

  it("switch and rename the default branch; the old ref disappears", () => {
    repo.setDefaultBranch("feature/old");
    expect(repo.defaultBranch()).toBe("feature/old");
    expect(repo.reachable()[0]?.id).toBe(repo.head("feature/old"));
    repo.setDefaultBranch("main");
    const mainHead = head();
    repo.renameDefaultBranch("trunk");
    expect(repo.defaultBranch()).toBe("trunk");
    expect(repo.head("main")).toBeUndefined();
    expect(repo.head("trunk")).toBe(mainHead);
    expect([...repo.branches().keys()].sort()).toEqual(["feature/old", "side", "trunk"]);
  });

  it("bumps version on every move, so caches know to reload", () => {
    const v = repo.version;
    repo.push("trunk", 1);
    expect(repo.version).toBeGreaterThan(v);
  });
});
