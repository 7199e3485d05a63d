import { SIM_EPOCH_MS } from "../clock.js";
import { hash32, Rng } from "../hash.js";
import { featureBranchName } from "../names.js";
import type { DcPrState, ScaleSpec } from "../types.js";
import type { CommitRef } from "./history.js";
import { chainLength, commitAt } from "./history.js";
import type { DcRepository, DcWorld } from "./model.js";

// Data Center pull requests: materialised (they are few), their commits not. A pull request's
// commit is (repository, pull request id, index) in a namespace of its own, so its id never
// collides with a branch commit's; indexes are never reused, so a force-pushed one stays unknown.

/** Commits from index `from` on were committed at startMs + (index - from + 1) × stepMs. */
export interface PrBatch {
  from: number;
  startMs: number;
  stepMs: number;
}

export interface DcPullRequest {
  id: number;
  state: DcPrState;
  version: number;
  createdDate: number;
  updatedDate: number;
  /** The source branch (displayId) and the target branch. */
  fromBranch: string;
  toBranch: string;
  /** Index into the mapped people. */
  author: number;
  draft: boolean;
  /** The commits `git log toRef..fromRef` lists now: index ranges [from, to), oldest first. */
  ranges: { from: number; to: number }[];
  /** The next index a new commit gets. */
  next: number;
  batches: PrBatch[];
  /** 404 NoSuchCommitException: the source branch was deleted and its commits collected. */
  commitsStatus: 200 | 404;
  /** Deleted: gone from the list (ids are never reused, so the list has a gap). */
  deleted: boolean;
  /** The target-branch commit the source branch forked from; the first commit's parent. */
  base: CommitRef | undefined;
}

const DAY_MS = 86_400_000;
const SPAN_MS = 730 * DAY_MS;

/**
 * The "small" showcase's pull requests per repository (seed-independent counts). PLAT/api-gateway
 * holds one of every case; SEC/audit-logs has commits and no pull request; empty repositories none.
 */
const SHOWCASE_PRS: Record<string, number> = {
  "PLAT/api-gateway": 40,
  "PLAT/sandbox": 0,
  "DATA/ml-models": 3,
  "DATA/notebooks": 0,
  "SEC/audit-logs": 0,
};
/** PLAT/api-gateway #3: 1,200 commits, two pages at the default cap of 1,000. */
export const SHOWCASE_BIG_DC_PR = { repo: "PLAT/api-gateway", id: 3, commits: 1200 } as const;

function quirk(seed: number, repoNo: number, id: number): "404" | "empty" | "deleted" | undefined {
  const r = hash32(seed, 0xd9c, repoNo, id) % 100;
  if (r < 8) return "404";
  if (r < 13) return "empty";
  if (r < 17) return "deleted";
  return undefined;
}

function pickState(rng: Rng, recent: boolean): DcPrState {
  const r = rng.float();
  if (recent) return r < 0.5 ? "OPEN" : r < 0.85 ? "MERGED" : "DECLINED";
  return r < 0.08 ? "OPEN" : r < 0.8 ? "MERGED" : "DECLINED";
}

/** The branch a repository's pull requests target: its default branch, or the branch that has its commits. */
export function targetBranch(repo: DcRepository): string | undefined {
  if (repo.branches.has(repo.defaultBranch)) return repo.defaultBranch;
  return repo.branches.keys().next().value;
}

function seededPullRequest(
  seed: number,
  repo: DcRepository,
  id: number,
  count: number,
  commitsPerPr: [number, number],
  people: number,
): DcPullRequest {
  const rng = new Rng(hash32(seed, 0xd9b, repo.no, id));
  const to = targetBranch(repo) ?? "main";
  const chain = repo.branches.get(to) ?? [];
  const slot = (id - 1 + rng.float()) / count;
  const createdDate = Math.floor(SIM_EPOCH_MS - SPAN_MS + slot * SPAN_MS * 0.98);
  const state = pickState(rng, createdDate > SIM_EPOCH_MS - 60 * DAY_MS);
  const duration = 60_000 + Math.floor(rng.float() * (state === "OPEN" ? 20 : 14) * DAY_MS);
  // Not monotonic in id, as in recorded lists; always before the simulator's epoch.
  const updatedDate = Math.min(createdDate + duration, SIM_EPOCH_MS - 120_000 - id * 1000);
  const q = quirk(seed, repo.no, id);
  const commits = q === "empty" ? 0 : rng.int(commitsPerPr[0], commitsPerPr[1]);
  const length = chainLength(chain);
  const fork = length > 0 ? Math.max(0, Math.floor(length * rng.float()) - 1) : -1;
  const startMs = createdDate - 2 * DAY_MS;
  const stepMs = Math.max(1000, Math.floor((updatedDate - startMs) / (commits + 1) / 1000) * 1000);
  return {
    id,
    state,
    version: rng.int(0, 6),
    createdDate,
    updatedDate,
    fromBranch: featureBranchName(hash32(seed, 0xd9d, repo.no, id), id),
    toBranch: to,
    author: rng.int(0, people - 1),
    draft: state === "OPEN" && rng.float() < 0.1,
    ranges: commits > 0 ? [{ from: 0, to: commits }] : [],
    next: commits,
    batches: [{ from: 0, startMs, stepMs }],
    commitsStatus: q === "404" ? 404 : 200,
    deleted: q === "deleted",
    base: fork >= 0 ? commitAt(chain, fork) : undefined,
  };
}

/** PLAT/api-gateway gets every case whatever the seed: states, a 404, an empty one, a gap, a tie, a big one. */
function shapeShowcase(prs: DcPullRequest[]): void {
  const at = (id: number) => prs[id - 1];
  const big = at(SHOWCASE_BIG_DC_PR.id);
  if (big) {
    const n = SHOWCASE_BIG_DC_PR.commits;
    const startMs = big.createdDate - 2 * DAY_MS;
    const stepMs = Math.max(1000, Math.floor((big.updatedDate - startMs) / (n + 1) / 1000) * 1000);
    Object.assign(big, { state: "MERGED", commitsStatus: 200, deleted: false, next: n });
    big.ranges = [{ from: 0, to: n }];
    big.batches = [{ from: 0, startMs, stepMs }];
  }
  for (const [id, state] of [
    [5, "OPEN"],
    [6, "DECLINED"],
    [7, "MERGED"],
  ] as const) {
    const pr = at(id);
    if (pr) Object.assign(pr, { state, commitsStatus: 200, deleted: false });
  }
  const p404 = at(9);
  if (p404 && !prs.some((p) => p.commitsStatus === 404 && !p.deleted))
    Object.assign(p404, { commitsStatus: 404, deleted: false, state: "DECLINED" });
  if (!prs.some((p) => !p.deleted && p.commitsStatus === 200 && p.next === 0)) {
    const empty = at(11);
    if (empty) Object.assign(empty, { ranges: [], next: 0, commitsStatus: 200, deleted: false });
  }
  const gap = at(13);
  if (gap && !prs.some((p) => p.deleted)) gap.deleted = true;
  // Two pull requests updated at the same millisecond (a bulk decline): a cursor must not split them.
  const [a, b] = [at(20), at(21)];
  if (a && b) {
    Object.assign(a, { deleted: false, commitsStatus: 200, state: "DECLINED" });
    Object.assign(b, { deleted: false, commitsStatus: 200, state: "DECLINED", updatedDate: a.updatedDate });
  }
}

/** Seeds the pull requests of every repository that has commits. */
export function seedDcPullRequests(world: DcWorld, spec: ScaleSpec["dc"], showcase: boolean): void {
  const seed = world.seed;
  const commitsPerPr = showcase ? ([1, 25] as [number, number]) : (spec.commitsPerPr ?? [1, 20]);
  for (const project of world.projects) {
    for (const repo of project.repositories) {
      if (repo.branches.size === 0) continue;
      const key = `${project.key}/${repo.slug}`;
      const range = showcase ? [2, 12] : (spec.prsPerRepo ?? [0, 0]);
      const count =
        SHOWCASE_PRS[key] ?? new Rng(hash32(seed, 0xd9a, repo.no)).int(range[0] ?? 0, range[1] ?? 0);
      const people = world.people.mapped.length;
      for (let id = 1; id <= count; id++)
        repo.pullRequests.push(seededPullRequest(seed, repo, id, count, commitsPerPr, people));
      if (showcase && key === SHOWCASE_BIG_DC_PR.repo) shapeShowcase(repo.pullRequests);
    }
  }
}

/** Number of commits the pull request lists now. */
export function prCommitCount(pr: DcPullRequest): number {
  let n = 0;
  for (const r of pr.ranges) n += r.to - r.from;
  return n;
}

/** The index of the commit at list position `pos` (0 = oldest). */
export function prIndexAt(pr: DcPullRequest, pos: number): number | undefined {
  let base = 0;
  for (const r of pr.ranges) {
    const len = r.to - r.from;
    if (pos < base + len) return r.from + (pos - base);
    base += len;
  }
  return undefined;
}

export function prCommitTimestamp(pr: DcPullRequest, idx: number): number {
  let batch = pr.batches[0];
  for (const b of pr.batches) if (b.from <= idx) batch = b;
  if (!batch) throw new Error(`pull request ${pr.id} has no commit batches`);
  return batch.startMs + (idx - batch.from + 1) * batch.stepMs;
}

export function findPullRequest(repo: DcRepository, id: number): DcPullRequest | undefined {
  const pr = repo.pullRequests.find((p) => p.id === id);
  return pr && !pr.deleted ? pr : undefined;
}
