import { appendFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SIM_EPOCH_MS } from "../clock.js";
import { COMMIT_FORMAT, type GitCommit, parseCommits } from "./commit-format.js";
import { git, lines, tryGit } from "./exec.js";
import { type FastImportBatch, runFastImport } from "./fast-import.js";
import * as moves from "./moves.js";
import { readHead, readRefs } from "./refs.js";

// A bare git repository in a temporary directory, for the simulator's git-backed Data Center
// mode. Reads here go straight to git, uncached: they are the ground truth tests compare the
// served API with. Moves (push, merge, force-push, ...) are one call each and bump `version`,
// which is what the server's caches key on.

/** How `GET …/commits` walks history: plain `git rev-list`, `--date-order` or `--topo-order`. */
export type CommitOrder = "default" | "date" | "topo";
export const COMMIT_ORDERS: readonly CommitOrder[] = ["default", "date", "topo"];

export function orderFlags(order: CommitOrder): string[] {
  return order === "date" ? ["--date-order"] : order === "topo" ? ["--topo-order"] : [];
}

export interface ReachableCommit {
  id: string;
  /** Epoch ms. */
  committerTimestamp: number;
}

/** What a move did to a branch. */
export interface BranchChange {
  /** The branch head before (undefined: the branch did not exist) and after the move. */
  before: string | undefined;
  after: string | undefined;
  /** Commits the branch reached before and no longer does, oldest first (`git rev-list --reverse before ^after`). */
  removed: string[];
  /** Commits the move created, oldest first. */
  added: string[];
}

export interface WalkOptions {
  /** Excluded with its ancestors (`^since`). */
  since?: string;
  order?: CommitOrder;
  firstParent?: boolean;
  max?: number;
}

const live = new Set<GitRepo>();
process.once("exit", () => {
  for (const r of live) r.dispose();
});

export class GitRepo {
  readonly dir: string;
  readonly gitDir: string;
  private changes = 0;
  private serial = 0;
  private clockMs = SIM_EPOCH_MS;

  private constructor(defaultBranch: string) {
    this.dir = mkdtempSync(join(tmpdir(), "bitbucket-sim-git-"));
    this.gitDir = join(this.dir, "repo.git");
    live.add(this);
    try {
      git(this.gitDir, ["init", "--quiet", "--bare", `--initial-branch=${defaultBranch}`]);
      // No automatic gc: objects vanish only when a test calls gc(). No fsync: a test's temporary
      // repository need not survive a power cut, and on a busy disk each fsync can take long.
      // (Written directly: a git process per setting costs more than the rest of creating one.)
      appendFileSync(join(this.gitDir, "config"), "[gc]\n\tauto = 0\n[core]\n\tfsync = none\n");
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** An empty bare repository (no refs) whose HEAD names `defaultBranch` (default "main"). */
  static create(opts: { defaultBranch?: string } = {}): GitRepo {
    return new GitRepo(opts.defaultBranch ?? "main");
  }

  /**
   * An independent copy with the same refs, HEAD and objects (unreachable ones too), for a test
   * that moves branches in a history built once. Much cheaper than building the history again.
   */
  copy(): GitRepo {
    const c = new GitRepo(this.defaultBranch());
    rmSync(c.gitDir, { recursive: true, force: true });
    cpSync(this.gitDir, c.gitDir, { recursive: true });
    c.serial = this.serial;
    c.clockMs = this.clockMs;
    return c;
  }

  /** Removes the repository from disk. */
  dispose(): void {
    live.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Bumped by every change; caches of what the repository holds are valid while it stays the same. */
  get version(): number {
    return this.changes;
  }

  /** Runs any git command on the repository (counts as a change: it may be one). */
  git(args: readonly string[], input?: string): string {
    this.changes += 1;
    return git(this.gitDir, args, input);
  }

  /** Writes a batch of commits and ref updates with one fast-import; returns each mark's id. */
  apply(batch: FastImportBatch): Map<string, string> {
    this.changes += 1;
    const ids = runFastImport(this.gitDir, batch);
    this.clockMs = Math.max(this.clockMs, batch.latestMs);
    return ids;
  }

  /** A number no other commit made through this repository has used (for authoredCommit). */
  nextSerial(): number {
    this.serial += 1;
    return this.serial;
  }

  /**
   * Committer date for the next commit a move makes: a minute after the previous one, and never
   * before 2026-06-01 (the simulator's epoch) nor before any commit written so far.
   */
  nextDate(): number {
    this.clockMs += 60_000;
    return this.clockMs;
  }

  // ---- ground truth: straight from git (refs from its files), never cached ----

  /** The branch HEAD names (the configured default branch), whether or not it exists. */
  defaultBranch(): string {
    return readHead(this.gitDir).replace(/^refs\/heads\//, "");
  }

  /** Full ref name → id, every ref the repository holds. */
  refs(): Map<string, string> {
    return readRefs(this.gitDir);
  }

  /** Branch name → head commit id. */
  branches(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [name, id] of this.refs()) if (name.startsWith("refs/heads/")) out.set(name.slice(11), id);
    return out;
  }

  /** No refs at all. */
  isEmpty(): boolean {
    return this.refs().size === 0;
  }

  /** A branch's head commit id. */
  head(branch: string): string | undefined {
    return this.refs().get(`refs/heads/${branch}`);
  }

  /** Any revision git understands (branch, ref, id, `main~3`) as a commit id; undefined when unknown or gone. */
  resolve(rev: string): string | undefined {
    const r = tryGit(this.gitDir, [
      "rev-parse",
      "--verify",
      "--quiet",
      "--end-of-options",
      `${rev}^{commit}`,
    ]);
    return r.status === 0 ? r.stdout.trim() : undefined;
  }

  /** `git rev-list [order] <until> [^<since>]`: ids, in git's order. */
  revList(until: string, opts: WalkOptions = {}): string[] {
    return lines(git(this.gitDir, ["rev-list", ...this.walk(until, opts), "--"]));
  }

  /** The same walk with every commit's metadata; `firstParent` and `max` as git's options. */
  log(until: string, opts: WalkOptions = {}): GitCommit[] {
    const out = git(this.gitDir, [
      "rev-list",
      "--no-commit-header",
      `--format=${COMMIT_FORMAT}`,
      ...this.walk(until, opts),
      "--",
    ]);
    return parseCommits(out);
  }

  private walk(until: string, opts: WalkOptions): string[] {
    const args = orderFlags(opts.order ?? "default");
    if (opts.firstParent) args.push("--first-parent");
    if (opts.max !== undefined) args.push(`--max-count=${opts.max}`);
    args.push(until);
    if (opts.since !== undefined) args.push(`^${opts.since}`);
    return args;
  }

  /**
   * Every commit reachable from the default branch (or `ref`), with its committer timestamp; empty
   * when that ref does not exist. A test filters `>= start_date` itself: `git rev-list --since`
   * stops walking at the first older commit and would miss older ancestors of newer ones.
   */
  reachable(ref?: string): ReachableCommit[] {
    const id = ref === undefined ? this.head(this.defaultBranch()) : this.resolve(ref);
    if (id === undefined) return [];
    const out = git(this.gitDir, ["rev-list", "--no-commit-header", "--format=%H %ct", id, "--"]);
    return lines(out).map((l) => {
      const [h, ct] = l.split(" ");
      return { id: h ?? "", committerTimestamp: Number(ct) * 1000 };
    });
  }

  /** One commit's metadata; undefined when the object is not there (never was, or pruned by gc()). */
  commit(id: string): GitCommit | undefined {
    const args = [
      "rev-list",
      "-n1",
      "--no-commit-header",
      `--format=${COMMIT_FORMAT}`,
      `${id}^{commit}`,
      "--",
    ];
    const r = tryGit(this.gitDir, args);
    return r.status === 0 ? parseCommits(r.stdout)[0] : undefined;
  }

  // ---- moves: see moves.ts ----

  /** n new commits on `branch`, oldest first. A new branch starts at `from` (default: the default branch's head, else a root). */
  push(branch: string, n: number, opts: moves.PushOptions = {}): string[] {
    return moves.push(this, branch, n, opts);
  }

  /** A merge commit on `into` (default: the default branch) with parents [into, ...sources]; returns its id. */
  merge(sources: string | readonly string[], opts: moves.MergeOptions = {}): string {
    return moves.merge(this, typeof sources === "string" ? [sources] : sources, opts);
  }

  /** Drops the newest `drop` first-parent commits of `branch` and adds `add` new ones. */
  forcePush(branch: string, opts: { drop: number; add: number; at?: number }): BranchChange {
    return moves.forcePush(this, branch, opts);
  }

  /** Points `branch` at another revision (a branch, an id), or at a new unrelated root lineage of n commits. */
  resetBranch(branch: string, to: string | { newRoot: number; at?: number }): BranchChange {
    return moves.resetBranch(this, branch, to);
  }

  /** Rewrites the newest n first-parent commits: new ids; same authors, committers, dates, messages, shape. */
  rewrite(branch: string, n: number): BranchChange {
    return moves.rewrite(this, branch, n);
  }

  createBranch(name: string, at: string): void {
    moves.setRef(this, name, at);
  }

  deleteBranch(name: string): void {
    moves.deleteBranch(this, name);
  }

  /** Makes `name` the default branch (HEAD); it need not exist (then the API answers NoSuchBranch). */
  setDefaultBranch(name: string): void {
    moves.setDefaultBranch(this, name);
  }

  /** Renames a branch (the old ref disappears); HEAD follows when it named the old branch. */
  renameBranch(from: string, to: string): void {
    moves.renameBranch(this, from, to);
  }

  renameDefaultBranch(to: string): void {
    moves.renameBranch(this, this.defaultBranch(), to);
  }

  /** Expires reflogs and prunes now: commits no ref reaches stop resolving (before, they still do). */
  gc(): void {
    this.git(["reflog", "expire", "--expire=now", "--expire-unreachable=now", "--all"]);
    this.git(["gc", "--quiet", "--prune=now"]);
  }
}
