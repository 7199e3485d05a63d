import type { DcRenderer } from "../dc/render.js";
import type { Json } from "../dc/responses.js";
import type { Person } from "../names.js";
import type { GitCommit } from "./commit-format.js";
import type { Identity } from "./fast-import.js";

// Data Center JSON for git objects, in the shapes dc/render.ts gives synthetic ones: a commit
// author whose e-mail belongs to a Bitbucket user is that user object, anyone else is only
// name + emailAddress (as Bitbucket does).

export class GitDcRenderer {
  private readonly users: Map<string, Person>;

  constructor(
    private readonly render: DcRenderer,
    people: readonly Person[],
  ) {
    this.users = new Map(people.map((p) => [p.email.toLowerCase(), p]));
  }

  private person(base: string, who: Identity): Json {
    const user = this.users.get(who.email.toLowerCase());
    return user ? this.render.user(base, user) : { name: who.name, emailAddress: who.email };
  }

  commit(base: string, c: GitCommit): Json {
    return {
      id: c.id,
      displayId: c.id.slice(0, 11),
      author: this.person(base, c.author),
      authorTimestamp: c.authorMs,
      committer: this.person(base, c.committer),
      committerTimestamp: c.committerMs,
      message: c.message,
      parents: c.parents.map((id) => ({ id, displayId: id.slice(0, 11) })),
    };
  }

  /** GET …/branches entries and …/branches/default (legacy shape). */
  branch(displayId: string, latestCommit: string, isDefault: boolean): Json {
    return {
      id: `refs/heads/${displayId}`,
      displayId,
      type: "BRANCH",
      latestCommit,
      latestChangeset: latestCommit,
      isDefault,
    };
  }
}
