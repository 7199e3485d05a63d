// A local Bitbucket Cloud (API 2.0) + Bitbucket Data Center (REST 1.0) over real HTTP, with
// deterministic seeded data and the behaviours that bite real clients. See README.md.

export type { ProxiedRequest, ProxyOptions, TestProxy } from "./proxy.js";
export { startProxy } from "./proxy.js";
export { BENCH_SCALE, SMALL_SCALE, scaleForTotals } from "./scale.js";
export { startSimulator } from "./server.js";
export type {
  CloudMutations,
  CloudPullRequestSummary,
  CloudTruthRecord,
  DcMutations,
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
