import { CLOUD_BRANCH_STREAM, CLOUD_STREAM, cloudConfig } from "../../integration_tests/helpers/configs.js";
import { readInProcess } from "../../integration_tests/helpers/in-process.js";
import { type Simulator, startSimulator } from "../../integration_tests/simulator/index.js";

/**
 * Change detection at workspace scale: 1,000 Cloud repositories with 20 pull requests each. What
 * a quiet sync costs in each mode, and after a round of changes (pushes to pull requests' source
 * branches, pull requests opened on branches pushed long ago, declines), after how many syncs
 * each change is read. Then the main-branch stream joins the pull-request stream: what a quiet
 * sync of both costs, and after how many syncs pushes to main branches are read. Syncs are an
 * hour apart on the simulator's clock.
 */
export interface WorkspaceResult {
  repositories: number;
  fullSweepSyncs: number;
  modes: Record<
    string,
    {
      quietSyncRequests: number;
      syncsToRead: Record<string, number[]>;
      requestsPerSync: number[];
      /** Both Cloud streams (pull requests and main branches). */
      bothStreams: {
        quietSyncRequests: number;
        syncsToRead: Record<string, number[]>;
        requestsPerSync: number[];
      };
    }
  >;
}

const REPOS = 1000;
const K = 24;
const CHANGES = 20;

export async function workspace(): Promise<WorkspaceResult> {
  const out: WorkspaceResult = { repositories: REPOS, fullSweepSyncs: K, modes: {} };
  for (const mode of ["every_repository", "recently_pushed"] as const) {
    // Each mode on a workspace of its own, seeded the same: a first sync, then one to settle
    // (repositories pushed just before the first are read once more), then a quiet one.
    const sim = await startSimulator({
      scale: {
        cloud: { workspaces: [{ name: "acme", repos: REPOS }], prsPerRepo: [20, 20], commitsPerPr: [1, 2] },
        dc: { projects: 1, reposPerProject: 1, commitsPerRepo: [1, 1] },
      },
    });
    try {
      out.modes[mode] = await rounds(sim, mode);
    } finally {
      await sim.close();
    }
  }
  return out;
}

function config(sim: Simulator, mode: string) {
  return {
    cloud: cloudConfig(sim, "access_token", { change_detection: mode, full_sweep_syncs: K }),
    max_concurrency: 8,
  };
}

/** Syncs an hour apart on the simulator's clock, each from the last one's state. */
class Syncs {
  readonly streams = [CLOUD_STREAM];
  private readonly states = new Map<string, unknown>();
  constructor(
    private readonly sim: Simulator,
    private readonly mode: string,
  ) {}
  /** Requests of the sync, and what it read: `slug#pull request` and `slug@commit` (main branches). */
  async next(): Promise<{ requests: number; read: Set<string> }> {
    this.sim.advanceClock(3600);
    this.sim.resetStats();
    const r = await readInProcess(config(this.sim, this.mode), this.streams, this.states);
    for (const stream of this.streams) this.states.set(stream, r.states.get(stream));
    const read = new Set([
      ...(r.records.get(CLOUD_STREAM) ?? []).map(
        (x) => `${String(x.repo_slug)}#${String(x.pull_request_id)}`,
      ),
      ...(r.records.get(CLOUD_BRANCH_STREAM) ?? []).map((x) => `${String(x.repo_slug)}@${String(x.hash)}`),
    ]);
    return { requests: this.sim.stats().total, read };
  }
}

async function rounds(sim: Simulator, mode: string) {
  const syncs = new Syncs(sim, mode);
  const pullRequests = await quietThenChanges(syncs, () => makeChanges(sim));
  syncs.streams.push(CLOUD_BRANCH_STREAM);
  const bothStreams = await quietThenChanges(syncs, () => pushToMainBranches(sim));
  return { ...pullRequests, bothStreams };
}

/**
 * A first sync, one to settle (repositories pushed just before the first are read once more), a
 * quiet one; then a round of changes, and syncs until each change is read.
 */
async function quietThenChanges(syncs: Syncs, change: () => { kind: string; key: string }[]) {
  await syncs.next();
  await syncs.next();
  const quietSyncRequests = (await syncs.next()).requests;
  const changes = change();
  const readAt = new Map<string, number>();
  const requestsPerSync: number[] = [];
  for (let n = 1; n <= K + 1 && changes.some((c) => !readAt.has(c.key)); n++) {
    const { requests, read } = await syncs.next();
    requestsPerSync.push(requests);
    for (const c of changes) if (!readAt.has(c.key) && read.has(c.key)) readAt.set(c.key, n);
  }
  const syncsToRead: Record<string, number[]> = {};
  for (const c of changes) {
    const list = syncsToRead[c.kind] ?? [];
    list.push(readAt.get(c.key) ?? Number.POSITIVE_INFINITY);
    syncsToRead[c.kind] = list;
  }
  return { quietSyncRequests, syncsToRead, requestsPerSync };
}

/** Pushes of one commit to the main branches of CHANGES repositories. */
function pushToMainBranches(sim: Simulator): { kind: string; key: string }[] {
  const repos = sim.cloud.repositories("acme");
  const changes: { kind: string; key: string }[] = [];
  for (let i = 0; i < CHANGES; i++) {
    const slug = repos[(i * 53 + 7) % repos.length]!;
    for (const hash of sim.cloud.pushToMainBranch("acme", slug, 1))
      changes.push({ kind: "push to a main branch", key: `${slug}@${hash}` });
  }
  return changes;
}

/** A round of changes on distinct repositories, on pull requests whose commits can be read. */
function makeChanges(sim: Simulator): { kind: string; key: string }[] {
  const repos = sim.cloud.repositories("acme");
  const readable = (slug: string, notDeclined = false) =>
    sim.cloud
      .pullRequests("acme", slug)
      .find((p) => p.commitsStatus === 200 && p.commits > 0 && !(notDeclined && p.state === "DECLINED"))!.id;
  const pick = (i: number) => repos[(i * 37 + 11) % repos.length]!;
  const changes: { kind: string; key: string }[] = [];
  for (let i = 0; i < CHANGES; i++) {
    const pushed = pick(i);
    const pr = readable(pushed);
    sim.cloud.addCommitsToPullRequest("acme", pushed, pr, 1);
    changes.push({ kind: "push to a pull request's branch", key: `${pushed}#${pr}` });
    const opened = pick(i + CHANGES);
    const id = sim.cloud.createPullRequest("acme", opened, { commits: 1, pushedBefore: true });
    changes.push({ kind: "pull request opened on a branch pushed long ago", key: `${opened}#${id}` });
    const declined = pick(i + 2 * CHANGES);
    const d = readable(declined, true);
    sim.cloud.setPullRequestState("acme", declined, d, "DECLINED");
    changes.push({ kind: "decline", key: `${declined}#${d}` });
  }
  return changes;
}
