import { hash32 } from "../hash.js";
import { type BranchPlan, type BuiltHistory, buildHistory, Timeline } from "./history-builder.js";
import { GitRepo } from "./repo.js";

// Scripted histories for the connector's tests, each the shape that trips a commits connector
// up. Sizes are chosen so that page caps of 25, 100 and 1,000 all matter: a few thousand commits
// in the big ones, hundreds in the others. Same script, same ids, every run. Every date lies
// before 2026-06-01, the simulator's epoch, so commits made by later moves are newer.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface ScriptedHistory {
  repo: GitRepo;
  /** The configured default branch (HEAD). */
  defaultBranch: string;
}

function mustId(ids: readonly string[], i: number): string {
  const id = ids[i];
  if (id === undefined) throw new Error(`history: no commit at position ${i}`);
  return id;
}

/** Short-lived pull-request branches: one merged every `every` positions, forked a few positions earlier. */
function featureBranches(
  tl: Timeline,
  opts: { every: number; offset: number; first: number; last: number; prefix: string },
): BranchPlan[] {
  const out: BranchPlan[] = [];
  for (let i = opts.first; i <= opts.last; i++) {
    if (i % opts.every !== opts.offset) continue;
    const n = out.length;
    const fork = i - 4 - (n % 3);
    out.push({
      name: `${opts.prefix}-${n + 1}`,
      from: fork,
      commits: 2 + (hash32(0xfea, n) % 5),
      span: [tl.mid(fork), tl.mid(i - 1)],
      mergeAt: i,
    });
  }
  return out;
}

export interface LinearHistory extends ScriptedHistory {
  /** Oldest first. */
  commits: string[];
}

/** One branch, no merges: `commits` (default 600) commits three hours apart from 2025-01-06. */
export function linearHistory(opts: { commits?: number; defaultBranch?: string } = {}): LinearHistory {
  const defaultBranch = opts.defaultBranch ?? "main";
  const repo = GitRepo.create({ defaultBranch });
  const built = buildHistory(repo, {
    branch: defaultBranch,
    commits: opts.commits ?? 600,
    timeline: new Timeline(Date.UTC(2025, 0, 6), 3 * HOUR),
  });
  return { repo, defaultBranch, commits: built.mainline };
}

export interface LateMerge {
  branch: string;
  /** The merge commit on the default branch. */
  merge: string;
  /** The branch's first (oldest) commit. */
  oldest: string;
}

export interface LongLivedBranchesHistory extends ScriptedHistory {
  /** Branches forked years ago, worked on with old dates, merged in the last few main-line commits. */
  lateMerges: LateMerge[];
  /** Long-lived branches still open (refs exist): for merge() moves. */
  openBranches: string[];
  built: BuiltHistory;
}

/**
 * ~3,650 commits reachable from main (2,400 on its first-parent line, 2020-01 to 2026-04), a
 * pull-request merge every 25 commits, and four long-lived branches forked in 2020-2022 whose
 * commits keep their old dates, merged into main only at the very end; release/1.x also took
 * main twice. feature/dormant (2021) and release/2.x (2025) are left open.
 */
export function longLivedBranchesHistory(): LongLivedBranchesHistory {
  const defaultBranch = "main";
  const repo = GitRepo.create({ defaultBranch });
  const tl = new Timeline(Date.UTC(2020, 0, 6), 23 * HOUR);
  const longLived: BranchPlan[] = [
    {
      name: "release/1.x",
      from: 300,
      commits: 150,
      span: [tl.mid(300), tl.mid(2300)],
      backMerges: [1200, 2000],
      mergeAt: 2380,
      keepRef: true,
    },
    {
      name: "feature/legacy-import",
      from: 500,
      commits: 400,
      span: [tl.mid(500), tl.mid(760)],
      mergeAt: 2388,
    },
    {
      name: "experiment/new-engine",
      from: 900,
      commits: 250,
      span: [tl.mid(900), tl.mid(1300)],
      mergeAt: 2392,
    },
    { name: "hotfix/backport-2020", from: 100, commits: 60, span: [tl.mid(100), tl.mid(140)], mergeAt: 2396 },
  ];
  const open: BranchPlan[] = [
    { name: "feature/dormant", from: 700, commits: 120, span: [tl.mid(700), tl.mid(820)] },
    { name: "release/2.x", from: 1800, commits: 80, span: [tl.mid(1800), tl.mid(2350)] },
  ];
  const built = buildHistory(repo, {
    branch: defaultBranch,
    commits: 2400,
    timeline: tl,
    seed: 2,
    branches: [
      ...featureBranches(tl, { every: 25, offset: 20, first: 20, last: 2360, prefix: "feature/PLAT" }),
      ...longLived,
      ...open,
    ],
  });
  const lateMerges = longLived.map((b) => ({
    branch: b.name,
    merge: mustId(built.mainline, b.mergeAt ?? -1),
    oldest: mustId(built.branches.get(b.name) ?? [], 0),
  }));
  return { repo, defaultBranch, lateMerges, openBranches: open.map((b) => b.name), built };
}

export interface TwoRootsHistory extends ScriptedHistory {
  /** The unrelated lineage merged into main, and its merge commit. */
  otherRoot: { branch: string; root: string; merge: string };
  /** main's own root commit. */
  mainRoot: string;
  /** A third root, never merged (its ref exists): for resetBranch() moves. */
  orphanBranch: string;
  built: BuiltHistory;
}

/**
 * ~620 commits reachable from main: main (350 first-parent commits, 2024-2025, pull requests
 * every 20) and vendor/legacy-billing, an unrelated history from 2017-2019 with its own root,
 * merged at position 255. gh-pages is a third root, left open.
 */
export function twoRootsHistory(): TwoRootsHistory {
  const defaultBranch = "main";
  const repo = GitRepo.create({ defaultBranch });
  const tl = new Timeline(Date.UTC(2024, 0, 8), 2 * DAY);
  const other = "vendor/legacy-billing";
  const orphan = "gh-pages";
  const built = buildHistory(repo, {
    branch: defaultBranch,
    commits: 350,
    timeline: tl,
    seed: 3,
    branches: [
      ...featureBranches(tl, { every: 20, offset: 10, first: 10, last: 340, prefix: "feature/BILL" }),
      {
        name: other,
        from: "root",
        commits: 220,
        span: [Date.UTC(2017, 2, 1), Date.UTC(2019, 5, 1)],
        mergeAt: 255,
      },
      { name: orphan, from: "root", commits: 40, span: [tl.mid(100), tl.mid(340)] },
    ],
  });
  return {
    repo,
    defaultBranch,
    otherRoot: {
      branch: other,
      root: mustId(built.branches.get(other) ?? [], 0),
      merge: mustId(built.mainline, 255),
    },
    mainRoot: mustId(built.mainline, 0),
    orphanBranch: orphan,
    built,
  };
}

export interface ClockSkewHistory extends ScriptedHistory {
  /** Commits whose dates are off by more than a day (-400 days … +12 days). */
  outliers: string[];
  /** Every skewed commit → its skew (ms). */
  skewed: Map<string, number>;
  built: BuiltHistory;
}

/** The k-th commit's bad clock: three in ten off by up to ±20 hours (commits are 4 hours apart), a few far off. */
function badClock(k: number): number {
  const far: Record<number, number> = {
    137: -45 * DAY,
    611: -400 * DAY,
    1024: 12 * DAY,
    1500: -3 * DAY,
    2001: 2 * DAY,
    2222: -30 * DAY,
  };
  const outlier = far[k];
  if (outlier !== undefined) return outlier;
  const h = hash32(0x5ce, k);
  if (h % 10 >= 3) return 0;
  return ((h >>> 4) % 40) * HOUR - 20 * HOUR + ((h >>> 12) % 3600) * 1000;
}

/**
 * ~2,400 commits reachable from main (1,800 on its first-parent line, 4 hours apart from
 * 2024-07-01, a pull request every 10) with a bad clock: commits dated before their parents or
 * after their children by up to a day, and six outliers (-400, -45, -30, -3, +2, +12 days).
 */
export function clockSkewHistory(): ClockSkewHistory {
  const defaultBranch = "main";
  const repo = GitRepo.create({ defaultBranch });
  const tl = new Timeline(Date.UTC(2024, 6, 1), 4 * HOUR);
  const built = buildHistory(repo, {
    branch: defaultBranch,
    commits: 1800,
    timeline: tl,
    seed: 4,
    skew: badClock,
    branches: featureBranches(tl, { every: 10, offset: 5, first: 5, last: 1795, prefix: "feature/OPS" }),
  });
  const outliers = [...built.skewed].filter(([, s]) => Math.abs(s) > DAY).map(([id]) => id);
  return { repo, defaultBranch, outliers, skewed: built.skewed, built };
}

export interface OctopusHistory extends ScriptedHistory {
  /** Main-line merge commits with three or more parents (up to eight). */
  octopusMerges: string[];
  built: BuiltHistory;
}

/**
 * ~560 commits reachable from main: 320 first-parent commits six hours apart from 2025-01-06,
 * an octopus merge of 2-7 topic branches every 30 (one of them also takes a topic forked 235
 * commits earlier) and an ordinary pull-request merge in between.
 */
export function octopusHistory(): OctopusHistory {
  const defaultBranch = "main";
  const repo = GitRepo.create({ defaultBranch });
  const tl = new Timeline(Date.UTC(2025, 0, 6), 6 * HOUR);
  const branches: BranchPlan[] = featureBranches(tl, {
    every: 30,
    offset: 0,
    first: 30,
    last: 300,
    prefix: "feature/WEB",
  });
  const octopusAt: number[] = [];
  for (let i = 15; i < 320; i += 30) {
    octopusAt.push(i);
    const topics = 2 + (octopusAt.length % 6);
    for (let t = 0; t < topics; t++) {
      const fork = i - 8 + t;
      branches.push({
        name: `topic/${i}-${t + 1}`,
        from: fork,
        commits: 2 + ((i + t) % 5),
        span: [tl.mid(fork), tl.mid(i - 1)],
        mergeAt: i,
      });
    }
  }
  branches.push({
    name: "topic/old-octopus-arm",
    from: 20,
    commits: 30,
    span: [tl.mid(20), tl.mid(60)],
    mergeAt: 255,
  });
  const built = buildHistory(repo, { branch: defaultBranch, commits: 320, timeline: tl, seed: 5, branches });
  return { repo, defaultBranch, octopusMerges: octopusAt.map((i) => mustId(built.mainline, i)), built };
}

/** No refs at all (HEAD names `defaultBranch`, default "main"): Bitbucket's empty repository. */
export function emptyHistory(opts: { defaultBranch?: string } = {}): ScriptedHistory {
  const defaultBranch = opts.defaultBranch ?? "main";
  return { repo: GitRepo.create({ defaultBranch }), defaultBranch };
}

export interface MissingDefaultHistory extends ScriptedHistory {
  /** The branch that holds the history. */
  actualBranch: string;
}

/** HEAD names main, which does not exist; the 150 commits are on master. */
export function missingDefaultHistory(): MissingDefaultHistory {
  const repo = GitRepo.create({ defaultBranch: "main" });
  buildHistory(repo, {
    branch: "master",
    commits: 150,
    timeline: new Timeline(Date.UTC(2025, 2, 3), 5 * HOUR),
  });
  return { repo, defaultBranch: "main", actualBranch: "master" };
}

/** Every scripted history by name, for test matrices. */
export const HISTORIES = {
  linear: linearHistory,
  longLivedBranches: longLivedBranchesHistory,
  twoRoots: twoRootsHistory,
  clockSkew: clockSkewHistory,
  octopus: octopusHistory,
  empty: emptyHistory,
  missingDefault: missingDefaultHistory,
} as const satisfies Record<string, () => ScriptedHistory>;

export type HistoryName = keyof typeof HISTORIES;
