import { schema } from "../generated/cloud_default_branch_commits.js";
import type { JsonObject } from "../protocol/messages.js";
import { BranchState, readBranch } from "../streams/branch-history.js";
import type { StreamDefinition } from "../streams/definition.js";
import { RepositoryStream } from "../streams/repository-stream.js";
import type { PartitionEvent, ReadContext } from "../streams/stream.js";
import { branchCommitPage, branchHead, mainBranchName } from "./api.js";
import { CloudBranchServer } from "./branch-server.js";
import { CLOUD } from "./deployment.js";
import type { CloudRepository } from "./settings.js";

const NAME = "cloud_default_branch_commits";

/**
 * `cloud_default_branch_commits`: every commit reachable from the main branch (`mainbranch`) of
 * every repository of a Cloud workspace. Partition: a repository. Reading is
 * streams/branch-history.ts (the same guarantees as the Data Center stream); how Cloud lists a
 * branch is cloud/branch-server.ts.
 */
class CloudDefaultBranchCommits extends RepositoryStream<"cloud", BranchState> {
  readonly info = CLOUD_DEFAULT_BRANCH_COMMITS.info;
  readonly partitionState = BranchState;

  read(
    repo: CloudRepository,
    state: BranchState | undefined,
    ctx: ReadContext,
  ): AsyncIterable<PartitionEvent<BranchState>> {
    const origin = new URL(this.env.settings.apiUrl).origin;
    const server = new CloudBranchServer(ctx.client, repo, this.partitionKey(repo), origin);
    return readBranch(server, state, this.env.startDate?.getTime(), ctx);
  }
}

export const CLOUD_DEFAULT_BRANCH_COMMITS: StreamDefinition<"cloud"> = {
  info: {
    name: NAME,
    jsonSchema: schema as JsonObject,
    primaryKey: [["workspace"], ["repo_slug"], ["hash"]],
    cursorField: ["date"],
  },
  deployment: "cloud",
  create: (env) => new CloudDefaultBranchCommits(env),

  /** A repository with a commit on its main branch (pull requests do not matter here). */
  async probe(client, s, repos) {
    for (const repo of repos) {
      const where = `${repo.workspace}/${repo.slug}`;
      try {
        const name = await mainBranchName(client, repo);
        if (name === null) continue; // empty repository: try another
        const head = await branchHead(client, repo, name);
        if (head === undefined) continue;
        const { page } = await branchCommitPage(client, repo, { revision: head, pagelen: 1 });
        if (page.count > 0) return undefined;
      } catch (err) {
        throw CLOUD.explain(
          err,
          `read the main-branch commits of ${where}`,
          "repository:read (read:repository:bitbucket)",
          s,
        );
      }
    }
    return `${repos.length === 1 ? `the repository ${repos[0]!.workspace}/${repos[0]!.slug} has` : `the first ${repos.length} repositories of "${s.workspace}" have`} no commits on their main branches (empty repositories).`;
  },
};
