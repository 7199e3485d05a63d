import { CLOUD_STREAM, cloudConfig } from "../../integration_tests/helpers/configs.js";
import { readInProcess } from "../../integration_tests/helpers/in-process.js";
import { type Simulator, startSimulator } from "../../integration_tests/simulator/index.js";

/**
 * Change detection at workspace scale: 1,000 Cloud repositories with 20 pull requests each. What
 * a quiet sync costs in each mode, and after a round of changes (pushes to pull requests' source
 * branches, pull requests opened on branches pushed long ago, declines), after how many syncs
 * each change is read. Syncs are an hour apart on the simulator's clock.
 */
export interface WorkspaceResult {
  repositories: number;
  fullSweepSyncs: number;
  modes: Record<
    string,
    { quietSyncRequests: number; syncsToRead: Record<string, number[]>; requestsPerSync: number[] }
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
  state: unknown;
  constructor(
    private readonly sim: Simulator,
    private readonly mode: string,
  ) {}
  async next(): Promise<{ requests: number; read: Set<string> }> {
    this.sim.advanceClock(3600);
    this.sim.resetStats();
    const states = this.state === undefined ? new Map() : new Map([[CLOUD_STREAM, this.state]]);
    const r = await readInProcess(config(this.sim, this.mode), [CLOUD_STREAM], states);
    this.state = r.states.get(CLOUD_STREAM);
    const read = new Set(
      (r.records.get(CLOUD_STREAM) ?? []).map((x) => `${String(x.repo_slug)}#${String(x.pull_request_id)}`),
    );
    return { requests: this.sim.stats().total, read };
  }
}

async function rounds(sim: Simulator, mode: string) {
  const syncs = new Syncs(sim, mode);
  await syncs.next();
  await syncs.next();
  const quietSyncRequests = (await syncs.next()).requests;
  const changes = makeChanges(sim);
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
