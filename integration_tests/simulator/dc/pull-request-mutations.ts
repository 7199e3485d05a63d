import type { SimClock } from "../clock.js";
import { hash32, Rng } from "../hash.js";
import { featureBranchName } from "../names.js";
import type { DcPrState, DcPullRequestSummary, DcPullRequestTruthRecord } from "../types.js";
import { type Chain, chainLength, commitAt } from "./history.js";
import { type DcRepository, type DcWorld, findDcRepository } from "./model.js";
import type { DcPullRequestRenderer } from "./pull-request-render.js";
import {
  type DcPullRequest,
  findPullRequest,
  prCommitCount,
  prIndexAt,
  targetBranch,
} from "./pull-requests.js";

// Changes to Data Center pull requests between syncs. Each moves the simulated clock and stamps
// the pull request's updatedDate with it (later than anything served before), and bumps its version.

/** Appends n commits to a branch chain (the branch mutator's own push); returns their ids. */
export type GrowBranch = (repo: DcRepository, chain: Chain, n: number) => string[];

export class DcPullRequestMutator {
  constructor(
    private readonly world: DcWorld,
    private readonly render: DcPullRequestRenderer,
    private readonly clock: SimClock,
    private readonly grow: GrowBranch,
  ) {}

  private repo(projectKey: string, slug: string): DcRepository {
    const repo = findDcRepository(this.world, projectKey, slug);
    if (!repo) throw new Error(`simulator: no DC repository ${projectKey}/${slug}`);
    return repo;
  }

  private pr(repo: DcRepository, id: number): DcPullRequest {
    const pr = findPullRequest(repo, id);
    if (!pr) throw new Error(`simulator: no pull request ${id} in ${repo.project.key}/${repo.slug}`);
    return pr;
  }

  private touch(pr: DcPullRequest): void {
    pr.updatedDate = this.clock.nowMs();
    pr.version++;
  }

  /** New commits at the end of the source branch, committed a second apart up to "now". */
  private append(repo: DcRepository, pr: DcPullRequest, n: number): string[] {
    const count = Math.max(0, Math.floor(n));
    const startMs = this.clock.advance(Math.max(1, count));
    if (count === 0) return [];
    const from = pr.next;
    pr.batches.push({ from, startMs, stepMs: 1000 });
    const last = pr.ranges.at(-1);
    if (last && last.to === from) last.to += count;
    else pr.ranges.push({ from, to: from + count });
    pr.next += count;
    const ids: string[] = [];
    for (let i = from; i < from + count; i++) ids.push(this.render.commitId(repo, pr, i));
    return ids;
  }

  pullRequests(projectKey: string, slug: string): DcPullRequestSummary[] {
    return this.repo(projectKey, slug)
      .pullRequests.filter((pr) => !pr.deleted)
      .map((pr) => ({
        id: pr.id,
        state: pr.state,
        updatedDate: pr.updatedDate,
        commits: prCommitCount(pr),
        commitsStatus: pr.commitsStatus,
        fromBranch: pr.fromBranch,
        toBranch: pr.toBranch,
      }));
  }

  createPullRequest(projectKey: string, slug: string, opts: { commits: number; state?: DcPrState }): number {
    const repo = this.repo(projectKey, slug);
    const to = targetBranch(repo);
    if (to === undefined)
      throw new Error(`simulator: ${projectKey}/${slug} has no branch to open a pull request to`);
    const chain = repo.branches.get(to) ?? [];
    const id = repo.pullRequests.length + 1;
    const h = hash32(this.world.seed, 0xd9f, repo.no, id);
    const pr: DcPullRequest = {
      id,
      state: opts.state ?? "OPEN",
      version: 0,
      createdDate: 0,
      updatedDate: 0,
      fromBranch: featureBranchName(h, id),
      toBranch: to,
      author: new Rng(h).int(0, this.world.people.mapped.length - 1),
      draft: false,
      ranges: [],
      next: 0,
      batches: [],
      commitsStatus: 200,
      deleted: false,
      base: commitAt(chain, chainLength(chain) - 1),
    };
    repo.pullRequests.push(pr);
    this.append(repo, pr, opts.commits);
    this.touch(pr);
    pr.createdDate = pr.updatedDate;
    pr.version = 0;
    return id;
  }

  addCommitsToPullRequest(projectKey: string, slug: string, prId: number, n: number): string[] {
    const repo = this.repo(projectKey, slug);
    const pr = this.pr(repo, prId);
    const ids = this.append(repo, pr, n);
    this.touch(pr);
    return ids;
  }

  setPullRequestState(projectKey: string, slug: string, prId: number, state: DcPrState): string | undefined {
    const repo = this.repo(projectKey, slug);
    const pr = this.pr(repo, prId);
    const chain = repo.branches.get(pr.toBranch);
    // A squash merge: one new commit on the target branch; the pull request keeps its commits.
    const squash =
      state === "MERGED" && pr.state !== "MERGED" && chain ? this.grow(repo, chain, 1)[0] : undefined;
    if (squash === undefined) this.clock.advance(1);
    pr.state = state;
    this.touch(pr);
    return squash;
  }

  forcePushPullRequest(
    projectKey: string,
    slug: string,
    prId: number,
    opts: { drop: number; add: number },
  ): { removed: string[]; added: string[] } {
    const repo = this.repo(projectKey, slug);
    const pr = this.pr(repo, prId);
    const count = prCommitCount(pr);
    const drop = Math.min(count, Math.max(0, Math.floor(opts.drop)));
    const removed: string[] = [];
    for (let pos = count - drop; pos < count; pos++) {
      const idx = prIndexAt(pr, pos);
      if (idx !== undefined) removed.push(this.render.commitId(repo, pr, idx));
    }
    let left = count - drop;
    pr.ranges = pr.ranges.flatMap((r) => {
      const len = Math.min(left, r.to - r.from);
      left -= len;
      return len > 0 ? [{ from: r.from, to: r.from + len }] : [];
    });
    const added = this.append(repo, pr, opts.add);
    this.touch(pr);
    return { removed, added };
  }

  deletePullRequest(projectKey: string, slug: string, prId: number): void {
    this.pr(this.repo(projectKey, slug), prId).deleted = true;
    this.clock.advance(1);
  }
}

const listable = (pr: DcPullRequest) => !pr.deleted && pr.commitsStatus === 200;

/** Every commit of every pull request whose commits can be listed, newest first per pull request. */
export function dcPullRequestTruth(
  world: DcWorld,
  render: DcPullRequestRenderer,
): DcPullRequestTruthRecord[] {
  const out: DcPullRequestTruthRecord[] = [];
  for (const p of world.projects) {
    for (const repo of p.repositories) {
      for (const pr of repo.pullRequests.filter(listable)) {
        for (let pos = prCommitCount(pr) - 1; pos >= 0; pos--) {
          out.push({
            project_key: p.key,
            repo_slug: repo.slug,
            pull_request_id: pr.id,
            pull_request_updated_date: pr.updatedDate,
            id: render.commitIdAt(repo, pr, pos) ?? "",
          });
        }
      }
    }
  }
  return out;
}

export function dcPullRequestTruthCount(world: DcWorld): number {
  let n = 0;
  for (const p of world.projects)
    for (const repo of p.repositories)
      for (const pr of repo.pullRequests.filter(listable)) n += prCommitCount(pr);
  return n;
}
