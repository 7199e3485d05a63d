import { authoredCommit, mergeMessage } from "./authoring.js";
import { FastImportBatch } from "./fast-import.js";
import type { BranchChange, GitRepo } from "./repo.js";

// What happens to a repository between two syncs, one fast-import (or one git command) each.
// New commits are dated by the repository's clock (after everything it holds) unless `at` says
// otherwise; authors and messages follow the repository's commit serial, so runs repeat exactly.

export interface PushOptions {
  /** Where a new branch starts (a branch or id); default: the default branch's head, else a root. */
  from?: string;
  /** Committer date (ms) of the first new commit; the others follow a minute apart. */
  at?: number;
}

export interface MergeOptions {
  /** Default: the default branch. */
  into?: string;
  /** Committer date (ms) of the merge commit. */
  at?: number;
  message?: string;
}

const heads = (branch: string) => `refs/heads/${branch}`;

/** A branch name (read from the ref files, no git process) or any other revision. */
function mustResolve(repo: GitRepo, rev: string): string {
  const id = repo.head(rev) ?? repo.resolve(rev);
  if (id === undefined) throw new Error(`git simulator: no commit or branch '${rev}' in ${repo.gitDir}`);
  return id;
}

function dates(repo: GitRepo, at: number | undefined): (i: number) => number {
  return (i) => (at === undefined ? repo.nextDate() : at + i * 60_000);
}

/** Appends n linear commits after `parent` (none: a root) to the batch; returns their marks. */
function grow(
  repo: GitRepo,
  batch: FastImportBatch,
  parent: string | undefined,
  n: number,
  at: number | undefined,
): string[] {
  const date = dates(repo, at);
  const marks: string[] = [];
  let tip = parent;
  for (let i = 0; i < n; i++) {
    tip = batch.commit(authoredCommit(repo.nextSerial(), tip ? [tip] : [], date(i)));
    marks.push(tip);
  }
  return marks;
}

function idsOf(ids: Map<string, string>, marks: readonly string[]): string[] {
  return marks.map((m) => {
    const id = ids.get(m);
    if (id === undefined) throw new Error(`fast-import did not report ${m}`);
    return id;
  });
}

/**
 * Applies a batch that leaves `branch` at `tip` (a mark or id; undefined deletes it). `removed`
 * costs a rev-list: only moves that can drop commits ask for it.
 */
function moveBranch(
  repo: GitRepo,
  batch: FastImportBatch,
  branch: string,
  tip: string | undefined,
  addedMarks: readonly string[],
  withRemoved = true,
): BranchChange {
  const before = repo.head(branch);
  if (tip === undefined) batch.deleteRef(heads(branch));
  else batch.setRef(heads(branch), tip);
  const ids = repo.apply(batch);
  const after = repo.head(branch);
  const removed =
    before === undefined || !withRemoved
      ? []
      : repo.revList(before, after === undefined ? {} : { since: after }).reverse();
  return { before, after, removed, added: idsOf(ids, addedMarks) };
}

export function push(repo: GitRepo, branch: string, n: number, opts: PushOptions): string[] {
  if (n <= 0) return [];
  const start =
    repo.head(branch) ??
    (opts.from !== undefined ? mustResolve(repo, opts.from) : repo.head(repo.defaultBranch()));
  const batch = new FastImportBatch();
  const marks = grow(repo, batch, start, n, opts.at);
  return moveBranch(repo, batch, branch, marks.at(-1), marks, false).added;
}

export function merge(repo: GitRepo, sources: readonly string[], opts: MergeOptions): string {
  const into = opts.into ?? repo.defaultBranch();
  const base = mustResolve(repo, into);
  const parents = [base, ...sources.map((s) => mustResolve(repo, s))];
  const batch = new FastImportBatch();
  const at = opts.at ?? repo.nextDate();
  const message = opts.message ?? mergeMessage(sources, into);
  const mark = batch.commit(authoredCommit(repo.nextSerial(), parents, at, { message }));
  const [id] = moveBranch(repo, batch, into, mark, [mark], false).added;
  if (id === undefined) throw new Error("merge made no commit");
  return id;
}

export function forcePush(
  repo: GitRepo,
  branch: string,
  opts: { drop: number; add: number; at?: number },
): BranchChange {
  const head = mustResolve(repo, branch);
  // The first-parent chain, as `git reset --hard HEAD~drop` walks it; past the root: nothing left.
  const drop = Math.max(0, Math.floor(opts.drop));
  const base = repo.revList(head, { firstParent: true, max: drop + 1 })[drop];
  const batch = new FastImportBatch();
  const marks = grow(repo, batch, base, Math.max(0, Math.floor(opts.add)), opts.at);
  return moveBranch(repo, batch, branch, marks.at(-1) ?? base, marks);
}

export function resetBranch(
  repo: GitRepo,
  branch: string,
  to: string | { newRoot: number; at?: number },
): BranchChange {
  const batch = new FastImportBatch();
  if (typeof to === "string") return moveBranch(repo, batch, branch, mustResolve(repo, to), []);
  const marks = grow(repo, batch, undefined, Math.max(1, Math.floor(to.newRoot)), to.at);
  return moveBranch(repo, batch, branch, marks.at(-1), marks);
}

/**
 * Like a rebase with --committer-date-is-author-date or a filter-repo run: the newest n commits of
 * the first-parent chain get new ids (each also writes a marker file), while their authors,
 * committers, dates, messages and other parents stay as they were.
 */
export function rewrite(repo: GitRepo, branch: string, n: number): BranchChange {
  const head = mustResolve(repo, branch);
  const originals = repo.log(head, { firstParent: true, max: Math.max(0, Math.floor(n)) }).reverse();
  const round = repo.nextSerial();
  const batch = new FastImportBatch();
  const marks: string[] = [];
  let previous: string | undefined;
  for (const c of originals) {
    const [first, ...others] = c.parents;
    const parent = previous ?? first;
    previous = batch.commit({
      parents: parent === undefined ? others : [parent, ...others],
      author: c.author,
      authorMs: c.authorMs,
      committer: c.committer,
      committerMs: c.committerMs,
      message: c.message,
      baseTree: c.tree,
      files: { ".rewritten": `rewrite ${round}\n` },
    });
    marks.push(previous);
  }
  return moveBranch(repo, batch, branch, previous ?? head, marks);
}

/** Creates or moves a branch to a revision. */
export function setRef(repo: GitRepo, branch: string, at: string): void {
  const batch = new FastImportBatch();
  batch.setRef(heads(branch), mustResolve(repo, at));
  repo.apply(batch);
}

export function deleteBranch(repo: GitRepo, branch: string): void {
  if (repo.head(branch) === undefined) throw new Error(`git simulator: no branch '${branch}'`);
  const batch = new FastImportBatch();
  batch.deleteRef(heads(branch));
  repo.apply(batch);
}

export function setDefaultBranch(repo: GitRepo, branch: string): void {
  repo.git(["symbolic-ref", "HEAD", heads(branch)]);
}

export function renameBranch(repo: GitRepo, from: string, to: string): void {
  const head = repo.head(from);
  if (head === undefined) throw new Error(`git simulator: no branch '${from}'`);
  if (from === to) return;
  if (repo.head(to) !== undefined) throw new Error(`git simulator: branch '${to}' already exists`);
  const followHead = repo.defaultBranch() === from;
  const batch = new FastImportBatch();
  batch.setRef(heads(to), head);
  batch.deleteRef(heads(from));
  repo.apply(batch);
  if (followHead) setDefaultBranch(repo, to);
}
