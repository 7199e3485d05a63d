import { SIM_EPOCH_MS } from "../clock.js";
import { hash32, hashString, Rng, uuidOf } from "../hash.js";
import { generatedRepoSlug, makePeople, type Person, type UnmappedPerson } from "../names.js";
import type { PrState, ScaleSpec } from "../types.js";
import { BranchHistory, type BranchSource, seedBranch } from "./branches.js";
import type { GitBranchSource } from "./git-branches.js";

// The Cloud world: workspaces, repositories and pull requests are materialised (they are few);
// commits are not: a commit is (repository number, pull request id, index) and everything about it
// is derived on demand (see render.ts).

/** Commits added by one mutation: indexes [from, next batch's from) dated startMs + 1s, +2s, ... */
export interface CommitBatch {
  from: number;
  startMs: number;
}

export interface CloudPullRequest {
  id: number;
  state: PrState;
  /** Epoch microseconds. */
  createdOn: number;
  updatedOn: number;
  commits: number;
  /** Commits that came with the data set; their dates lie between creation and last update. */
  seededCommits: number;
  batches: CommitBatch[];
  /** 404: the source fork was deleted, the commits endpoint cannot answer. */
  commitsStatus: 200 | 404;
  /** Index into the mapped people. */
  author: number;
  draft: boolean;
}

export interface CloudRepository {
  /** Global repository number, encoded into commit ids. */
  no: number;
  workspace: CloudWorkspace;
  slug: string;
  name: string;
  uuid: string;
  createdOn: number;
  updatedOn: number;
  /** The main branch's name; null for an empty repository (until its first push). */
  mainbranch: string | null;
  /** First-parent commits its main branch is seeded with (0: empty). */
  seededBranchCommits: number;
  /** The main branch's history and other branches, built when first asked for (historyOf). */
  history?: BranchHistory;
  /** A repository of the git-backed mode (`cloudGit`): branches and commits come from git. */
  git?: GitBranchSource;
  language: string;
  description: string;
  sizeBytes: number;
  /** Index = id - 1. */
  pullRequests: CloudPullRequest[];
}

export interface CloudWorkspace {
  slug: string;
  name: string;
  uuid: string;
  projectKey: string;
  projectUuid: string;
  repositories: CloudRepository[];
}

export interface CloudWorld {
  seed: number;
  workspaces: CloudWorkspace[];
  people: { mapped: Person[]; unmapped: UnmappedPerson[] };
}

const DAY_US = 86_400_000_000;
const EPOCH_US = SIM_EPOCH_MS * 1000;
/** Seeded pull requests spread over the two years before the simulator's epoch. */
const SPAN_US = 730 * DAY_US;

/** The "small" showcase: fixed names so tests can rely on them. */
export const SHOWCASE_CLOUD_REPOS: Record<string, string[]> = {
  acme: [
    "api-gateway",
    "billing-service",
    "checkout-web",
    "data-pipeline",
    "design-system",
    "docs-site",
    "infra-terraform",
    "ios-app",
    "legacy-monolith",
    "mobile-android",
    "notification-service",
    "search-indexer",
  ],
  "other-ws": ["partner-sdk", "shared-config", "scratch"],
};
/** acme/api-gateway: ~60 pull requests, so listing every state at pagelen=50 takes two pages. */
export const SHOWCASE_MANY_PRS = { repo: "api-gateway", prs: 60 } as const;
/** acme/legacy-monolith: no pull requests at all. */
export const SHOWCASE_NO_PRS = "legacy-monolith";
/** other-ws/scratch: an empty repository (mainbranch null), no pull requests. */
export const SHOWCASE_EMPTY_REPO = { workspace: "other-ws", repo: "scratch" } as const;
/** acme/data-pipeline's main branch: several pages at pagelen=100. */
export const SHOWCASE_LONG_BRANCH = { repo: "data-pipeline", commits: 320 } as const;
/** acme/data-pipeline #3: 250 commits, three pages at pagelen=100. */
export const SHOWCASE_BIG_PR = { repo: "data-pipeline", id: 3, commits: 250 } as const;

const LANGUAGES = ["typescript", "java", "python", "go", "kotlin", "swift", "hcl", ""] as const;

function pickState(rng: Rng, recent: boolean): PrState {
  const r = rng.float();
  if (recent) return r < 0.55 ? "OPEN" : r < 0.85 ? "MERGED" : r < 0.95 ? "DECLINED" : "SUPERSEDED";
  return r < 0.08 ? "OPEN" : r < 0.75 ? "MERGED" : r < 0.9 ? "DECLINED" : "SUPERSEDED";
}

/** Which pull requests cannot list commits (1 in 15) or list none (1 in 20): fixed per seed. */
function commitsQuirk(seed: number, repoNo: number, id: number): "404" | "empty" | undefined {
  const r = hash32(seed, 0x57a7, repoNo, id) % 300;
  if (r < 20) return "404";
  if (r < 35) return "empty";
  return undefined;
}

function generatePullRequests(
  seed: number,
  repoNo: number,
  count: number,
  commitsPerPr: [number, number],
  people: number,
): CloudPullRequest[] {
  const rng = new Rng(hash32(seed, 0xc10d, repoNo));
  const prs: CloudPullRequest[] = [];
  for (let id = 1; id <= count; id++) {
    const slot = (id - 1 + rng.float()) / count;
    const createdOn = Math.floor(EPOCH_US - SPAN_US + slot * SPAN_US * 0.98);
    const state = pickState(rng, createdOn > EPOCH_US - 60 * DAY_US);
    const maxDuration = state === "OPEN" ? 20 * DAY_US : 14 * DAY_US;
    const duration = 60_000_000 + Math.floor(rng.float() * maxDuration);
    const updatedOn = Math.max(createdOn + 1000, Math.min(createdOn + duration, EPOCH_US - 1_000_000 - id));
    const quirk = commitsQuirk(seed, repoNo, id);
    const commits = quirk === "empty" ? 0 : rng.int(commitsPerPr[0], commitsPerPr[1]);
    prs.push({
      id,
      state,
      createdOn,
      updatedOn,
      commits,
      seededCommits: commits,
      batches: [],
      commitsStatus: quirk === "404" ? 404 : 200,
      author: rng.int(0, people - 1),
      draft: state === "OPEN" && rng.float() < 0.1,
    });
  }
  return prs;
}

function makeRepository(
  seed: number,
  workspace: CloudWorkspace,
  no: number,
  slug: string,
  branchCommits: number,
): CloudRepository {
  const rng = new Rng(hash32(seed, 0x4e90, no));
  const createdOn = EPOCH_US - SPAN_US - Math.floor(rng.float() * 400 * DAY_US);
  return {
    no,
    workspace,
    slug,
    name: slug,
    uuid: uuidOf(hash32(seed, 0x4e91, no)),
    createdOn,
    updatedOn: createdOn + Math.floor(rng.float() * 30 * DAY_US),
    mainbranch: rng.float() < 0.6 ? "main" : "master",
    seededBranchCommits: branchCommits,
    language: rng.pick(LANGUAGES),
    description: rng.float() < 0.3 ? "" : `The ${slug.replace(/-/g, " ")} of ${workspace.name}.`,
    sizeBytes: rng.int(80_000, 250_000_000),
    pullRequests: [],
  };
}

/** The showcase guarantees one of each awkward case instead of leaving it to chance. */
function shapeShowcase(world: CloudWorld): void {
  const acme = world.workspaces.find((w) => w.slug === "acme");
  if (!acme) return;
  const repo = (slug: string) => acme.repositories.find((r) => r.slug === slug);
  const many = repo(SHOWCASE_MANY_PRS.repo);
  if (many) {
    const prs = many.pullRequests;
    const p404 = prs[6];
    if (p404 && !prs.some((p) => p.commitsStatus === 404)) p404.commitsStatus = 404;
    if (!prs.some((p) => p.commitsStatus === 200 && p.commits === 0)) {
      const pEmpty = prs.find((p, i) => i >= 7 && p.commitsStatus === 200);
      if (pEmpty) {
        pEmpty.commits = 0;
        pEmpty.seededCommits = 0;
      }
    }
    const present = new Set(acme.repositories.flatMap((r) => r.pullRequests.map((p) => p.state)));
    const missing = (["OPEN", "MERGED", "DECLINED", "SUPERSEDED"] as const).filter((s) => !present.has(s));
    missing.forEach((state, i) => {
      const pr = prs[prs.length - 1 - i];
      if (pr) pr.state = state;
    });
  }
  const big = repo(SHOWCASE_BIG_PR.repo)?.pullRequests[SHOWCASE_BIG_PR.id - 1];
  if (big) {
    big.commits = SHOWCASE_BIG_PR.commits;
    big.seededCommits = SHOWCASE_BIG_PR.commits;
    big.commitsStatus = 200;
    big.state = "MERGED";
  }
}

export function generateCloudWorld(seed: number, spec: ScaleSpec["cloud"], showcase: boolean): CloudWorld {
  const people = makePeople(seed, "cloud", 30);
  const world: CloudWorld = { seed, workspaces: [], people };
  let no = 0;
  for (const ws of spec.workspaces) {
    const h = hashString(ws.name);
    const workspace: CloudWorkspace = {
      slug: ws.name,
      name: ws.name
        .split("-")
        .map((w) => w.slice(0, 1).toUpperCase() + w.slice(1))
        .join(" "),
      uuid: uuidOf(hash32(seed, 0x3a5, h)),
      projectKey:
        ws.name
          .replace(/[^a-z]/gi, "")
          .slice(0, 4)
          .toUpperCase() || "PROJ",
      projectUuid: uuidOf(hash32(seed, 0x3a6, h)),
      repositories: [],
    };
    const names = showcase ? SHOWCASE_CLOUD_REPOS[ws.name] : undefined;
    for (let i = 0; i < ws.repos; i++) {
      const slug = names?.[i] ?? generatedRepoSlug(no);
      const empty = isEmptyRepository(spec, showcase, ws.name, slug, no);
      const repo = makeRepository(seed, workspace, no, slug, empty ? 0 : branchCommits(seed, spec, no));
      if (empty) repo.mainbranch = null;
      if (showcase && ws.name === "acme" && slug === SHOWCASE_LONG_BRANCH.repo)
        repo.seededBranchCommits = SHOWCASE_LONG_BRANCH.commits;
      const rng = new Rng(hash32(seed, 0x9c0, no));
      let count = rng.int(spec.prsPerRepo[0], spec.prsPerRepo[1]);
      if (showcase && ws.name === "acme" && slug === SHOWCASE_MANY_PRS.repo) count = SHOWCASE_MANY_PRS.prs;
      if (showcase && ws.name === "acme" && slug === SHOWCASE_NO_PRS) count = 0;
      if (empty) count = 0;
      repo.pullRequests = generatePullRequests(seed, no, count, spec.commitsPerPr, people.mapped.length);
      workspace.repositories.push(repo);
      no++;
    }
    world.workspaces.push(workspace);
  }
  if (showcase) shapeShowcase(world);
  for (const ws of world.workspaces) {
    for (const repo of ws.repositories) {
      for (const pr of repo.pullRequests) repo.updatedOn = Math.max(repo.updatedOn, pr.updatedOn);
    }
  }
  return world;
}

/** First-parent commits of a repository's main branch (the pull requests' streams draw on other hashes). */
function branchCommits(seed: number, spec: ScaleSpec["cloud"], no: number): number {
  const [min, max] = spec.branchCommitsPerRepo ?? [20, 250];
  return new Rng(hash32(seed, 0xb4a, no)).int(min, max);
}

function isEmptyRepository(
  spec: ScaleSpec["cloud"],
  showcase: boolean,
  workspace: string,
  slug: string,
  no: number,
): boolean {
  if (showcase) return workspace === SHOWCASE_EMPTY_REPO.workspace && slug === SHOWCASE_EMPTY_REPO.repo;
  const every = spec.emptyRepoEvery;
  return every !== undefined && every > 0 && no % every === every - 1;
}

/**
 * The repository's branches, seeded when first asked for: the main branch's history spread from
 * the repository's creation to an hour before the simulator's epoch.
 */
export function historyOf(world: CloudWorld, repo: CloudRepository): BranchHistory {
  if (!repo.history) {
    const h = new BranchHistory(world.seed, repo.no);
    if (repo.mainbranch !== null && repo.seededBranchCommits > 0) {
      const rng = new Rng(hash32(world.seed, 0xb4b, repo.no));
      const from = Math.floor(repo.createdOn / 1000);
      seedBranch(h, rng, repo.mainbranch, repo.seededBranchCommits, from, SIM_EPOCH_MS - 3_600_000);
    }
    repo.history = h;
  }
  return repo.history;
}

/** Where the branch routes read a repository's branches and commits. */
export function branchSourceOf(world: CloudWorld, repo: CloudRepository): BranchSource {
  return repo.git ?? historyOf(world, repo);
}

/** The main branch's name as the API shows it (null: an empty repository). */
export function mainBranchOf(repo: CloudRepository): string | null {
  return repo.git ? repo.git.mainBranch() : repo.mainbranch;
}

export function findRepository(
  world: CloudWorld,
  workspace: string,
  slug: string,
): CloudRepository | undefined {
  return world.workspaces.find((w) => w.slug === workspace)?.repositories.find((r) => r.slug === slug);
}
