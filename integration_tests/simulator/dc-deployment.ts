import type { SimClock } from "./clock.js";
import type { DcRepositoryBackend } from "./dc/api.js";
import type { DcWorld } from "./dc/model.js";
import { generateDcWorld } from "./dc/model.js";
import { DcMutator, dcTruth, dcTruthCount } from "./dc/mutations.js";
import { dcPullRequestTruth, dcPullRequestTruthCount } from "./dc/pull-request-mutations.js";
import { DcPullRequestRenderer } from "./dc/pull-request-render.js";
import { DcRenderer } from "./dc/render.js";
import { DcGitBackend } from "./git/dc-backend.js";
import { DcGitMutator } from "./git/dc-mutations.js";
import { GitDcRenderer } from "./git/dc-render.js";
import { gitDcDeployment, gitDcTruth, gitDcTruthCount } from "./git/dc-world.js";
import type { ResolvedScale } from "./scale.js";
import type { DcMutations, DcPullRequestTruthRecord, DcTruthRecord, SimulatorOptions } from "./types.js";

// The Data Center the simulator serves: synthetic seeded chains, or real git repositories
// (`dcGit`). Both share the API front (auth, projects, repositories, paging).

export interface DcDeployment {
  world: DcWorld;
  render: DcRenderer;
  /** Answers branches and commits when they do not come from the synthetic world. */
  backend: DcRepositoryBackend | undefined;
  truth(): DcTruthRecord[];
  truthCount(): number;
  pullRequestTruth(): DcPullRequestTruthRecord[];
  pullRequestTruthCount(): number;
  mutations: DcMutations;
}

export function makeDcDeployment(
  seed: number,
  opts: SimulatorOptions,
  scale: ResolvedScale,
  clock: SimClock,
  maxLimit: number,
): DcDeployment {
  if (opts.dcGit) {
    const d = gitDcDeployment(seed, opts.dcGit);
    const render = new DcRenderer(d.world);
    const gitRender = new GitDcRenderer(render, d.world.people.mapped);
    return {
      world: d.world,
      render,
      backend: new DcGitBackend(d.repos, gitRender, { order: opts.dcGit.order ?? "default", maxLimit }),
      truth: () => gitDcTruth(d),
      truthCount: () => gitDcTruthCount(d),
      pullRequestTruth: () => [],
      pullRequestTruthCount: () => 0,
      mutations: new DcGitMutator(d),
    };
  }
  const world = generateDcWorld(seed, scale.spec.dc, scale.showcase);
  const render = new DcRenderer(world);
  const prRender = new DcPullRequestRenderer(world, render);
  return {
    world,
    render,
    backend: undefined,
    truth: () => dcTruth(world, render),
    truthCount: () => dcTruthCount(world),
    pullRequestTruth: () => dcPullRequestTruth(world, prRender),
    pullRequestTruthCount: () => dcPullRequestTruthCount(world),
    mutations: new DcMutator(world, render, clock, prRender),
  };
}
