import type { ScaleSpec } from "./types.js";

// Scale presets. "small" is the hand-shaped showcase used by tests (fixed names, one of every
// awkward case); the others are generated from the ScaleSpec ranges alone.

export const SMALL_SCALE: ScaleSpec = {
  cloud: {
    workspaces: [
      { name: "acme", repos: 12 },
      { name: "other-ws", repos: 3 },
      { name: "empty-ws", repos: 0 },
    ],
    prsPerRepo: [3, 20],
    commitsPerPr: [1, 25],
  },
  dc: { projects: 4, reposPerProject: 4, commitsPerRepo: [40, 600] },
};

// Fractions of data the connector cannot extract: Cloud pull requests whose commits answer 404
// (1/15) or are empty (1/20); DC repositories that are empty or whose default branch is missing.
const CLOUD_EXTRACTABLE = 1 - 1 / 15 - 1 / 20;
const DC_EMPTY_EVERY = 25;
export const DC_MISSING_DEFAULT_EVERY = 37;

function clamp(n: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, n));
}

/**
 * A generated scale whose extractable commits come close to the given totals per deployment:
 * about 1,000 commits per repository, Cloud pull requests of 1-20 commits.
 */
export function scaleForTotals(cloudCommits: number, dcCommits: number): ScaleSpec {
  const cloudRepos = clamp(Math.round(cloudCommits / 1000), 1, 5000);
  const prsPerRepo = Math.max(1, cloudCommits / 10.5 / CLOUD_EXTRACTABLE / cloudRepos);
  const otherRepos = clamp(cloudRepos - 1, 0, 2);
  const dcRepos = clamp(Math.round(dcCommits / 1000), 1, 10_000);
  const reposPerProject = Math.min(10, dcRepos);
  const empty = dcRepos >= DC_EMPTY_EVERY ? 1 / DC_EMPTY_EVERY : 0;
  const missing = dcRepos >= DC_MISSING_DEFAULT_EVERY ? 1 / DC_MISSING_DEFAULT_EVERY : 0;
  const perRepo = Math.max(1, dcCommits / dcRepos / (1 - empty - missing));
  return {
    cloud: {
      workspaces: [
        { name: "acme", repos: cloudRepos - otherRepos },
        { name: "other-ws", repos: otherRepos },
        { name: "empty-ws", repos: 0 },
      ],
      prsPerRepo: [Math.max(1, Math.round(prsPerRepo * 0.5)), Math.max(1, Math.round(prsPerRepo * 1.5))],
      commitsPerPr: [1, 20],
    },
    dc: {
      projects: Math.ceil(dcRepos / reposPerProject),
      reposPerProject,
      commitsPerRepo: [Math.max(1, Math.round(perRepo * 0.2)), Math.max(1, Math.round(perRepo * 1.8))],
      emptyRepoEvery: DC_EMPTY_EVERY,
      // A few pull requests per repository: their commits are a stream of their own, on top.
      prsPerRepo: [2, 10],
      commitsPerPr: [1, 20],
    },
  };
}

export const BENCH_SCALE: ScaleSpec = scaleForTotals(100_000, 100_000);

export interface ResolvedScale {
  spec: ScaleSpec;
  /** The hand-shaped "small" data set (fixed names and special cases). */
  showcase: boolean;
}

export function resolveScale(scale: "small" | "bench" | ScaleSpec | undefined): ResolvedScale {
  if (scale === undefined || scale === "small") return { spec: SMALL_SCALE, showcase: true };
  if (scale === "bench") return { spec: BENCH_SCALE, showcase: false };
  return { spec: scale, showcase: false };
}
