import { ConnectorError } from "../errors.js";
import type { Requester } from "../http/client.js";
import { HttpError } from "../http/errors.js";
import { emptyPage } from "../http/page.js";
import type { JsonObject } from "../protocol/messages.js";
import type { BranchServer, DefaultBranch, HistoryCommit, PageStart } from "../streams/branch-history.js";
import { sortableInstant } from "../streams/timestamps.js";
import { branchCommitPage, branchHead, commitDate, mainBranchName, repository } from "./api.js";
import { BranchCommit } from "./payloads.js";
import type { CloudRepository } from "./settings.js";

const HASH = /^[0-9a-fA-F]{40,64}$/;

/** The API's commit `date` (an ISO 8601 instant, microseconds and offset) as epoch ms. */
export function instantMs(iso: string): number {
  return Date.parse(sortableInstant(iso));
}

/**
 * How Bitbucket Cloud lists one repository's main branch, for streams/branch-history.ts. Every
 * listing names a commit hash as its revision (`/commits/{hash}?exclude=…`): the main branch is
 * resolved once per read (its name from the repository listing, or `mainbranch` when the
 * repositories are configured, then its head), so a renamed or switched main branch is simply
 * the one found now. Pages after the first follow the opaque `next` link, which carries the
 * pinned revision and the excludes. A head that is the commit already read is not listed at all.
 *
 * A 404 on a listing or a commit may be a commit that is gone (force-push, then gc) or the
 * repository itself: Cloud's error body is not documented well enough to tell them apart, so the
 * repository is asked (once per read), as the pull-request stream does. Only 404s of a repository
 * that is still there count as unknown commits; the others end the partition as "repository gone".
 */
export class CloudBranchServer implements BranchServer<BranchCommit> {
  private found: Promise<DefaultBranch> | undefined;
  private exists: Promise<boolean> | undefined;
  private readonly unknown = new WeakSet<object>();

  constructor(
    private readonly client: Requester,
    private readonly repo: CloudRepository,
    readonly key: string,
    /** The origin of `cloud.api_url`: where every page link must point. */
    private readonly origin: string,
  ) {}

  /** Resolved once per read: the walk asks again after its first page and must see the same head. */
  defaultBranch(): Promise<DefaultBranch> {
    this.found ??= this.resolve().catch((err: unknown) => {
      this.found = undefined;
      throw err;
    });
    return this.found;
  }

  private async resolve(): Promise<DefaultBranch> {
    // The listing's `mainbranch`, when the repositories were listed: one request less per repository.
    const listed = this.repo.mainBranch;
    const name = listed !== undefined ? listed : await mainBranchName(this.client, this.repo);
    if (name === null) return { kind: "empty" }; // mainbranch is null until the first push
    const head = await branchHead(this.client, this.repo, name);
    // Cloud's main branch always exists while `mainbranch` names it: a 404 for it is a moment in
    // a rename, or a fault. This repository fails for this sync (its state kept), rather than be
    // read as if it had no branch.
    if (head === undefined)
      throw new ConnectorError(
        "unexpected_response",
        `${this.key}: mainbranch names ${name}, but the branch answers 404 (renamed meanwhile?); it is read again next sync`,
      );
    return { kind: "branch", id: name, displayId: name, head };
  }

  async page(o: { since?: string | undefined; until?: string | undefined; start?: PageStart | undefined }) {
    const { start } = o;
    if (typeof start === "string") return this.follow(start);
    const revision = await this.revision(o.until);
    // `git log <head> ^<head>` is empty: an unchanged main branch costs its head lookup only.
    if (o.since !== undefined && revision.toLowerCase() === o.since.toLowerCase())
      return { page: emptyPage(BranchCommit, `GET commits of ${this.key}`), next: undefined };
    const exclude = o.since === undefined ? undefined : [o.since];
    return this.guard(() => branchCommitPage(this.client, this.repo, { revision, exclude }));
  }

  /**
   * A `next` link, maybe one a cut read stored. Its token is opaque and how long Bitbucket honours
   * one is not documented: a 400 for it counts as an unknown commit, so that a resumed read starts
   * again (readBranch) rather than fail on the same link every sync.
   */
  private async follow(next: string) {
    // A link stored by an earlier read, under another api_url: start the repository over rather
    // than refuse it as a link to another host on every sync.
    if (URL.canParse(next) && new URL(next).origin !== this.origin)
      throw this.noCommit(`${this.key}: the stored page link is not on ${this.origin}; reading again`);
    try {
      return await this.guard(() => branchCommitPage(this.client, this.repo, { next }));
    } catch (err) {
      if (err instanceof HttpError && err.status === 400) this.unknown.add(err);
      throw err;
    }
  }

  /** A commit hash for the listing: `until` itself, a branch's head, or the main branch's head now. */
  private async revision(until: string | undefined): Promise<string> {
    if (until !== undefined && HASH.test(until)) return until;
    let head: string | undefined;
    if (until === undefined) {
      const found = await this.defaultBranch();
      head = found.kind === "branch" ? found.head : undefined;
    } else head = await branchHead(this.client, this.repo, until);
    if (head === undefined) throw this.noCommit(`${this.key}: the branch ${until ?? "(main)"} has no head`);
    return head;
  }

  commit(c: BranchCommit): HistoryCommit {
    return { id: c.hash, committedMs: instantMs(c.date), parents: (c.parents ?? []).map((p) => p.hash) };
  }

  async commitTime(id: string): Promise<number> {
    return instantMs(await this.guard(() => commitDate(this.client, this.repo, id)));
  }

  isUnknownCommit(err: unknown): boolean {
    return typeof err === "object" && err !== null && this.unknown.has(err);
  }

  context(displayId: string): JsonObject {
    return { workspace: this.repo.workspace, repo_slug: this.repo.slug, branch: displayId };
  }

  /** Runs a request; a 404 while the repository still exists is an unknown commit. */
  private async guard<R>(request: () => Promise<R>): Promise<R> {
    try {
      return await request();
    } catch (err) {
      if (err instanceof HttpError && err.status === 404 && (await this.stillThere())) this.unknown.add(err);
      throw err;
    }
  }

  private stillThere(): Promise<boolean> {
    this.exists ??= repository(this.client, this.repo).then((r) => r !== undefined);
    return this.exists;
  }

  private noCommit(message: string): ConnectorError {
    const err = new ConnectorError("unexpected_response", message);
    this.unknown.add(err);
    return err;
  }
}
