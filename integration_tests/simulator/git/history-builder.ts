import { hash32, Rng } from "../hash.js";
import { authoredCommit, mergeMessage } from "./authoring.js";
import { FastImportBatch } from "./fast-import.js";
import type { GitRepo } from "./repo.js";

// Turns a plan (a main line, branches forking off it or starting from nothing, merged back or
// left open) into commits written with one fast-import. Commits are emitted in date order, so a
// branch's commits interleave in time with the main line's, as real work does; a bad clock is a
// skew added to some commits' dates afterwards.

/** Main-line position i is committed at at(i) plus up to a quarter step; mid(i) falls between i and i+1. */
export class Timeline {
  constructor(
    readonly startMs: number,
    readonly stepMs: number,
  ) {}

  at(i: number): number {
    return this.startMs + i * this.stepMs;
  }

  mid(i: number): number {
    return this.at(i) + this.stepMs / 2;
  }
}

export interface BranchPlan {
  name: string;
  /** Main-line position it forks from, or "root": an unrelated lineage. */
  from: number | "root";
  commits: number;
  /** Its commits' dates, spread evenly over (span[0], span[1]]. */
  span: readonly [number, number];
  /** Main-line position whose commit merges it; several branches at one position: an octopus merge. */
  mergeAt?: number;
  /** Main-line positions merged into the branch (each a merge commit on it, dated mid(position)). */
  backMerges?: readonly number[];
  /** Leave a ref for it; default: only when it is never merged. */
  keepRef?: boolean;
}

export interface MainlinePlan {
  branch: string;
  commits: number;
  timeline: Timeline;
  branches?: readonly BranchPlan[];
  /** Offset (ms) added to the dates of the k-th commit the plan writes: a bad clock. */
  skew?: (k: number) => number;
  /** Varies the main line's jitter. */
  seed?: number;
}

export interface BuiltHistory {
  /** Main-line commit ids by position. */
  mainline: string[];
  /** Branch name → its commits' ids, oldest first (back-merges included). */
  branches: Map<string, string[]>;
  /** Ids of commits whose dates were skewed → the skew (ms). */
  skewed: Map<string, number>;
}

interface BranchEvent {
  ms: number;
  /** A merge of this main-line position into the branch. */
  backMerge?: number;
}

interface BranchState {
  plan: BranchPlan;
  events: BranchEvent[];
  next: number;
  tip: string | undefined;
  marks: string[];
}

function eventsOf(plan: BranchPlan, timeline: Timeline): BranchEvent[] {
  const [lo, hi] = plan.span;
  const events: BranchEvent[] = [];
  for (let k = 0; k < plan.commits; k++) {
    events.push({ ms: Math.round((lo + ((k + 1) * (hi - lo)) / (plan.commits + 1)) / 1000) * 1000 });
  }
  for (const b of plan.backMerges ?? []) events.push({ ms: timeline.mid(b), backMerge: b });
  return events.sort((a, b) => a.ms - b.ms);
}

export function buildHistory(repo: GitRepo, plan: MainlinePlan): BuiltHistory {
  const tl = plan.timeline;
  const rng = new Rng(hash32(plan.seed ?? 1, plan.commits));
  const batch = new FastImportBatch();
  const skewedMarks = new Map<string, number>();
  let written = 0;
  let pullRequest = 0;
  const write = (parents: string[], ms: number, message?: string): string => {
    const skew = plan.skew?.(written) ?? 0;
    written += 1;
    const spec = authoredCommit(repo.nextSerial(), parents, ms + skew, message ? { message } : {});
    const mark = batch.commit(spec);
    if (skew !== 0) skewedMarks.set(mark, skew);
    return mark;
  };

  const states: BranchState[] = (plan.branches ?? []).map((p) => ({
    plan: p,
    events: eventsOf(p, tl),
    next: 0,
    tip: undefined,
    marks: [],
  }));
  const mainline: string[] = [];
  const advanceBranches = (i: number) => {
    const until = i + 1 < plan.commits ? tl.at(i + 1) : Number.POSITIVE_INFINITY;
    for (const s of states) {
      const from = s.plan.from;
      if (from !== "root" && from > i) continue;
      for (; s.next < s.events.length; s.next++) {
        const e = s.events[s.next];
        if (!e || e.ms >= until || (e.backMerge !== undefined && e.backMerge > i)) break;
        const base = s.tip ?? (from === "root" ? undefined : mainline[from]);
        const parents = base === undefined ? [] : [base];
        const back = e.backMerge === undefined ? undefined : mainline[e.backMerge];
        if (back !== undefined) parents.push(back);
        const message = back === undefined ? undefined : `Merge branch '${plan.branch}' into ${s.plan.name}`;
        s.tip = write(parents, e.ms, message);
        s.marks.push(s.tip);
      }
    }
  };

  for (let i = 0; i < plan.commits; i++) {
    const merging = states.filter((s) => s.plan.mergeAt === i);
    const parents = mainline.length > 0 ? [mainline[mainline.length - 1] ?? ""] : [];
    for (const s of merging) {
      if (s.tip === undefined || s.next < s.events.length) {
        throw new Error(`history plan: ${s.plan.name} is merged at ${i} before its last commit`);
      }
      parents.push(s.tip);
    }
    const names = merging.map((s) => s.plan.name);
    pullRequest += merging.length > 0 ? 1 : 0;
    const message =
      names.length === 0
        ? undefined
        : names.length === 1
          ? `Merge pull request #${pullRequest} from ${names[0]} to ${plan.branch}`
          : mergeMessage(names, plan.branch);
    const jitter = rng.int(0, Math.floor(tl.stepMs / 4000)) * 1000;
    mainline.push(write(parents, tl.at(i) + jitter, message));
    advanceBranches(i);
  }

  const head = mainline[mainline.length - 1];
  if (head !== undefined) batch.setRef(`refs/heads/${plan.branch}`, head);
  for (const s of states) {
    const keep = s.plan.keepRef ?? s.plan.mergeAt === undefined;
    if (keep && s.tip !== undefined) batch.setRef(`refs/heads/${s.plan.name}`, s.tip);
  }
  const ids = repo.apply(batch);
  const id = (mark: string) => ids.get(mark) ?? "";
  return {
    mainline: mainline.map(id),
    branches: new Map(states.map((s) => [s.plan.name, s.marks.map(id)])),
    skewed: new Map([...skewedMarks].map(([m, skew]) => [id(m), skew])),
  };
}
