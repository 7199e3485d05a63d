import { hash32, hexOf, type Rng } from "../hash.js";

// Main-branch histories of Cloud repositories: a small in-memory git. Commits (parents, date,
// serial) and branch refs, generated per repository from the seed when first asked for, and moved
// by one-line mutations (push, merge of an old branch, force-push, gc, rename, switch). Commits a
// force-push drops stay resolvable until gc(), as on a real server. `git log <include> ^<exclude>`
// is computed from the parents: newest commit date first, as `git log` without options.

export interface BranchCommit {
  hash: string;
  parents: string[];
  /** Epoch ms, whole seconds: what the API calls the commit date. */
  dateMs: number;
  /** Order of creation in the repository: author and message derive from it. */
  serial: number;
}

const FULL_HASH = /^[0-9a-f]{40}$/;

/** What the branch routes read: the synthetic BranchHistory, or a git repository (git-branches.ts). */
export interface BranchSource {
  head(branch: string): string | undefined;
  branchNames(): string[];
  get(hash: string): BranchCommit | undefined;
  resolve(rev: string): string | undefined;
  log(include: readonly string[], exclude: readonly string[]): BranchCommit[];
}

export class BranchHistory implements BranchSource {
  private readonly commits = new Map<string, BranchCommit>();
  private readonly refs = new Map<string, string>();
  private serial = 0;
  private changes = 0;
  private listings = new Map<string, BranchCommit[]>();
  private listedAt = -1;

  constructor(
    private readonly seed: number,
    private readonly repoNo: number,
  ) {}

  // ---- reads ----

  head(branch: string): string | undefined {
    return this.refs.get(branch);
  }

  branchNames(): string[] {
    return [...this.refs.keys()];
  }

  get(hash: string): BranchCommit | undefined {
    return this.commits.get(hash);
  }

  /** A branch name, or a full hash the repository still holds (reachable or not, until gc()). */
  resolve(rev: string): string | undefined {
    const head = this.refs.get(rev);
    if (head !== undefined) return head;
    const id = rev.toLowerCase();
    return FULL_HASH.test(id) && this.commits.has(id) ? id : undefined;
  }

  /** Hashes reachable from `from` (commit hashes). */
  reachable(from: readonly string[]): Set<string> {
    const seen = new Set<string>();
    const stack = [...from];
    for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
      if (seen.has(id)) continue;
      seen.add(id);
      for (const p of this.commits.get(id)?.parents ?? []) if (!seen.has(p)) stack.push(p);
    }
    return seen;
  }

  /** `git log <include...> ^<exclude...>` over resolved hashes: newest date first, then newest made. */
  log(include: readonly string[], exclude: readonly string[]): BranchCommit[] {
    if (this.listedAt !== this.changes) {
      this.listings = new Map();
      this.listedAt = this.changes;
    }
    const key = `${[...include].sort().join(",")} ^${[...exclude].sort().join(",")}`;
    let out = this.listings.get(key);
    if (out === undefined) {
      const excluded = this.reachable(exclude);
      out = [...this.reachable(include)]
        .filter((id) => !excluded.has(id))
        .map((id) => this.commits.get(id))
        .filter((c): c is BranchCommit => c !== undefined)
        .sort((a, b) => b.dateMs - a.dateMs || b.serial - a.serial);
      this.listings.set(key, out);
    }
    return out;
  }

  /** The newest `n` first-parent commits of a branch, newest first. */
  firstParents(branch: string, n: number): string[] {
    const out: string[] = [];
    for (let id = this.refs.get(branch); id !== undefined && out.length < n; ) {
      out.push(id);
      id = this.commits.get(id)?.parents[0];
    }
    return out;
  }

  // ---- writes ----

  /** A new commit; returns its hash. */
  commit(parents: string[], dateMs: number): string {
    const serial = ++this.serial;
    const hash = hexOf(hash32(this.seed, 0xb4a9c, this.repoNo, serial), 40);
    this.commits.set(hash, { hash, parents, dateMs: Math.floor(dateMs / 1000) * 1000, serial });
    this.changes++;
    return hash;
  }

  /** `n` linear commits after `parent` (none: a root), dated `dateOf(i)`; hashes oldest first. */
  grow(parent: string | undefined, n: number, dateOf: (i: number) => number): string[] {
    const out: string[] = [];
    let tip = parent;
    for (let i = 0; i < n; i++) {
      tip = this.commit(tip === undefined ? [] : [tip], dateOf(i));
      out.push(tip);
    }
    return out;
  }

  setRef(branch: string, hash: string | undefined): void {
    if (hash === undefined) this.refs.delete(branch);
    else this.refs.set(branch, hash);
    this.changes++;
  }

  /** Prunes every commit no branch reaches: they stop resolving. */
  gc(): void {
    const keep = this.reachable([...this.refs.values()]);
    for (const id of [...this.commits.keys()]) if (!keep.has(id)) this.commits.delete(id);
    this.changes++;
  }
}

/**
 * The seeded history of a main branch: `count` first-parent commits spread evenly over
 * [fromMs, toMs], and every 5-9 of them a merge commit whose second parent is a short branch of
 * 1-3 commits forked 2-5 first-parent commits earlier, dated between the fork and the merge.
 */
export function seedBranch(
  h: BranchHistory,
  rng: Rng,
  branch: string,
  count: number,
  fromMs: number,
  toMs: number,
): void {
  if (count <= 0) return;
  const at = (pos: number) => fromMs + ((pos + 1) / (count + 1)) * (toMs - fromMs);
  const main: string[] = [];
  let nextMerge = rng.int(5, 9);
  for (let pos = 0; pos < count; pos++) {
    const parent = main[pos - 1];
    if (pos === nextMerge && pos >= 6) {
      const fork = pos - rng.int(2, 5);
      const n = rng.int(1, 3);
      const side = h.grow(main[fork], n, (i) => at(fork) + ((i + 1) / (n + 1)) * (at(pos) - at(fork)));
      main.push(h.commit([parent ?? "", side[side.length - 1] ?? ""], at(pos)));
      nextMerge = pos + rng.int(5, 9);
    } else {
      main.push(h.commit(parent === undefined ? [] : [parent], at(pos)));
    }
  }
  h.setRef(branch, main[main.length - 1]);
}
