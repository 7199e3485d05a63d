import type { SimClock } from "../clock.js";
import type {
  DcMutations,
  DcPrState,
  DcPullRequestSummary,
  DcRepositorySummary,
  DcTruthRecord,
} from "../types.js";
import { type Chain, type CommitRef, chainLength, truncateChain, walkBack } from "./history.js";
import { type DcRepository, type DcWorld, findDcRepository } from "./model.js";
import { DcPullRequestMutator } from "./pull-request-mutations.js";
import type { DcPullRequestRenderer } from "./pull-request-render.js";
import type { DcRenderer } from "./render.js";

// Deterministic repository changes for incremental-sync tests. New commits always get a new
// generation stamped from the simulated clock: strictly later than every existing commit.

export class DcMutator implements DcMutations {
  private readonly prs: DcPullRequestMutator;

  constructor(
    private readonly world: DcWorld,
    private readonly render: DcRenderer,
    private readonly clock: SimClock,
    prRender: DcPullRequestRenderer,
  ) {
    this.prs = new DcPullRequestMutator(world, prRender, clock, (repo, chain, n) =>
      this.grow(repo, chain, n),
    );
  }

  private repo(projectKey: string, slug: string): DcRepository {
    const repo = findDcRepository(this.world, projectKey, slug);
    if (!repo) throw new Error(`simulator: no DC repository ${projectKey}/${slug}`);
    return repo;
  }

  /** Appends n commits (a new generation) to `chain` in place; returns their ids, oldest first. */
  private grow(repo: DcRepository, chain: Chain, n: number): string[] {
    const count = Math.max(0, Math.floor(n));
    const startMs = this.clock.advance(Math.max(1, count));
    if (count === 0) return [];
    repo.generations.push({ baseMs: startMs + 1000, stepMs: 1000, jitter: false, count });
    const gen = repo.generations.length - 1;
    chain.push({ gen, from: 0, to: count });
    const ids: string[] = [];
    for (let idx = 0; idx < count; idx++) ids.push(this.render.commitId(repo, { gen, idx }));
    return ids;
  }

  push(projectKey: string, repoSlug: string, n: number): string[] {
    const repo = this.repo(projectKey, repoSlug);
    let chain = repo.branches.get(repo.defaultBranch);
    if (!chain) {
      // Pushing the configured default branch creates it (also in an empty repository).
      chain = [];
      repo.branches.set(repo.defaultBranch, chain);
    }
    return this.grow(repo, chain, n);
  }

  forcePush(
    projectKey: string,
    repoSlug: string,
    opts: { drop: number; add: number },
  ): { removed: string[]; added: string[] } {
    const repo = this.repo(projectKey, repoSlug);
    const chain = repo.branches.get(repo.defaultBranch);
    if (!chain) throw new Error(`simulator: ${projectKey}/${repoSlug} has no default branch to force-push`);
    const length = chainLength(chain);
    const drop = Math.min(length, Math.max(0, Math.floor(opts.drop)));
    const removed: string[] = [];
    walkBack(chain, length - 1, drop, (c) => removed.push(this.render.commitId(repo, c)));
    removed.reverse();
    const kept = truncateChain(chain, length - drop);
    const added = this.grow(repo, kept, opts.add);
    // Keep the ref even when it ends up with no commits: it then points nowhere, like a deleted ref.
    if (chainLength(kept) === 0) repo.branches.delete(repo.defaultBranch);
    else repo.branches.set(repo.defaultBranch, kept);
    return { removed, added };
  }

  setDefaultBranch(
    projectKey: string,
    repoSlug: string,
    displayId: string,
    opts: { fromBranch?: string; addCommits?: number } = {},
  ): void {
    const repo = this.repo(projectKey, repoSlug);
    let chain = repo.branches.get(displayId);
    if (!chain) {
      const from = opts.fromBranch ?? repo.defaultBranch;
      const source = repo.branches.get(from);
      if (!source && opts.fromBranch !== undefined) {
        throw new Error(`simulator: ${projectKey}/${repoSlug} has no branch ${opts.fromBranch}`);
      }
      chain = source ? truncateChain(source, chainLength(source)) : [];
    }
    if ((opts.addCommits ?? 0) > 0) this.grow(repo, chain, opts.addCommits ?? 0);
    else this.clock.advance(1);
    if (chainLength(chain) > 0) repo.branches.set(displayId, chain);
    repo.defaultBranch = displayId;
  }

  renameDefaultBranch(projectKey: string, repoSlug: string, newDisplayId: string): void {
    const repo = this.repo(projectKey, repoSlug);
    const chain = repo.branches.get(repo.defaultBranch);
    if (newDisplayId !== repo.defaultBranch && repo.branches.has(newDisplayId)) {
      throw new Error(`simulator: ${projectKey}/${repoSlug} already has a branch ${newDisplayId}`);
    }
    this.clock.advance(1);
    if (chain) {
      repo.branches.delete(repo.defaultBranch);
      repo.branches.set(newDisplayId, chain);
    }
    repo.defaultBranch = newDisplayId;
  }

  pullRequests(projectKey: string, repoSlug: string): DcPullRequestSummary[] {
    return this.prs.pullRequests(projectKey, repoSlug);
  }

  createPullRequest(
    projectKey: string,
    repoSlug: string,
    opts: { commits: number; state?: DcPrState },
  ): number {
    return this.prs.createPullRequest(projectKey, repoSlug, opts);
  }

  addCommitsToPullRequest(projectKey: string, repoSlug: string, prId: number, n: number): string[] {
    return this.prs.addCommitsToPullRequest(projectKey, repoSlug, prId, n);
  }

  setPullRequestState(
    projectKey: string,
    repoSlug: string,
    prId: number,
    state: DcPrState,
  ): string | undefined {
    return this.prs.setPullRequestState(projectKey, repoSlug, prId, state);
  }

  forcePushPullRequest(
    projectKey: string,
    repoSlug: string,
    prId: number,
    opts: { drop: number; add: number },
  ): { removed: string[]; added: string[] } {
    return this.prs.forcePushPullRequest(projectKey, repoSlug, prId, opts);
  }

  deletePullRequest(projectKey: string, repoSlug: string, prId: number): void {
    this.prs.deletePullRequest(projectKey, repoSlug, prId);
  }

  repositories(): DcRepositorySummary[] {
    return this.world.projects.flatMap((p) =>
      p.repositories.map((r) => {
        const chain = r.branches.get(r.defaultBranch);
        return {
          projectKey: p.key,
          slug: r.slug,
          defaultBranch: chain ? r.defaultBranch : null,
          commits: chain ? chainLength(chain) : 0,
          configuredDefaultBranch: r.defaultBranch,
          empty: r.branches.size === 0,
          branches: [...r.branches.keys()],
        };
      }),
    );
  }
}

export function dcTruth(world: DcWorld, render: DcRenderer): DcTruthRecord[] {
  const out: DcTruthRecord[] = [];
  for (const p of world.projects) {
    for (const repo of p.repositories) {
      const chain = repo.branches.get(repo.defaultBranch);
      if (!chain) continue;
      const length = chainLength(chain);
      walkBack(chain, length - 1, length, (c: CommitRef) => {
        out.push({
          project_key: p.key,
          repo_slug: repo.slug,
          branch: repo.defaultBranch,
          id: render.commitId(repo, c),
          committerTimestamp: render.committerTimestamp(repo, c),
        });
      });
    }
  }
  return out;
}

export function dcTruthCount(world: DcWorld): number {
  let n = 0;
  for (const p of world.projects) {
    for (const repo of p.repositories) {
      const chain = repo.branches.get(repo.defaultBranch);
      if (chain) n += chainLength(chain);
    }
  }
  return n;
}
