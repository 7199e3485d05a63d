// A local Bitbucket Cloud (API 2.0) + Bitbucket Data Center (REST 1.0) over real HTTP, with
// deterministic seeded data and the behaviours that bite real clients. See README.md.

export { authoredCommit, GIT_PEOPLE } from "./git/authoring.js";
export type { GitCommit } from "./git/commit-format.js";
export type { CommitSpec, Identity } from "./git/fast-import.js";
export { FastImportBatch } from "./git/fast-import.js";
export type {
  ClockSkewHistory,
  HistoryName,
  LateMerge,
  LinearHistory,
  LongLivedBranchesHistory,
  MissingDefaultHistory,
  OctopusHistory,
  ScriptedHistory,
  TwoRootsHistory,
} from "./git/histories.js";
export {
  clockSkewHistory,
  emptyHistory,
  HISTORIES,
  linearHistory,
  longLivedBranchesHistory,
  missingDefaultHistory,
  octopusHistory,
  twoRootsHistory,
} from "./git/histories.js";
export type { BranchPlan, BuiltHistory, MainlinePlan } from "./git/history-builder.js";
export { buildHistory, Timeline } from "./git/history-builder.js";
export type { MergeOptions, PushOptions } from "./git/moves.js";
export type { BranchChange, CommitOrder, ReachableCommit, WalkOptions } from "./git/repo.js";
export { COMMIT_ORDERS, GitRepo } from "./git/repo.js";
export type { ProxiedRequest, ProxyOptions, TestProxy } from "./proxy.js";
export { startProxy } from "./proxy.js";
export { BENCH_SCALE, SMALL_SCALE, scaleForTotals } from "./scale.js";
export { startSimulator } from "./server.js";
export type {
  CloudBranchTruthRecord,
  CloudGitOptions,
  CloudMutations,
  CloudPullRequestSummary,
  CloudTruthRecord,
  DcGitOptions,
  DcGitRepositoryOption,
  DcMutations,
  DcPrState,
  DcPullRequestSummary,
  DcPullRequestTruthRecord,
  DcRepositorySummary,
  DcTruthRecord,
  FaultKind,
  FaultSpec,
  PrState,
  RouteName,
  ScaleSpec,
  SimCredentials,
  SimRequestLog,
  SimStats,
  Simulator,
  SimulatorOptions,
} from "./types.js";
export { PR_STATES, ROUTE_NAMES } from "./types.js";
