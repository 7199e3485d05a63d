import { expect } from "vitest";
import type { BranchChange, GitRepo } from "../simulator/index.js";

/** A move of a default (main) branch between two reads, as history-moves tests apply them. */
export interface BranchMove<B extends string> {
  name: string;
  /** The base history a copy of which is moved. */
  from: B;
  /** Moves the branch; returns what the default branch lost, if anything. */
  apply: (repo: GitRepo) => BranchChange | undefined;
  /** Rewrites history: the only kind of move after which duplicates are allowed. */
  rewrites: boolean;
}

/**
 * The moves every default-branch stream must survive, made on a copy of `from` (a history with
 * two root lineages and `orphanBranch`, a branch of its own): force-pushes, a reset to another
 * lineage, a rewrite keeping dates, a switch to another branch and a rename. `label` names the
 * branch as the deployment does ("default", "main").
 */
export function rewritesAndSwitches<B extends string>(
  from: B,
  orphanBranch: string,
  label: string,
): BranchMove<B>[] {
  return [
    {
      name: "a force-push back to an older commit",
      from,
      rewrites: true,
      apply: (r) => r.forcePush("main", { drop: 40, add: 0 }),
    },
    {
      name: "a force-push dropping 40 commits and adding 10",
      from,
      rewrites: true,
      apply: (r) => r.forcePush("main", { drop: 40, add: 10 }),
    },
    {
      name: "a reset to another lineage",
      from,
      rewrites: true,
      apply: (r) => r.resetBranch("main", { newRoot: 30 }),
    },
    {
      name: "a rewrite of the last 200 commits keeping their dates",
      from,
      rewrites: true,
      apply: (r) => r.rewrite("main", 200),
    },
    {
      name: `a ${label}-branch switch to a branch with commits of its own`,
      from,
      rewrites: false,
      apply: (r) => {
        r.setDefaultBranch(orphanBranch);
        return undefined;
      },
    },
    {
      name: `a ${label}-branch rename`,
      from,
      rewrites: false,
      apply: (r) => {
        r.renameDefaultBranch("trunk");
        return undefined;
      },
    },
  ];
}

/** The README's bound: a rewrite whose old head is gone re-reads at most about four times what changed. */
export const duplicateBound = (change: BranchChange | undefined) =>
  4 * Math.max(change?.removed.length ?? 0, 1) + 4;

/**
 * What a read after a move must show: every commit the branch reaches now was emitted by the
 * first read (`before`) or this one (`got`); none twice in this read; and again only after a
 * rewrite git collected, within `duplicateBound`.
 */
export function expectNothingLost(o: {
  what: string;
  got: string[];
  before: ReadonlySet<string>;
  reachableNow: string[];
  move: BranchMove<string>;
  gc: boolean;
  change: BranchChange | undefined;
}): void {
  const emitted = new Set([...o.before, ...o.got]);
  expect(
    o.reachableNow.filter((id) => !emitted.has(id)),
    `${o.what}: missing`,
  ).toEqual([]);
  expect(new Set(o.got).size, `${o.what}: twice in one read`).toBe(o.got.length);
  const again = o.got.filter((id) => o.before.has(id)).length;
  if (!o.move.rewrites || !o.gc) expect(again, `${o.what}: emitted again`).toBe(0);
  else expect(again, `${o.what}: emitted again`).toBeLessThanOrEqual(duplicateBound(o.change));
}
