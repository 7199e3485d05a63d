import { COMMIT_FORMAT, type GitCommit, parseCommits } from "./commit-format.js";
import { git, tryGit } from "./exec.js";
import { readHead, readRefs } from "./refs.js";
import { type CommitOrder, type GitRepo, orderFlags } from "./repo.js";

// What the DC API reads from a repository, cached until the repository changes: a connector pages
// through the same (until, since) listing many times, and git must not run for every page. Refs
// are read from their files once per version; a listing is one `git rev-list --format` with every
// commit's metadata; commit objects never change, so their metadata is kept across versions.

const FULL_ID = /^[0-9a-f]{40}$/;

export interface ServedBranch {
  displayId: string;
  latestCommit: string;
}

export class ServedRepo {
  private version = -1;
  /** Full ref name → the id the ref holds (for an annotated tag, the tag object). */
  private refs = new Map<string, string>();
  private headRef = "";
  /** Full id or tag ref → the commit it is (undefined: none), as git says. */
  private commitOf = new Map<string, string | undefined>();
  private listings = new Map<string, GitCommit[]>();
  private readonly byId = new Map<string, GitCommit>();
  /** Commits that branch heads name or listings showed since the repository last changed. */
  private listedNow = new Set<string>();

  constructor(private readonly repo: GitRepo) {}

  private fresh(): void {
    if (this.version === this.repo.version) return;
    this.version = this.repo.version;
    this.refs = readRefs(this.repo.gitDir);
    this.headRef = readHead(this.repo.gitDir);
    this.commitOf = new Map();
    this.listings = new Map();
    this.listedNow = new Set();
    for (const [name, id] of this.refs) if (name.startsWith("refs/heads/")) this.listedNow.add(id);
  }

  /** No refs at all: what Bitbucket calls an empty repository. */
  isEmpty(): boolean {
    this.fresh();
    return this.refs.size === 0;
  }

  /** The configured default branch and its head (undefined: that ref does not exist). */
  defaultBranch(): { displayId: string; latestCommit: string | undefined } {
    this.fresh();
    return {
      displayId: this.headRef.replace(/^refs\/heads\//, ""),
      latestCommit: this.refs.get(this.headRef),
    };
  }

  branches(): ServedBranch[] {
    this.fresh();
    const out: ServedBranch[] = [];
    for (const [name, id] of this.refs) {
      if (name.startsWith("refs/heads/")) out.push({ displayId: name.slice(11), latestCommit: id });
    }
    return out;
  }

  /**
   * A ref as Bitbucket takes `until`/`since`: `refs/…` exactly, a branch or tag name, or a full
   * commit id of an object the repository still holds (reachable or not: only gc() removes it).
   */
  resolve(ref: string): string | undefined {
    this.fresh();
    const full = ref.startsWith("refs/")
      ? ref
      : [`refs/heads/${ref}`, `refs/tags/${ref}`].find((r) => this.refs.has(r));
    if (full?.startsWith("refs/heads/")) return this.refs.get(full);
    if (full !== undefined) return this.refs.has(full) ? this.peel(full) : undefined;
    return FULL_ID.test(ref.toLowerCase()) ? this.peel(ref.toLowerCase()) : undefined;
  }

  /** The commit an id or tag names, if the repository holds it; one git process per version and name. */
  private peel(name: string): string | undefined {
    // A commit a listing of this version showed, or a branch head, is there: no git process.
    if (this.listedNow.has(name)) return name;
    if (!this.commitOf.has(name)) {
      const r = tryGit(this.repo.gitDir, [
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        `${name}^{commit}`,
      ]);
      this.commitOf.set(name, r.status === 0 ? r.stdout.trim() : undefined);
    }
    return this.commitOf.get(name);
  }

  /** Commits reachable from `until` and not from `since`, in `order`; ids must come from resolve(). */
  listing(until: string, since: string | undefined, order: CommitOrder): GitCommit[] {
    this.fresh();
    const key = `${order} ${until} ${since ?? ""}`;
    let commits = this.listings.get(key);
    if (commits === undefined) {
      const args = [
        "rev-list",
        "--no-commit-header",
        `--format=${COMMIT_FORMAT}`,
        ...orderFlags(order),
        until,
      ];
      if (since !== undefined) args.push(`^${since}`);
      commits = parseCommits(git(this.repo.gitDir, [...args, "--"]));
      for (const c of commits) {
        this.byId.set(c.id, c);
        this.listedNow.add(c.id);
      }
      this.listings.set(key, commits);
    }
    return commits;
  }

  /** One commit's metadata; `id` must come from resolve(). */
  commit(id: string): GitCommit {
    const known = this.byId.get(id);
    if (known) return known;
    const [c] = parseCommits(
      git(this.repo.gitDir, ["rev-list", "-n1", "--no-commit-header", `--format=${COMMIT_FORMAT}`, id, "--"]),
    );
    if (!c) throw new Error(`git simulator: commit ${id} vanished`);
    this.byId.set(id, c);
    return c;
  }
}

const served = new WeakMap<GitRepo, ServedRepo>();

/** One cache per repository, shared by every simulator serving it. */
export function servedRepo(repo: GitRepo): ServedRepo {
  let s = served.get(repo);
  if (!s) {
    s = new ServedRepo(repo);
    served.set(repo, s);
  }
  return s;
}
