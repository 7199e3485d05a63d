import { hash32 } from "../hash.js";
import { commitMessage, type Person, pullRequestTitle } from "../names.js";
import { chainLength, commitAt } from "./history.js";
import type { DcRepository, DcWorld } from "./model.js";
import { type DcPullRequest, prCommitCount, prCommitTimestamp, prIndexAt } from "./pull-requests.js";
import type { DcRenderer } from "./render.js";

// JSON of Data Center pull requests (RestPullRequest, as in recorded list pages: fromRef/toRef
// with their repository, author as a participant, properties, links) and of their commits, which
// look exactly like branch commits (RestCommit) and include merge commits.

type Json = Record<string, unknown>;

/** Pull-request commits live in their own id namespace of the Data Center codec. */
export const NS_DC_PR_COMMIT = 0;

export class DcPullRequestRenderer {
  constructor(
    private readonly world: DcWorld,
    private readonly render: DcRenderer,
  ) {}

  commitId(repo: DcRepository, pr: DcPullRequest, idx: number): string {
    return this.render.codec.encode(NS_DC_PR_COMMIT, repo.no, pr.id, idx);
  }

  /** The id of the commit at list position `pos` (0 = oldest), if the pull request lists one there. */
  commitIdAt(repo: DcRepository, pr: DcPullRequest, pos: number): string | undefined {
    const idx = prIndexAt(pr, pos);
    return idx === undefined ? undefined : this.commitId(repo, pr, idx);
  }

  private baseId(repo: DcRepository, pr: DcPullRequest): string | undefined {
    return pr.base ? this.render.commitId(repo, pr.base) : undefined;
  }

  /** The head of the target branch now, or the fork point when the branch is gone. */
  private targetHead(repo: DcRepository, pr: DcPullRequest): string | undefined {
    const chain = repo.branches.get(pr.toBranch);
    const head = chain ? commitAt(chain, chainLength(chain) - 1) : undefined;
    return head ? this.render.commitId(repo, head) : this.baseId(repo, pr);
  }

  /** About one commit in eight after the first merges the target branch in: two parents. */
  private parents(repo: DcRepository, pr: DcPullRequest, pos: number, idx: number): Json[] {
    const first = pos > 0 ? this.commitIdAt(repo, pr, pos - 1) : this.baseId(repo, pr);
    const ids = first ? [first] : [];
    const merge = pos > 0 && pr.base && hash32(this.world.seed, 0x3e7, repo.no, pr.id, idx) % 8 === 0;
    if (merge && pr.base) {
      const g = repo.generations[pr.base.gen];
      const later = Math.min((g?.count ?? 1) - 1, pr.base.idx + (hash32(this.world.seed, 0x3e8, idx) % 50));
      ids.push(this.render.commitId(repo, { gen: pr.base.gen, idx: later }));
    }
    return ids.map((id) => ({ id, displayId: id.slice(0, 11) }));
  }

  /** The commit at list position `pos`, shaped as DcRenderer shapes branch commits. */
  commit(base: string, repo: DcRepository, pr: DcPullRequest, pos: number): Json {
    const idx = prIndexAt(pr, pos) ?? 0;
    const id = this.commitId(repo, pr, idx);
    const h = hash32(this.world.seed, 0xdc1, repo.no, pr.id, idx);
    const committerTimestamp = prCommitTimestamp(pr, idx);
    const parents = this.parents(repo, pr, pos, idx);
    let author: Json;
    if (h % 4 === 0) {
      const p = this.world.people.unmapped[(h >>> 2) % this.world.people.unmapped.length];
      author = { name: p?.name ?? "ghost", emailAddress: p?.email ?? "ghost@example.invalid" };
    } else {
      author = this.render.user(base, this.person(h >>> 3));
    }
    const message =
      parents.length > 1
        ? `Merge branch '${pr.toBranch}' into ${pr.fromBranch}`
        : commitMessage(hash32(this.world.seed, 0x3e57, repo.no, pr.id, idx));
    return {
      id,
      displayId: id.slice(0, 11),
      author,
      authorTimestamp: committerTimestamp - ((h >>> 9) % 4 === 0 ? ((h >>> 12) % 3600) * 1000 : 0),
      committer: author,
      committerTimestamp,
      message,
      parents,
    };
  }

  private person(i: number): Person {
    const p = this.world.people.mapped[i % this.world.people.mapped.length];
    if (!p) throw new Error("no people");
    return p;
  }

  private ref(base: string, repo: DcRepository, branch: string, latest: string | undefined): Json {
    return {
      id: `refs/heads/${branch}`,
      displayId: branch,
      ...(latest ? { latestCommit: latest } : {}),
      type: "BRANCH",
      repository: this.render.repository(base, repo),
    };
  }

  pullRequest(base: string, repo: DcRepository, pr: DcPullRequest): Json {
    const h = hash32(this.world.seed, 0xd9e, repo.no, pr.id);
    const count = prCommitCount(pr);
    const closed = pr.state !== "OPEN";
    const out: Json = {
      id: pr.id,
      version: pr.version,
      title: pullRequestTitle(h),
      description: `${pullRequestTitle(hash32(h, 1))}.\r\n\r\n* ${commitMessage(hash32(h, 2)).split("\n")[0]}`,
      state: pr.state,
      open: !closed,
      closed,
      draft: pr.draft,
      createdDate: pr.createdDate,
      updatedDate: pr.updatedDate,
    };
    if (closed) out.closedDate = pr.updatedDate;
    const latest = count > 0 ? this.commitIdAt(repo, pr, count - 1) : this.baseId(repo, pr);
    out.fromRef = this.ref(base, repo, pr.fromBranch, latest);
    out.toRef = this.ref(base, repo, pr.toBranch, this.targetHead(repo, pr));
    out.locked = false;
    out.author = {
      user: this.render.user(base, this.person(pr.author)),
      role: "AUTHOR",
      approved: false,
      status: "UNAPPROVED",
    };
    const reviewer = this.person(pr.author + 1 + (h % 5));
    const approved = pr.state === "MERGED";
    out.reviewers = [
      {
        user: this.render.user(base, reviewer),
        ...(latest ? { lastReviewedCommit: latest } : {}),
        role: "REVIEWER",
        approved,
        status: approved ? "APPROVED" : "UNAPPROVED",
      },
    ];
    out.participants = [];
    out.properties = {
      ...(closed ? {} : { mergeResult: { outcome: h % 6 === 0 ? "CONFLICTED" : "CLEAN", current: true } }),
      resolvedTaskCount: 0,
      commentCount: h % 7,
      openTaskCount: 0,
    };
    out.links = {
      self: [{ href: `${base}/projects/${repo.project.key}/repos/${repo.slug}/pull-requests/${pr.id}` }],
    };
    return out;
  }
}
