// Linear commit histories without storing commits.
//
// A *generation* is a run of commits created together (the seeded history, one push, a feature
// branch): commit (gen, idx) has a timestamp computed from the generation's parameters. A branch
// is a *chain*: a list of segments, each a slice [from, to) of one generation, oldest first.
// Branches created from each other share their segments' prefix, a force push truncates a chain
// and starts a new generation, so the ids it dropped belong to no chain and become unknown.

export interface Generation {
  /** Timestamp of idx 0 (epoch ms, whole seconds). */
  baseMs: number;
  stepMs: number;
  /** Seeded history: a per-commit offset below one step (keeps timestamps strictly increasing). */
  jitter: boolean;
  count: number;
}

export interface Segment {
  gen: number;
  from: number;
  to: number;
}

export type Chain = Segment[];

export interface CommitRef {
  gen: number;
  idx: number;
}

export function chainLength(chain: Chain): number {
  let n = 0;
  for (const s of chain) n += s.to - s.from;
  return n;
}

/** The commit at `pos` (0 = oldest). */
export function commitAt(chain: Chain, pos: number): CommitRef | undefined {
  let base = 0;
  for (const s of chain) {
    const len = s.to - s.from;
    if (pos < base + len) return pos < base ? undefined : { gen: s.gen, idx: s.from + (pos - base) };
    base += len;
  }
  return undefined;
}

export function positionOf(chain: Chain, gen: number, idx: number): number {
  let base = 0;
  for (const s of chain) {
    if (s.gen === gen && idx >= s.from && idx < s.to) return base + (idx - s.from);
    base += s.to - s.from;
  }
  return -1;
}

/** The first `length` commits of a chain, as a new chain. */
export function truncateChain(chain: Chain, length: number): Chain {
  const out: Chain = [];
  let left = length;
  for (const s of chain) {
    if (left <= 0) break;
    const len = Math.min(left, s.to - s.from);
    out.push({ gen: s.gen, from: s.from, to: s.from + len });
    left -= len;
  }
  return out;
}

/** Length of the history two chains share (the commits reachable from both). */
export function commonPrefix(a: Chain, b: Chain): number {
  let n = 0;
  for (let i = 0; i < a.length && i < b.length; i++) {
    const x = a[i];
    const y = b[i];
    if (!x || !y || x.gen !== y.gen || x.from !== y.from) break;
    const len = Math.min(x.to, y.to) - x.from;
    n += len;
    if (x.to !== y.to) break;
  }
  return n;
}

/**
 * Walks `count` commits newest-first starting at position `top`, calling `visit` with each commit,
 * its position and its parent (undefined for the root). Cost: O(segments + count).
 */
export function walkBack(
  chain: Chain,
  top: number,
  count: number,
  visit: (c: CommitRef, pos: number, parent: CommitRef | undefined) => void,
): void {
  if (count <= 0 || top < 0) return;
  // Flatten once into (start position, segment) pairs: chains have few segments.
  const starts: number[] = [];
  let base = 0;
  for (const s of chain) {
    starts.push(base);
    base += s.to - s.from;
  }
  let si = chain.length - 1;
  while (si >= 0 && (starts[si] ?? 0) > top) si--;
  let pos = top;
  let current: CommitRef | undefined;
  const at = (p: number): CommitRef | undefined => {
    while (si >= 0 && (starts[si] ?? 0) > p) si--;
    const s = chain[si];
    if (!s || p < 0) return undefined;
    return { gen: s.gen, idx: s.from + (p - (starts[si] ?? 0)) };
  };
  current = at(pos);
  for (let i = 0; i < count && current; i++) {
    const parent = at(pos - 1);
    visit(current, pos, parent);
    current = parent;
    pos--;
  }
}
