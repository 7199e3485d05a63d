import { SIM_EPOCH_MS } from "../clock.js";
import { hash32, Rng } from "../hash.js";
import { generatedRepoSlug, makePeople, type Person, type UnmappedPerson } from "../names.js";
import { DC_MISSING_DEFAULT_EVERY } from "../scale.js";
import type { ScaleSpec } from "../types.js";
import { type Chain, type Generation, positionOf, truncateChain } from "./history.js";
import { type DcPullRequest, seedDcPullRequests } from "./pull-requests.js";

// The Data Center world: projects and repositories are materialised; commits are (repository,
// generation, index) and rendered on demand.

export interface DcRepository {
  /** Global repository number, encoded into commit ids. */
  no: number;
  id: number;
  slug: string;
  name: string;
  project: DcProject;
  /** The configured default branch (displayId); its ref may not exist. */
  defaultBranch: string;
  /** displayId -> chain. Empty map: an empty repository. */
  branches: Map<string, Chain>;
  generations: Generation[];
  description: string | undefined;
  /** Its pull requests by id (index = id - 1), deleted ones included. */
  pullRequests: DcPullRequest[];
}

export interface DcProject {
  key: string;
  id: number;
  name: string;
  description: string;
  repositories: DcRepository[];
}

export interface DcWorld {
  seed: number;
  /** Definition order: the HTTP access token is scoped to the first one. */
  projects: DcProject[];
  people: { mapped: Person[]; unmapped: UnmappedPerson[] };
}

const DAY_MS = 86_400_000;

interface RepoPlan {
  slug: string;
  defaultBranch: string;
  commits: number;
  empty?: boolean;
  /** The default branch ref does not exist; the history lives on `actualBranch`. */
  missingDefault?: { actualBranch: string };
  extraBranches?: { name: string; forkAt: number; commits: number }[];
}

interface ProjectPlan {
  key: string;
  name: string;
  description: string;
  repos: RepoPlan[];
}

/**
 * The "small" showcase. Names sort so that, in API order (projects by name), the HTTP access
 * token's project PLAT comes third: its lists skip offsets of projects it may not see.
 */
function showcasePlan(rng: Rng, range: [number, number]): ProjectPlan[] {
  const n = () => rng.int(range[0], range[1]);
  return [
    {
      key: "PLAT",
      name: "Platform",
      description: "Shared platform services",
      repos: [
        {
          slug: "api-gateway",
          defaultBranch: "master",
          commits: 2500,
          extraBranches: [{ name: "release/2.x", forkAt: 0.8, commits: 12 }],
        },
        { slug: "web-portal", defaultBranch: "main", commits: n() },
        {
          slug: "build-tools",
          defaultBranch: "develop",
          commits: n(),
          extraBranches: [{ name: "master", forkAt: 0.7, commits: 0 }],
        },
        { slug: "sandbox", defaultBranch: "master", commits: 0, empty: true },
      ],
    },
    {
      key: "DATA",
      name: "Data Engineering",
      description: "Pipelines and the warehouse",
      repos: [
        { slug: "etl-jobs", defaultBranch: "main", commits: n() },
        { slug: "warehouse", defaultBranch: "trunk", commits: n() },
        {
          slug: "ml-models",
          defaultBranch: "main",
          commits: n(),
          missingDefault: { actualBranch: "master" },
          extraBranches: [{ name: "feature/tuning", forkAt: 0.9, commits: 5 }],
        },
        { slug: "notebooks", defaultBranch: "main", commits: 0, empty: true },
      ],
    },
    {
      key: "OPS",
      name: "Operations",
      description: "Infrastructure as code",
      repos: [
        { slug: "ansible-playbooks", defaultBranch: "master", commits: n() },
        { slug: "monitoring", defaultBranch: "main", commits: n() },
        {
          slug: "runbooks",
          defaultBranch: "main",
          commits: n(),
          extraBranches: [{ name: "feature/on-call", forkAt: 0.5, commits: 3 }],
        },
        { slug: "terraform-modules", defaultBranch: "main", commits: n() },
      ],
    },
    {
      key: "SEC",
      name: "Security",
      description: "Restricted: security tooling",
      repos: [
        { slug: "secrets-scanner", defaultBranch: "main", commits: n() },
        { slug: "policy-as-code", defaultBranch: "master", commits: n() },
        { slug: "audit-logs", defaultBranch: "main", commits: n() },
      ],
    },
  ];
}

function generatedPlan(seed: number, spec: ScaleSpec["dc"]): ProjectPlan[] {
  const projects: ProjectPlan[] = [];
  let index = 0;
  for (let p = 0; p < spec.projects; p++) {
    const num = String(p + 1).padStart(3, "0");
    const repos: RepoPlan[] = [];
    for (let r = 0; r < spec.reposPerProject; r++, index++) {
      const rng = new Rng(hash32(seed, 0xd9e, index));
      const roll = rng.float();
      const defaultBranch = roll < 0.45 ? "master" : roll < 0.85 ? "main" : roll < 0.93 ? "develop" : "trunk";
      const every = spec.emptyRepoEvery;
      const empty = every !== undefined && every > 0 && index % every === every - 1;
      const plan: RepoPlan = {
        slug: generatedRepoSlug(index),
        defaultBranch,
        commits: empty ? 0 : rng.int(spec.commitsPerRepo[0], spec.commitsPerRepo[1]),
        empty,
      };
      if (!empty && index % DC_MISSING_DEFAULT_EVERY === DC_MISSING_DEFAULT_EVERY - 1) {
        plan.missingDefault = { actualBranch: defaultBranch === "main" ? "master" : "main" };
      }
      repos.push(plan);
    }
    projects.push({
      key: `PROJ${num}`,
      name: `Project ${num}`,
      description: `Generated project ${num}`,
      repos,
    });
  }
  return projects;
}

/** The seeded history: `count` commits spread over the months before the simulator's epoch. */
function seededGeneration(rng: Rng, count: number): Generation {
  const spanMs = rng.int(200, 730) * DAY_MS;
  const stepMs = Math.max(1000, Math.floor(spanMs / Math.max(1, count) / 1000) * 1000);
  return { baseMs: SIM_EPOCH_MS - (count + 1) * stepMs - 3_600_000, stepMs, jitter: true, count };
}

export function generationTimestamp(
  seed: number,
  repoNo: number,
  g: Generation,
  gen: number,
  idx: number,
): number {
  let ts = g.baseMs + idx * g.stepMs;
  if (g.jitter && g.stepMs >= 2000)
    ts += (hash32(seed, 0x7175, repoNo, gen, idx) % (g.stepMs / 1000 - 1)) * 1000;
  return ts;
}

export function generateDcWorld(seed: number, spec: ScaleSpec["dc"], showcase: boolean): DcWorld {
  const planRng = new Rng(hash32(seed, 0xd0c));
  const plans = showcase ? showcasePlan(planRng, spec.commitsPerRepo) : generatedPlan(seed, spec);
  const world: DcWorld = { seed, projects: [], people: makePeople(seed, "dc", 25) };
  let no = 0;
  plans.forEach((plan, pi) => {
    const project: DcProject = {
      key: plan.key,
      id: pi + 1,
      name: plan.name,
      description: plan.description,
      repositories: [],
    };
    for (const r of plan.repos) {
      const rng = new Rng(hash32(seed, 0xd4e, no));
      const repo: DcRepository = {
        no,
        id: no + 1,
        slug: r.slug,
        name: r.slug,
        project,
        defaultBranch: r.defaultBranch,
        branches: new Map(),
        generations: [],
        description: rng.float() < 0.5 ? `${r.slug.replace(/-/g, " ")} (${plan.name})` : undefined,
        pullRequests: [],
      };
      if (!r.empty && r.commits > 0) {
        const g = seededGeneration(rng, r.commits);
        repo.generations.push(g);
        const main: Chain = [{ gen: 0, from: 0, to: r.commits }];
        repo.branches.set(r.missingDefault?.actualBranch ?? r.defaultBranch, main);
        for (const extra of r.extraBranches ?? []) {
          const fork = Math.max(1, Math.floor(r.commits * extra.forkAt));
          const chain = truncateChain(main, fork);
          if (extra.commits > 0) {
            // Feature work after the fork point, still before the epoch.
            const forkTs = generationTimestamp(seed, no, g, 0, fork - 1);
            const room = SIM_EPOCH_MS - 60_000 - forkTs;
            const stepMs = Math.max(
              1000,
              Math.floor(Math.min(3_600_000, room / (extra.commits + 1)) / 1000) * 1000,
            );
            repo.generations.push({ baseMs: forkTs + stepMs, stepMs, jitter: false, count: extra.commits });
            chain.push({ gen: repo.generations.length - 1, from: 0, to: extra.commits });
          }
          repo.branches.set(extra.name, chain);
        }
      }
      project.repositories.push(repo);
      no++;
    }
    world.projects.push(project);
  });
  // After the branches, from hash streams of their own: the branch data stays as it was.
  seedDcPullRequests(world, spec, showcase);
  return world;
}

export function defaultChain(repo: DcRepository): Chain | undefined {
  return repo.branches.get(repo.defaultBranch);
}

export function isEmptyRepository(repo: DcRepository): boolean {
  return repo.branches.size === 0;
}

/** The chain ending at a commit of this repository, if any branch reaches it. */
export function chainToCommit(repo: DcRepository, gen: number, idx: number): Chain | undefined {
  for (const chain of repo.branches.values()) {
    const pos = positionOf(chain, gen, idx);
    if (pos >= 0) return truncateChain(chain, pos + 1);
  }
  return undefined;
}

export function findDcRepository(world: DcWorld, key: string, slug: string): DcRepository | undefined {
  return world.projects.find((p) => p.key === key)?.repositories.find((r) => r.slug === slug);
}
