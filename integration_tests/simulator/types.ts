// Public types of the Bitbucket simulator. Other code (tests, demo, benchmark) depends on these
// names and shapes: extend, do not change.

import type { CommitOrder, GitRepo } from "./git/repo.js";

export type PrState = "OPEN" | "MERGED" | "DECLINED" | "SUPERSEDED";
export const PR_STATES: readonly PrState[] = ["OPEN", "MERGED", "DECLINED", "SUPERSEDED"];

export interface ScaleSpec {
  cloud: {
    workspaces: { name: string; repos: number }[];
    prsPerRepo: [min: number, max: number];
    commitsPerPr: [min: number, max: number];
    /** First-parent commits of each repository's main branch (default 20-250; merges add a few). */
    branchCommitsPerRepo?: [min: number, max: number];
    /** Every n-th repository is empty (mainbranch null, no pull requests); default none. */
    emptyRepoEvery?: number;
  };
  dc: {
    projects: number;
    reposPerProject: number;
    commitsPerRepo: [min: number, max: number];
    emptyRepoEvery?: number;
    /** Pull requests per repository with commits (default none; "small" has its own). */
    prsPerRepo?: [min: number, max: number];
    /** Commits per pull request (default 1-20). */
    commitsPerPr?: [min: number, max: number];
  };
}

export interface SimulatorOptions {
  /** Default 42; the same seed gives byte-identical data. */
  seed?: number;
  /** Default "small". */
  scale?: "small" | "bench" | ScaleSpec;
  /** Added to every response (default 0). */
  latencyMs?: number;
  /** PEM key and certificate: serve HTTPS instead of HTTP. */
  tls?: { key: string; cert: string };
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default "/bitbucket". */
  dcContextPath?: string;
  /** Which default-branch endpoints this "server version" has; default both. */
  dcDefaultBranchEndpoints?: ("branches/default" | "default-branch")[];
  /** Server cap on the DC `limit` parameter (default 1000). */
  dcMaxLimit?: number;
  /** Per-credential budget in a rolling hour; past it Cloud answers 429 text/plain without Retry-After. */
  cloudRequestsPerHour?: number;
  /** "unsorted": the Cloud pull-request list ignores `sort` and lists by id (a server whose order cannot be trusted). */
  cloudPullRequestOrder?: "as-asked" | "unsorted";
  /**
   * What the Data Center pull-request list's `order=NEWEST|OLDEST` sorts on, which Atlassian does
   * not document: "created" (default: by id) or "updated" (by updatedDate).
   */
  dcPullRequestOrder?: "created" | "updated";
  /**
   * Serve Data Center from real git repositories instead of the synthetic projects (Cloud is
   * unchanged). `dcMaxLimit` is the page cap here too.
   */
  dcGit?: DcGitOptions;
  /** Add Cloud repositories whose main branch (HEAD) and commits come from real git repositories. */
  cloudGit?: CloudGitOptions;
}

/** Cloud repositories served from real git repositories, beside the synthetic ones. */
export interface CloudGitOptions {
  repositories: {
    /** A workspace of its own (created when not a synthetic one), e.g. "git". */
    workspace: string;
    slug: string;
    /** Not copied: moves on it show in the next response. The caller disposes of it. */
    repo: GitRepo;
  }[];
  /** Order of `GET …/commits/{revision}` (default: `git rev-list`'s). */
  order?: CommitOrder;
}

/** A repository of the git-backed Data Center mode. */
export interface DcGitRepositoryOption {
  /** Project key. Projects are defined in order of first mention (the HTTP access token reads the first). */
  project: string;
  slug: string;
  /** Not copied: moves on it show in the next response. The caller disposes of it. */
  repo: GitRepo;
  /** Default: the key. Projects are listed by name. */
  projectName?: string;
}

export interface DcGitOptions {
  repositories: DcGitRepositoryOption[];
  /** Order of `GET …/commits`: "default" (`git rev-list`), "date" (`--date-order`), "topo" (`--topo-order`). Default "default". */
  order?: CommitOrder;
}

export const ROUTE_NAMES = [
  "cloud.repositories",
  "cloud.repository",
  "cloud.pullrequests",
  "cloud.pullrequest",
  "cloud.pullrequest_commits",
  /** GET …/commits[/{revision}]: `git log` with include/exclude */
  "cloud.commits",
  /** GET …/commit/{hash} */
  "cloud.commit",
  /** GET …/refs/branches/{name} */
  "cloud.branch",
  "cloud.workspaces",
  "cloud.user",
  "cloud.other",
  "dc.projects",
  "dc.project",
  "dc.repos",
  "dc.repo",
  "dc.branches",
  "dc.branches_default",
  "dc.default_branch",
  "dc.commits",
  /** GET …/commits/{commitId} */
  "dc.commit",
  "dc.pullrequests",
  "dc.pullrequest",
  "dc.pullrequest_commits",
  "dc.other",
  "sim.other",
] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

export interface SimStats {
  total: number;
  byRoute: Record<RouteName, number>;
}

export type FaultKind =
  | "429"
  | "429-retry-after-seconds"
  | "429-retry-after-date"
  | "503"
  | "502"
  | "555"
  | "reset"
  | "truncate"
  | "hang"
  | "html-200"
  /** 404 as for a repository deleted after it was listed. */
  | "404-gone"
  // A hostile server (README "Hostile faults"): slow, endless, huge or tampered answers.
  /** The API's answer after `delayMs` with nothing sent before it. */
  | "slow-headers"
  /** The API's status, headers and Content-Length at once, then the body `chunkBytes` every `intervalMs`. */
  | "slow-body"
  /** 200 and a page that never ends: a valid JSON prefix, then commit objects forever. */
  | "endless-body"
  /** 200 and one last page of at least `bytes` of valid JSON (commits with 1 MiB messages). */
  | "huge-page"
  /** 200 and one last page of `count` minimal valid commit objects. */
  | "many-values"
  /** Pages that never end: Cloud the first page again with a `next` to page n+1; DC never `isLastPage`. */
  | "endless-pages"
  /** The API's page with `depth` nested objects in one value's `field`. */
  | "deep-nesting"
  /** The API's page with one value's `field` set to `value`, or removed when `value` is undefined. */
  | "corrupt-value"
  /** An error (`status`, default 400) whose message is the request line and headers, Authorization included. */
  | "echo-error"
  /** The API's page with the request line and headers in one value's `field` and in a top-level `request`. */
  | "echo-200";

export interface FaultSpec {
  /** A route name, or a RegExp tested against the path with its query string. Omitted: every request. */
  route?: RouteName | RegExp;
  /**
   * Only requests about this repository: "workspace/slug" (Cloud) or "PROJECT/slug" (DC), compared
   * with the decoded path parameters, so routes without a repository (lists of them) never match.
   */
  repository?: string;
  kind: FaultKind;
  /** Default 1; Infinity never clears. */
  times?: number;
  /** For the Retry-After kinds (default 1). */
  retryAfterSeconds?: number;
  /** A Retry-After header sent verbatim ("-1", "soon", "99999999999") with any status-only kind. */
  retryAfter?: string;
  /** slow-headers: how long before the answer starts (default 10,000). */
  delayMs?: number;
  /** slow-body (default 1,000) and endless-body (default 0: as fast as the client reads): pause between writes. */
  intervalMs?: number;
  /** slow-body: bytes per write (default 1). */
  chunkBytes?: number;
  /** huge-page: the least size of the body (default 64 MiB). */
  bytes?: number;
  /** many-values: how many values (default 1,000,000). */
  count?: number;
  /** huge-page and many-values: send no Content-Length (chunked) instead of the exact one. */
  chunked?: boolean;
  /** deep-nesting: how many objects deep (default 100,000). */
  depth?: number;
  /** deep-nesting, corrupt-value, echo-200: which element of `values` (default 0). */
  valueIndex?: number;
  /** deep-nesting (default "nested"), corrupt-value (required), echo-200 (default "message"): a dotted path in that value. */
  field?: string;
  /** corrupt-value: the JSON value to put there; undefined removes the field. */
  value?: unknown;
  /** echo-error: the status (default 400). */
  status?: number;
}

export interface SimRequestLog {
  method: string;
  /** Path with query string, as received. */
  path: string;
  route: RouteName;
  /** 0 when no response was sent (reset, hang). */
  status: number;
  authorization: "none" | "basic" | "bearer";
  /** Which of the simulator's credentials was presented, when it was a valid one. */
  credentialId?: string;
  /** The injected fault that answered this request, if any. */
  fault?: FaultKind;
}

export interface CloudTruthRecord {
  workspace: string;
  repo_slug: string;
  pull_request_id: number;
  pull_request_updated_on: string;
  hash: string;
}

export interface CloudBranchTruthRecord {
  workspace: string;
  repo_slug: string;
  /** The main branch's name. */
  branch: string;
  hash: string;
  /** The commit date as the API writes it. */
  date: string;
}

export interface DcTruthRecord {
  project_key: string;
  repo_slug: string;
  /** The default branch's displayId. */
  branch: string;
  id: string;
  committerTimestamp: number;
}

export interface DcPullRequestTruthRecord {
  project_key: string;
  repo_slug: string;
  pull_request_id: number;
  /** The pull request's updatedDate, epoch ms. */
  pull_request_updated_date: number;
  id: string;
}

export interface SimCredentials {
  cloud: {
    /** Workspace access token valid for every workspace, all scopes: Bearer. */
    accessToken: string;
    /** Atlassian API token: Basic email:token. */
    apiToken: { email: string; token: string };
    /** Bearer; repositories readable, pull requests 403. */
    noPullRequestScopeToken: string;
    /** Bearer; workspace access token of "other-ws": 403 on other workspaces. */
    otherWorkspaceToken: string;
  };
  dc: {
    /** Basic; sees everything. */
    username: string;
    password: string;
    /** Bearer (or Basic username:token), same user. */
    personalAccessToken: string;
    /** Bearer; HTTP access token scoped to one project (`httpAccessTokenProjectKey`). */
    httpAccessToken: string;
    /** The project the HTTP access token may read: the first project of `dc.repositories()`. */
    httpAccessTokenProjectKey: string;
    /** Authenticates but may read nothing. */
    noAccessUser: { username: string; password: string };
  };
}

export interface CloudPullRequestSummary {
  id: number;
  state: PrState;
  updated_on: string;
  /** Commits the pull request holds (also for 404 ones, whose commits cannot be listed). */
  commits: number;
  /** What GET .../pullrequests/{id}/commits answers. */
  commitsStatus: 200 | 404;
}

export interface CloudMutations {
  /**
   * Adds n commits; bumps the PR's updated_on to "now" (later than every existing updated_on), and
   * the repository's updated_on too unless they were pushed to a fork (`fromFork`). Returns the
   * new hashes, oldest first.
   */
  addCommitsToPullRequest(
    workspace: string,
    repoSlug: string,
    prId: number,
    n: number,
    opts?: { fromFork?: boolean },
  ): string[];
  /**
   * Returns the new pull request's id. Its commits are a push that moves the repository's
   * updated_on, unless `pushedBefore` (a pull request opened on a branch pushed earlier).
   */
  createPullRequest(
    workspace: string,
    repoSlug: string,
    opts: { commits: number; state?: PrState; pushedBefore?: boolean },
  ): number;
  /** Bumps the PR's updated_on; the repository's only for MERGED (a merge is a push). */
  setPullRequestState(workspace: string, repoSlug: string, prId: number, state: PrState): void;
  pullRequests(workspace: string, repoSlug: string): CloudPullRequestSummary[];
  repositories(workspace: string): string[];
  /** Workspace slugs, in API order. */
  workspaces(): string[];
  /** A repository's updated_on as the API reports it (moves on pushes only). */
  repositoryUpdatedOn(workspace: string, repoSlug: string): string;
  /**
   * n commits pushed to the main branch; the first push of an empty repository creates `main` and
   * makes it the main branch. Returns the new hashes, oldest first.
   */
  pushToMainBranch(workspace: string, repoSlug: string, n: number): string[];
  /**
   * A long-lived branch forked `forkBack` first-parent commits below the main branch's head, whose
   * `commits` commits keep old dates (right after the fork point), merged into the main branch now.
   */
  mergeOldBranch(
    workspace: string,
    repoSlug: string,
    opts: { commits: number; forkBack: number },
  ): { merge: string; merged: string[] };
  /**
   * Drops the newest `drop` first-parent commits of the main branch and pushes `add` new ones.
   * With `gc` (default true) the dropped commits stop resolving (404), as after git's gc.
   */
  forcePushMainBranch(
    workspace: string,
    repoSlug: string,
    opts: { drop: number; add: number; gc?: boolean },
  ): { removed: string[]; added: string[] };
  /** Renames the main branch: the old branch disappears, mainbranch names the new one. */
  renameMainBranch(workspace: string, repoSlug: string, name: string): void;
  /** Makes another branch the main branch (created at the current head, plus `addCommits`, when new). */
  switchMainBranch(
    workspace: string,
    repoSlug: string,
    name: string,
    opts?: { addCommits?: number },
  ): string[];
  /** The main branch's name (null: empty repository) and every hash it reaches. */
  mainBranch(workspace: string, repoSlug: string): { name: string | null; hashes: string[] };
}

export interface DcRepositorySummary {
  projectKey: string;
  slug: string;
  /** The default branch's displayId, or null when that ref does not exist (empty repository, missing branch). */
  defaultBranch: string | null;
  /** Commits reachable from the default branch. */
  commits: number;
  /** The configured default branch, whether or not the ref exists. */
  configuredDefaultBranch: string;
  /** No refs at all. */
  empty: boolean;
  branches: string[];
}

export type DcPrState = "OPEN" | "MERGED" | "DECLINED";

export interface DcPullRequestSummary {
  id: number;
  state: DcPrState;
  /** Epoch ms. */
  updatedDate: number;
  /** Commits the pull request lists (also for 404 ones, whose commits cannot be listed). */
  commits: number;
  /** What GET …/pull-requests/{id}/commits answers. */
  commitsStatus: 200 | 404;
  fromBranch: string;
  toBranch: string;
}

export interface DcMutations {
  /** n new commits on the default branch (creating it when missing); returns ids oldest first. */
  push(projectKey: string, repoSlug: string, n: number): string[];
  /** Drops the newest `drop` commits of the default branch and adds `add` new ones (ids oldest first). */
  forcePush(
    projectKey: string,
    repoSlug: string,
    opts: { drop: number; add: number },
  ): { removed: string[]; added: string[] };
  setDefaultBranch(
    projectKey: string,
    repoSlug: string,
    displayId: string,
    opts?: { fromBranch?: string; addCommits?: number },
  ): void;
  /** Renames the default branch's ref; the old ref disappears. */
  renameDefaultBranch(projectKey: string, repoSlug: string, newDisplayId: string): void;
  repositories(): DcRepositorySummary[];
  /** The pull requests the list shows (deleted ones are not), by id. Git-backed mode: none. */
  pullRequests(projectKey: string, repoSlug: string): DcPullRequestSummary[];
  /** A new pull request from a new branch to the default branch; returns its id. */
  createPullRequest(
    projectKey: string,
    repoSlug: string,
    opts: { commits: number; state?: DcPrState },
  ): number;
  /** n commits pushed to the source branch; moves updatedDate. Returns the new ids, oldest first. */
  addCommitsToPullRequest(projectKey: string, repoSlug: string, prId: number, n: number): string[];
  /**
   * Merges (squash: one new commit on the target branch, whose id is returned), declines or
   * reopens; moves updatedDate.
   */
  setPullRequestState(
    projectKey: string,
    repoSlug: string,
    prId: number,
    state: DcPrState,
  ): string | undefined;
  /** Drops the newest `drop` commits of the source branch and adds `add`; moves updatedDate. */
  forcePushPullRequest(
    projectKey: string,
    repoSlug: string,
    prId: number,
    opts: { drop: number; add: number },
  ): { removed: string[]; added: string[] };
  /** Deletes the pull request: gone from the list, its endpoints answer 404 NoSuchPullRequestException. */
  deletePullRequest(projectKey: string, repoSlug: string, prId: number): void;
}

export interface Simulator {
  /** Origin, e.g. http://127.0.0.1:41234 */
  url: string;
  /** `${url}/2.0` */
  cloudApiUrl: string;
  /** `${url}${dcContextPath}` */
  dcUrl: string;
  credentials: SimCredentials;
  /** Counts since start or the last resetStats(). */
  stats(): SimStats;
  /** Resets the counts and the request log. */
  resetStats(): void;
  /** Every request since start or the last resetStats(). */
  requests(): SimRequestLog[];
  injectFault(f: FaultSpec): void;
  clearFaults(): void;
  /** Every record the connector should emit for the data the simulator holds right now. */
  truth(): {
    cloud: CloudTruthRecord[];
    /** cloud_default_branch_commits: every commit each repository's main branch reaches. */
    cloudBranch: CloudBranchTruthRecord[];
    dc: DcTruthRecord[];
    dcPullRequests: DcPullRequestTruthRecord[];
  };
  /** Sizes of truth() without building it (cheap at 1M commits). */
  truthCount(): { cloud: number; cloudBranch: number; dc: number; dcPullRequests: number };
  /** The simulated clock (starts 2026-06-01T00:00:00Z, moves only on mutations and advanceClock). */
  now(): Date;
  /** Time passes with nothing changed (between scheduled syncs, say): the clock moves `seconds` ahead. */
  advanceClock(seconds: number): void;
  cloud: CloudMutations;
  dc: DcMutations;
  close(): Promise<void>;
}
