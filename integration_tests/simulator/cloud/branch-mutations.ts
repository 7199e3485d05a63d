import type { SimClock } from "../clock.js";
import { formatSeconds } from "../time-format.js";
import type { CloudBranchTruthRecord } from "../types.js";
import type { BranchHistory } from "./branches.js";
import { type CloudRepository, type CloudWorld, findRepository, historyOf, mainBranchOf } from "./model.js";

// Moves of Cloud main branches, one call each, for incremental tests. Every move is a push: it
// moves the simulated clock (new commits are dated after everything served) and the repository's
// updated_on. The main branch's commits are the ground truth (cloudBranchTruth).

export class CloudBranchMutator {
  constructor(
    private readonly world: CloudWorld,
    private readonly clock: SimClock,
  ) {}

  private repo(workspace: string, slug: string): CloudRepository {
    const repo = findRepository(this.world, workspace, slug);
    if (!repo) throw new Error(`simulator: no Cloud repository ${workspace}/${slug}`);
    return repo;
  }

  private main(repo: CloudRepository): { h: BranchHistory; name: string; head: string } {
    if (repo.git) throw new Error("simulator: move a git-backed repository with its GitRepo's moves");
    const h = historyOf(this.world, repo);
    const head = repo.mainbranch === null ? undefined : h.head(repo.mainbranch);
    if (repo.mainbranch === null || head === undefined)
      throw new Error(`simulator: ${repo.workspace.slug}/${repo.slug} has no main branch yet`);
    return { h, name: repo.mainbranch, head };
  }

  /** Dates for n new commits, a second apart after "now"; moves the clock and updated_on. */
  private dates(repo: CloudRepository, n: number): (i: number) => number {
    const start = this.clock.advance(Math.max(1, n + 1));
    repo.updatedOn = Math.max(repo.updatedOn, this.clock.nowMs() * 1000);
    return (i) => start + (i + 1) * 1000;
  }

  push(workspace: string, slug: string, n: number): string[] {
    const repo = this.repo(workspace, slug);
    if (repo.git) throw new Error("simulator: move a git-backed repository with its GitRepo's moves");
    const h = historyOf(this.world, repo);
    // The first push of an empty repository makes its branch the main branch.
    const name = repo.mainbranch ?? "main";
    const added = h.grow(h.head(name), Math.max(0, Math.floor(n)), this.dates(repo, n));
    if (added.length > 0) h.setRef(name, added[added.length - 1]);
    repo.mainbranch = name;
    return added;
  }

  mergeOldBranch(
    workspace: string,
    slug: string,
    opts: { commits: number; forkBack: number },
  ): { merge: string; merged: string[] } {
    const repo = this.repo(workspace, slug);
    const { h, name, head } = this.main(repo);
    const line = h.firstParents(name, opts.forkBack + 1);
    const fork = line[line.length - 1] ?? head;
    const forkMs = h.get(fork)?.dateMs ?? 0;
    // The branch's commits keep the old dates they were made at, right after the fork point.
    const merged = h.grow(fork, Math.max(1, opts.commits), (i) => forkMs + (i + 1) * 60_000);
    const tip = merged[merged.length - 1] ?? fork;
    h.setRef(`long-lived/${merged.length}-${fork.slice(0, 7)}`, tip);
    const date = this.dates(repo, 1);
    const merge = h.commit([head, tip], date(0));
    h.setRef(name, merge);
    return { merge, merged };
  }

  forcePush(
    workspace: string,
    slug: string,
    opts: { drop: number; add: number; gc?: boolean },
  ): { removed: string[]; added: string[] } {
    const repo = this.repo(workspace, slug);
    const { h, name, head } = this.main(repo);
    const drop = Math.max(0, Math.floor(opts.drop));
    const base = h.firstParents(name, drop + 1)[drop];
    const added = h.grow(base, Math.max(0, Math.floor(opts.add)), this.dates(repo, opts.add));
    const tip = added[added.length - 1] ?? base;
    if (tip === undefined) throw new Error("simulator: a force-push must leave the main branch a commit");
    h.setRef(name, tip);
    const removed = h
      .log([head], [tip])
      .map((c) => c.hash)
      .reverse();
    if (opts.gc ?? true) h.gc();
    return { removed, added };
  }

  rename(workspace: string, slug: string, to: string): void {
    const repo = this.repo(workspace, slug);
    const { h, name, head } = this.main(repo);
    if (h.head(to) !== undefined) throw new Error(`simulator: branch ${to} already exists`);
    h.setRef(to, head);
    h.setRef(name, undefined);
    repo.mainbranch = to;
    this.dates(repo, 0);
  }

  switchTo(workspace: string, slug: string, to: string, opts: { addCommits?: number } = {}): string[] {
    const repo = this.repo(workspace, slug);
    const { h, head } = this.main(repo);
    const from = h.head(to) ?? head;
    const n = Math.max(0, Math.floor(opts.addCommits ?? 0));
    // A switch without new commits is a change of the repository's settings, not a push: whether
    // Bitbucket moves updated_on for it is not documented, and the simulator takes the worse case.
    const added = n > 0 ? h.grow(from, n, this.dates(repo, n)) : [];
    h.setRef(to, added[added.length - 1] ?? from);
    repo.mainbranch = to;
    return added;
  }

  mainBranch(workspace: string, slug: string): { name: string | null; hashes: string[] } {
    const repo = this.repo(workspace, slug);
    return { name: mainBranchOf(repo), hashes: mainCommits(this.world, repo).map((c) => c.hash) };
  }
}

/** What the main branch reaches; for a git-backed repository, straight from git (uncached). */
function mainCommits(world: CloudWorld, repo: CloudRepository): { hash: string; dateMs: number }[] {
  if (repo.git) return repo.git.repo.reachable().map((c) => ({ hash: c.id, dateMs: c.committerTimestamp }));
  if (repo.mainbranch === null) return [];
  const h = historyOf(world, repo);
  const head = h.head(repo.mainbranch);
  return head === undefined ? [] : h.log([head], []);
}

/** Every commit reachable from each repository's main branch, newest first per repository. */
export function cloudBranchTruth(world: CloudWorld): CloudBranchTruthRecord[] {
  const out: CloudBranchTruthRecord[] = [];
  for (const ws of world.workspaces) {
    for (const repo of ws.repositories) {
      for (const c of mainCommits(world, repo)) {
        out.push({
          workspace: ws.slug,
          repo_slug: repo.slug,
          branch: mainBranchOf(repo) ?? "",
          hash: c.hash,
          date: formatSeconds(c.dateMs),
        });
      }
    }
  }
  return out;
}

export function cloudBranchTruthCount(world: CloudWorld): number {
  let n = 0;
  for (const ws of world.workspaces) for (const repo of ws.repositories) n += mainCommits(world, repo).length;
  return n;
}
