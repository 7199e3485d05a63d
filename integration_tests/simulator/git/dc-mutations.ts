import type { DcMutations, DcPullRequestSummary, DcRepositorySummary } from "../types.js";
import type { GitDcDeployment } from "./dc-world.js";
import type { GitRepo } from "./repo.js";

// `sim.dc` in the git-backed mode: the synthetic mode's mutations, done as git moves on the
// repository's default branch, so tests written against either mode run against both.

const noPullRequests = (): never => {
  throw new Error("simulator: pull requests are simulated in the synthetic Data Center mode only");
};

export class DcGitMutator implements DcMutations {
  constructor(private readonly d: GitDcDeployment) {}

  private repo(projectKey: string, slug: string): GitRepo {
    for (const [r, git] of this.d.repos) if (r.project.key === projectKey && r.slug === slug) return git;
    throw new Error(`simulator: no DC repository ${projectKey}/${slug}`);
  }

  push(projectKey: string, repoSlug: string, n: number): string[] {
    const git = this.repo(projectKey, repoSlug);
    return git.push(git.defaultBranch(), n);
  }

  forcePush(
    projectKey: string,
    repoSlug: string,
    opts: { drop: number; add: number },
  ): { removed: string[]; added: string[] } {
    const git = this.repo(projectKey, repoSlug);
    const { removed, added } = git.forcePush(git.defaultBranch(), opts);
    return { removed, added };
  }

  setDefaultBranch(
    projectKey: string,
    repoSlug: string,
    displayId: string,
    opts: { fromBranch?: string; addCommits?: number } = {},
  ): void {
    const git = this.repo(projectKey, repoSlug);
    if (git.head(displayId) === undefined) {
      const from = git.head(opts.fromBranch ?? git.defaultBranch());
      if (from === undefined && opts.fromBranch !== undefined) {
        throw new Error(`simulator: ${projectKey}/${repoSlug} has no branch ${opts.fromBranch}`);
      }
      if (from !== undefined) git.createBranch(displayId, from);
    }
    if ((opts.addCommits ?? 0) > 0) git.push(displayId, opts.addCommits ?? 0);
    git.setDefaultBranch(displayId);
  }

  renameDefaultBranch(projectKey: string, repoSlug: string, newDisplayId: string): void {
    const git = this.repo(projectKey, repoSlug);
    if (git.head(git.defaultBranch()) === undefined) git.setDefaultBranch(newDisplayId);
    else git.renameDefaultBranch(newDisplayId);
  }

  repositories(): DcRepositorySummary[] {
    return this.d.world.projects
      .flatMap((p) => p.repositories)
      .map((r) => {
        const git = this.d.repos.get(r);
        if (!git) throw new Error(`simulator: ${r.project.key}/${r.slug} has no git repository`);
        const configured = git.defaultBranch();
        const exists = git.head(configured) !== undefined;
        return {
          projectKey: r.project.key,
          slug: r.slug,
          defaultBranch: exists ? configured : null,
          commits: exists ? git.reachable().length : 0,
          configuredDefaultBranch: configured,
          empty: git.isEmpty(),
          branches: [...git.branches().keys()],
        };
      });
  }

  pullRequests(): DcPullRequestSummary[] {
    return [];
  }

  createPullRequest = noPullRequests;
  addCommitsToPullRequest = noPullRequests;
  setPullRequestState = noPullRequests;
  forcePushPullRequest = noPullRequests;
  deletePullRequest = noPullRequests;
}
