import type { GitCommit } from "../git/commit-format.js";
import type { CommitOrder, GitRepo } from "../git/repo.js";
import { servedRepo } from "../git/served-repo.js";
import { hash32, hashString, uuidOf } from "../hash.js";
import type { CloudGitOptions } from "../types.js";
import type { BranchCommit, BranchSource } from "./branches.js";
import type { CloudRepository, CloudWorkspace, CloudWorld } from "./model.js";

// Cloud repositories backed by real git repositories (`cloudGit`): the main branch is the git
// repository's HEAD (null while that ref does not exist, as for an empty repository), listings
// are `git rev-list <include> ^<exclude>` in the configured order, and the truth is what git
// reaches. Ids, parents and commit dates come from git; authors and messages are the synthetic
// renderer's. Moves are the GitRepo's own (push, merge, forcePush, gc, renameBranch, ...).

export class GitBranchSource implements BranchSource {
  constructor(
    readonly repo: GitRepo,
    private readonly order: CommitOrder,
  ) {}

  private get served() {
    return servedRepo(this.repo);
  }

  /** The HEAD branch, or null while it has no commit. */
  mainBranch(): string | null {
    const d = this.served.defaultBranch();
    return d.latestCommit === undefined ? null : d.displayId;
  }

  head(name: string): string | undefined {
    return this.served.branches().find((b) => b.displayId === name)?.latestCommit;
  }

  branchNames(): string[] {
    return this.served.branches().map((b) => b.displayId);
  }

  resolve(rev: string): string | undefined {
    return this.served.resolve(rev);
  }

  get(hash: string): BranchCommit | undefined {
    const id = this.served.resolve(hash);
    return id === undefined ? undefined : toBranchCommit(this.served.commit(id));
  }

  /** One include and at most one exclude: one cached `git rev-list`; more: merged from several. */
  log(include: readonly string[], exclude: readonly string[]): BranchCommit[] {
    if (include.length === 1 && exclude.length <= 1)
      return this.served.listing(include[0] ?? "", exclude[0], this.order).map(toBranchCommit);
    const excluded = new Set(
      exclude.flatMap((e) => this.served.listing(e, undefined, this.order).map((c) => c.id)),
    );
    const seen = new Map<string, GitCommit>();
    for (const inc of include)
      for (const c of this.served.listing(inc, undefined, this.order))
        if (!excluded.has(c.id)) seen.set(c.id, c);
    return [...seen.values()].sort((a, b) => b.committerMs - a.committerMs).map(toBranchCommit);
  }
}

function toBranchCommit(c: GitCommit): BranchCommit {
  // The serial only picks a synthetic author and message.
  return {
    hash: c.id,
    parents: c.parents,
    dateMs: c.committerMs,
    serial: Number.parseInt(c.id.slice(0, 7), 16),
  };
}

/** Adds the git-backed repositories to the world, after the synthetic ones (their own workspaces). */
export function addGitRepositories(world: CloudWorld, opts: CloudGitOptions): void {
  let no = world.workspaces.reduce((n, w) => n + w.repositories.length, 0);
  for (const r of opts.repositories) {
    let ws = world.workspaces.find((w) => w.slug === r.workspace);
    if (!ws) {
      ws = newWorkspace(world.seed, r.workspace);
      world.workspaces.push(ws);
    }
    if (ws.repositories.some((x) => x.slug === r.slug))
      throw new Error(`simulator: Cloud repository ${r.workspace}/${r.slug} is listed twice`);
    ws.repositories.push(
      gitRepository(world.seed, ws, no++, r.slug, new GitBranchSource(r.repo, opts.order ?? "default")),
    );
  }
}

function newWorkspace(seed: number, slug: string): CloudWorkspace {
  return {
    slug,
    name: slug,
    uuid: uuidOf(hash32(seed, 0x3a5, hashString(slug))),
    projectKey: "GIT",
    projectUuid: uuidOf(hash32(seed, 0x3a6, hashString(slug))),
    repositories: [],
  };
}

function gitRepository(
  seed: number,
  workspace: CloudWorkspace,
  n: number,
  slug: string,
  git: GitBranchSource,
): CloudRepository {
  const createdOn = Date.UTC(2016, 0, 4) * 1000;
  return {
    no: n,
    workspace,
    slug,
    name: slug,
    uuid: uuidOf(hash32(seed, 0x4e91, n)),
    createdOn,
    updatedOn: createdOn,
    mainbranch: null,
    seededBranchCommits: 0,
    git,
    language: "",
    description: "",
    sizeBytes: 100_000,
    pullRequests: [],
  };
}
