import type { DcProject, DcRepository, DcWorld } from "../dc/model.js";
import type { DcGitOptions, DcTruthRecord } from "../types.js";
import { GIT_PEOPLE } from "./authoring.js";
import type { GitRepo } from "./repo.js";

// The Data Center world of the git-backed mode: projects and repositories as the synthetic mode
// has them (so listings, permissions and repository JSON stay the same code), each repository
// paired with the git repository its branches and commits come from.

export interface GitDcDeployment {
  world: DcWorld;
  repos: Map<DcRepository, GitRepo>;
}

export function gitDcDeployment(seed: number, opts: DcGitOptions): GitDcDeployment {
  const world: DcWorld = { seed, projects: [], people: GIT_PEOPLE };
  const repos = new Map<DcRepository, GitRepo>();
  for (const [no, r] of opts.repositories.entries()) {
    let project = world.projects.find((p) => p.key === r.project);
    if (!project) {
      project = newProject(r.project, r.projectName, world.projects.length + 1);
      world.projects.push(project);
    }
    if (project.repositories.some((x) => x.slug === r.slug)) {
      throw new Error(`git simulator: ${r.project}/${r.slug} is listed twice`);
    }
    const repo: DcRepository = {
      no,
      id: no + 1,
      slug: r.slug,
      name: r.slug,
      project,
      // Unused in this mode: the default branch is the git repository's HEAD, read per request.
      defaultBranch: "",
      branches: new Map(),
      generations: [],
      description: undefined,
      // Pull requests are simulated in the synthetic mode only.
      pullRequests: [],
    };
    project.repositories.push(repo);
    repos.set(repo, r.repo);
  }
  return { world, repos };
}

function newProject(key: string, name: string | undefined, id: number): DcProject {
  return { key, id, name: name ?? key, description: `Project ${key}`, repositories: [] };
}

/** Every commit reachable from each repository's default branch, straight from git. */
export function gitDcTruth(d: GitDcDeployment): DcTruthRecord[] {
  const out: DcTruthRecord[] = [];
  for (const repo of d.world.projects.flatMap((p) => p.repositories)) {
    const git = d.repos.get(repo);
    if (!git) continue;
    const branch = git.defaultBranch();
    for (const c of git.reachable()) {
      out.push({
        project_key: repo.project.key,
        repo_slug: repo.slug,
        branch,
        id: c.id,
        committerTimestamp: c.committerTimestamp,
      });
    }
  }
  return out;
}

export function gitDcTruthCount(d: GitDcDeployment): number {
  let n = 0;
  for (const git of d.repos.values()) n += git.reachable().length;
  return n;
}
