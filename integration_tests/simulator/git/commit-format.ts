import type { Identity } from "./fast-import.js";

// Commit metadata read in bulk: `git rev-list --format=COMMIT_FORMAT` prints every commit of a
// walk with what the DC API needs, in the walk's order, from one process.

export interface GitCommit {
  id: string;
  /** In git's order: the first parent is the branch the commit was made on. */
  parents: string[];
  author: Identity;
  /** Epoch ms (whole seconds, as git stores them). */
  authorMs: number;
  committer: Identity;
  committerMs: number;
  /** The root tree's id. */
  tree: string;
  /** Without the trailing newline git stores, as Bitbucket returns it. */
  message: string;
}

// Unit and record separators cannot occur in the names, e-mails and messages the histories write.
const US = "\x1f";
const RS = "\x1e";

/** For `--format=`: one record per commit, fields separated by US, records started by RS. */
export const COMMIT_FORMAT = ["%x1e%H", "%P", "%an", "%ae", "%at", "%cn", "%ce", "%ct", "%T", "%B"].join(
  "%x1f",
);

export function parseCommits(out: string): GitCommit[] {
  const commits: GitCommit[] = [];
  for (const record of out.split(RS)) {
    if (record === "") continue;
    const [id, parents, an, ae, at, cn, ce, ct, tree, ...body] = record.split(US);
    if (id === undefined || tree === undefined) throw new Error(`unparseable commit record: ${record}`);
    commits.push({
      id,
      parents: parents ? parents.split(" ") : [],
      author: { name: an ?? "", email: ae ?? "" },
      authorMs: Number(at) * 1000,
      committer: { name: cn ?? "", email: ce ?? "" },
      committerMs: Number(ct) * 1000,
      tree,
      // rev-list ends each record with a newline after the message's own.
      message: body.join(US).replace(/\n+$/, ""),
    });
  }
  return commits;
}
