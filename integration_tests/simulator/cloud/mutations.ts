import type { SimClock } from "../clock.js";
import { hash32, Rng } from "../hash.js";
import { formatMicros } from "../time-format.js";
import type { CloudMutations, CloudPullRequestSummary, CloudTruthRecord, PrState } from "../types.js";
import { CloudBranchMutator } from "./branch-mutations.js";
import { type CloudPullRequest, type CloudRepository, type CloudWorld, findRepository } from "./model.js";
import type { CloudRenderer } from "./render.js";

// Deterministic changes for incremental-sync tests. Every mutation moves the simulated clock, so
// "now" is strictly later than every timestamp already served.

export class CloudMutator implements CloudMutations {
  private readonly branches: CloudBranchMutator;

  constructor(
    private readonly world: CloudWorld,
    private readonly render: CloudRenderer,
    private readonly clock: SimClock,
  ) {
    this.branches = new CloudBranchMutator(world, clock);
  }

  pushToMainBranch(workspace: string, repoSlug: string, n: number): string[] {
    return this.branches.push(workspace, repoSlug, n);
  }

  mergeOldBranch(workspace: string, repoSlug: string, opts: { commits: number; forkBack: number }) {
    return this.branches.mergeOldBranch(workspace, repoSlug, opts);
  }

  forcePushMainBranch(
    workspace: string,
    repoSlug: string,
    opts: { drop: number; add: number; gc?: boolean },
  ) {
    return this.branches.forcePush(workspace, repoSlug, opts);
  }

  renameMainBranch(workspace: string, repoSlug: string, name: string): void {
    this.branches.rename(workspace, repoSlug, name);
  }

  switchMainBranch(
    workspace: string,
    repoSlug: string,
    name: string,
    opts?: { addCommits?: number },
  ): string[] {
    return this.branches.switchTo(workspace, repoSlug, name, opts);
  }

  mainBranch(workspace: string, repoSlug: string) {
    return this.branches.mainBranch(workspace, repoSlug);
  }

  private repo(workspace: string, slug: string): CloudRepository {
    const repo = findRepository(this.world, workspace, slug);
    if (!repo) throw new Error(`simulator: no Cloud repository ${workspace}/${slug}`);
    return repo;
  }

  private pr(repo: CloudRepository, id: number): CloudPullRequest {
    const pr = repo.pullRequests[id - 1];
    if (!pr) throw new Error(`simulator: no pull request ${id} in ${repo.workspace.slug}/${repo.slug}`);
    return pr;
  }

  /** "now" in microseconds, with a deterministic sub-second part (real values have microseconds). */
  private stamp(repo: CloudRepository, id: number): number {
    const ms = this.clock.nowMs();
    return ms * 1000 + (hash32(this.world.seed, 0x5a3, repo.no, id, ms / 1000) % 1_000_000);
  }

  private touch(repo: CloudRepository, pr: CloudPullRequest, pushed: boolean): void {
    pr.updatedOn = this.stamp(repo, pr.id);
    // A push (new commits, a merge) also moves the repository's updated_on, as on Bitbucket.
    if (pushed) repo.updatedOn = Math.max(repo.updatedOn, pr.updatedOn);
  }

  private append(repo: CloudRepository, pr: CloudPullRequest, n: number): string[] {
    const count = Math.max(0, Math.floor(n));
    const startMs = this.clock.advance(Math.max(1, count));
    if (count > 0) pr.batches.push({ from: pr.commits, startMs });
    const hashes: string[] = [];
    for (let i = 0; i < count; i++) hashes.push(this.render.commitHash(repo, pr, pr.commits + i));
    pr.commits += count;
    return hashes;
  }

  addCommitsToPullRequest(
    workspace: string,
    repoSlug: string,
    prId: number,
    n: number,
    opts: { fromFork?: boolean } = {},
  ): string[] {
    const repo = this.repo(workspace, repoSlug);
    const pr = this.pr(repo, prId);
    const hashes = this.append(repo, pr, n);
    // Commits pushed to a fork land in the fork: the destination repository's updated_on stays.
    this.touch(repo, pr, !opts.fromFork);
    return hashes;
  }

  createPullRequest(
    workspace: string,
    repoSlug: string,
    opts: { commits: number; state?: PrState; pushedBefore?: boolean },
  ): number {
    const repo = this.repo(workspace, repoSlug);
    const id = repo.pullRequests.length + 1;
    const rng = new Rng(hash32(this.world.seed, 0xc4e, repo.no, id));
    const pr: CloudPullRequest = {
      id,
      state: opts.state ?? "OPEN",
      createdOn: 0,
      updatedOn: 0,
      commits: 0,
      seededCommits: 0,
      batches: [],
      commitsStatus: 200,
      author: rng.int(0, this.world.people.mapped.length - 1),
      draft: false,
    };
    repo.pullRequests.push(pr);
    this.append(repo, pr, opts.commits);
    // Opened on a branch pushed earlier (pushedBefore): no push now, updated_on stays.
    this.touch(repo, pr, !opts.pushedBefore);
    pr.createdOn = pr.updatedOn;
    return id;
  }

  setPullRequestState(workspace: string, repoSlug: string, prId: number, state: PrState): void {
    const repo = this.repo(workspace, repoSlug);
    const pr = this.pr(repo, prId);
    this.clock.advance(1);
    pr.state = state;
    this.touch(repo, pr, state === "MERGED");
  }

  pullRequests(workspace: string, repoSlug: string): CloudPullRequestSummary[] {
    return this.repo(workspace, repoSlug).pullRequests.map((pr) => ({
      id: pr.id,
      state: pr.state,
      updated_on: formatMicros(pr.updatedOn),
      commits: pr.commits,
      commitsStatus: pr.commitsStatus,
    }));
  }

  repositories(workspace: string): string[] {
    const ws = this.world.workspaces.find((w) => w.slug === workspace);
    if (!ws) throw new Error(`simulator: no Cloud workspace ${workspace}`);
    return ws.repositories.map((r) => r.slug);
  }

  workspaces(): string[] {
    return this.world.workspaces.map((w) => w.slug);
  }

  repositoryUpdatedOn(workspace: string, repoSlug: string): string {
    return formatMicros(this.repo(workspace, repoSlug).updatedOn);
  }
}

function extractable(pr: CloudPullRequest): boolean {
  return pr.commitsStatus === 200 && pr.commits > 0;
}

export function cloudTruth(world: CloudWorld, render: CloudRenderer): CloudTruthRecord[] {
  const out: CloudTruthRecord[] = [];
  for (const ws of world.workspaces) {
    for (const repo of ws.repositories) {
      for (const pr of repo.pullRequests) {
        if (!extractable(pr)) continue;
        const updated = formatMicros(pr.updatedOn);
        for (let i = pr.commits - 1; i >= 0; i--) {
          out.push({
            workspace: ws.slug,
            repo_slug: repo.slug,
            pull_request_id: pr.id,
            pull_request_updated_on: updated,
            hash: render.commitHash(repo, pr, i),
          });
        }
      }
    }
  }
  return out;
}

export function cloudTruthCount(world: CloudWorld): number {
  let n = 0;
  for (const ws of world.workspaces) {
    for (const repo of ws.repositories)
      for (const pr of repo.pullRequests) if (extractable(pr)) n += pr.commits;
  }
  return n;
}
