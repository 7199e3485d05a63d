import { z } from "zod";
import { schema } from "../generated/cloud_default_branch_commits.js";
import type { JsonObject } from "../protocol/messages.js";
import { BranchState, readBranch } from "../streams/branch-history.js";
import type { StreamDefinition } from "../streams/definition.js";
import { RepositoryStream } from "../streams/repository-stream.js";
import type { PartitionEvent, ReadContext } from "../streams/stream.js";
import { branchCommitPage, branchHead, mainBranchName } from "./api.js";
import { CloudBranchServer } from "./branch-server.js";
import { afterRead, decide, GateTally } from "./change-detection.js";
import { CLOUD } from "./deployment.js";
import { Instant } from "./payloads.js";
import type { CloudRepository } from "./settings.js";

const NAME = "cloud_default_branch_commits";

/**
 * State of one repository: the branch walk's (streams/branch-history.ts), and with
 * `change_detection: recently_pushed` the gate's record (change-detection.ts).
 */
export const CloudBranchState = BranchState.safeExtend({
  checked_at: Instant.optional(),
  due_in: z.number().int().min(1).optional(),
});
export type CloudBranchState = z.infer<typeof CloudBranchState>;

/**
 * `cloud_default_branch_commits`: every commit reachable from the main branch (`mainbranch`) of
 * every repository of a Cloud workspace. Partition: a repository. Reading is
 * streams/branch-history.ts (the same guarantees as the Data Center stream); how Cloud lists a
 * branch is cloud/branch-server.ts. With `change_detection: recently_pushed`, a repository not
 * pushed to since its last read is read only when its turn in the rotation comes.
 */
class CloudDefaultBranchCommits extends RepositoryStream<"cloud", CloudBranchState> {
  readonly info = CLOUD_DEFAULT_BRANCH_COMMITS.info;
  readonly partitionState = CloudBranchState;
  private readonly tally = new GateTally(
    NAME,
    "the main branch",
    "a main-branch change that moves no repository's updated_on (if Bitbucket does not count a change of the main-branch setting as a push)",
  );

  async *read(
    repo: CloudRepository,
    state: CloudBranchState | undefined,
    ctx: ReadContext,
  ): AsyncGenerator<PartitionEvent<CloudBranchState>> {
    const s = this.env.settings;
    const key = this.partitionKey(repo);
    const gate = decide(s, key, repo, state);
    this.tally.count(gate);
    if (!gate.read) {
      yield { kind: "checkpoint", state: { ...state, due_in: gate.dueIn } };
      return;
    }
    const { checked_at, due_in, ...walked } = state ?? {};
    const gated = s.changeDetection === "recently_pushed";
    const kept = gated && checked_at !== undefined ? { checked_at, due_in } : {};
    const server = new CloudBranchServer(ctx.client, repo, key, new URL(s.apiUrl).origin);
    const readStart = Date.now();
    let last: BranchState | undefined = state === undefined ? undefined : walked;
    for await (const event of readBranch(server, last, this.env.startDate?.getTime(), ctx)) {
      if (event.kind !== "checkpoint") {
        yield event;
        continue;
      }
      last = event.state;
      // While the read is under way the gate's record stays as it was, so a read cut short is
      // decided the same way next sync (pushed, due or new) and resumes.
      yield { kind: "checkpoint", state: { ...event.state, ...kept } };
    }
    // A resumed read ends at the head its first page pinned, before this sync: pushes since are
    // not read yet, so the record stays as it was, and the next sync (same decision) reads them.
    if (!gated || state?.pending !== undefined || last?.pending !== undefined) return;
    // The main branch's name may come from the listing, fetched before this read: what the read
    // saw is no later than the listing (an empty repository's first push, a switched branch).
    const seen = ctx.client.serverTime(readStart).earliest;
    const checkedAt =
      repo.mainBranch !== undefined && repo.listedAt !== undefined ? Math.min(seen, repo.listedAt) : seen;
    yield { kind: "checkpoint", state: { ...last, ...afterRead(s, key, state, checkedAt) } };
  }

  finish(ctx: ReadContext): void {
    this.tally.log(ctx.logger, this.env.settings);
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
