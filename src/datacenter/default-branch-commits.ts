import { schema } from "../generated/dc_default_branch_commits.js";
import type { Requester } from "../http/client.js";
import { HttpError } from "../http/errors.js";
import type { JsonObject } from "../protocol/messages.js";
import { type BranchServer, BranchState, type DefaultBranch, readBranch } from "../streams/branch-history.js";
import type { StreamDefinition } from "../streams/definition.js";
import { RepositoryStream } from "../streams/repository-stream.js";
import type { PartitionEvent, ReadContext } from "../streams/stream.js";
import { commitById, commitPage, DefaultBranchResolver, isNoSuchCommit } from "./api.js";
import { DATA_CENTER } from "./deployment.js";
import type { Commit } from "./payloads.js";
import type { DcRepository } from "./settings.js";

const NAME = "dc_default_branch_commits";

/**
 * `dc_default_branch_commits`: every commit on the default branch of every repository of a Data
 * Center instance. Partition: a repository. Reading is streams/branch-history.ts; this file says
 * how Data Center lists commits: `GET …/commits?since=&until=&start=`, `until` omitted for the
 * default branch as it is now, 404 NoSuchCommitException for an unknown `since`/`until`.
 */
class DcDefaultBranchCommits extends RepositoryStream<"data_center", BranchState> {
  readonly info = DC_DEFAULT_BRANCH_COMMITS.info;
  readonly partitionState = BranchState;
  private readonly branches = new DefaultBranchResolver();

  read(
    repo: DcRepository,
    state: BranchState | undefined,
    ctx: ReadContext,
  ): AsyncIterable<PartitionEvent<BranchState>> {
    return readBranch(this.server(repo, ctx.client), state, this.env.startDate?.getTime(), ctx);
  }

  private server(repo: DcRepository, client: Requester): BranchServer<Commit> {
    return {
      key: this.partitionKey(repo),
      defaultBranch: async (): Promise<DefaultBranch> => {
        const found = await this.branches.resolve(client, repo);
        if (found.kind !== "branch") return found;
        const { id, displayId, latestCommit } = found.branch;
        return { kind: "branch", id, displayId, head: latestCommit };
      },
      page: async ({ since, until, start }) => {
        const at = await commitPage(client, repo, {
          since,
          until,
          start: typeof start === "number" ? start : 0,
        });
        return { page: at.page, next: at.nextStart };
      },
      commit: (c) => ({
        id: c.id,
        committedMs: c.committerTimestamp,
        parents: (c.parents ?? []).map((p) => p.id),
      }),
      commitTime: async (id) => (await commitById(client, repo, id)).committerTimestamp,
      isUnknownCommit: isNoSuchCommit,
      context: (displayId): JsonObject => ({
        project_key: repo.project,
        repo_slug: repo.slug,
        branch: displayId,
      }),
    };
  }
}

export const DC_DEFAULT_BRANCH_COMMITS: StreamDefinition<"data_center"> = {
  info: {
    name: NAME,
    jsonSchema: schema as JsonObject,
    primaryKey: [["project_key"], ["repo_slug"], ["id"]],
    cursorField: ["committerTimestamp"],
  },
  deployment: "data_center",
  create: (env) => new DcDefaultBranchCommits(env),

  /** A repository with a commit on its default branch. */
  async probe(client, s, repos) {
    for (const repo of repos) {
      try {
        const { page } = await commitPage(client, repo, { start: 0, limit: 1 });
        if (page.count > 0) return undefined;
      } catch (err) {
        if (isNoSuchCommit(err)) continue; // empty repository or missing default branch: try another
        throw err instanceof HttpError
          ? DATA_CENTER.explain(err, `read the commits of ${repo.project}/${repo.slug}`, "", s)
          : err;
      }
    }
    return `the ${repos.length} repositories checked (${repos.map((r) => `${r.project}/${r.slug}`).join(", ")}) have no commits on their default branches.`;
  },
};
