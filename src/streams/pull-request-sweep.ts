import { CompletionWatermark, inSlot, mergeConcurrent } from "./concurrent.js";
import type { PartitionEvent, RecordsEvent } from "./stream.js";

/**
 * How both pull-request streams (Cloud and Data Center) read a repository's pull requests so that
 * none is lost whatever order the server lists them in, and the cursor never passes what was
 * emitted. The listing is read whole first (only ids and update times: a page per 50 to 1,000
 * pull requests), the ones updated after the cursor are sorted by update time, oldest first, and
 * their commits are read concurrently; the cursor advances over the completed prefix, and only
 * to a point where the next pull request was updated strictly later (ties are read together).
 * The cursor never passes the server's clock: a pull request dated in the future is read again
 * rather than pushing the cursor where later updates would be missed.
 */
export interface SweepOptions<PR, K> {
  /** Pull requests in any order; the caller filters states and the start date. */
  listed: PR[];
  /** The update time of a pull request as a sortable key. */
  updated: (pr: PR) => K;
  id: (pr: PR) => number;
  /** Strict order of update keys. */
  compare: (a: K, b: K) => number;
  /** The cursor the sweep started from (exclusive), if any. */
  cursor: K | undefined;
  /** The server's clock, as a key: the cursor never goes past it. */
  now: K;
  concurrency: number;
  /** The stream's shared reader slots (ReadContext.readers). */
  readers?: { acquire(): Promise<void>; release(): void } | undefined;
  read: (pr: PR) => AsyncIterable<RecordsEvent>;
  /** The partition state for a cursor. */
  state: (cursor: K | undefined) => unknown;
  /** The state once every pull request is read (default: `state`). */
  finalState?: (cursor: K | undefined) => unknown;
  /** Told how many pull requests will be read, once the listing is sorted (for progress estimates). */
  planned?: (count: number) => void;
}

export async function* sweepPullRequests<PR, K>(
  o: SweepOptions<PR, K>,
): AsyncGenerator<PartitionEvent<unknown>> {
  // Each update key is computed once: a sort would otherwise compute two per comparison.
  const keyed = o.listed
    .map((pr) => ({ pr, key: o.updated(pr) }))
    .filter(({ key }) => o.cursor === undefined || o.compare(key, o.cursor) > 0)
    .sort((a, b) => o.compare(a.key, b.key) || o.id(a.pr) - o.id(b.pr));
  const todo = keyed.map(({ pr }) => pr);
  const keys = keyed.map(({ key }) => key);
  o.planned?.(todo.length);
  const watermark = new CompletionWatermark();
  let cursor = o.cursor;
  const capped = (k: K) => (o.compare(k, o.now) > 0 ? o.now : k);
  for await (const ev of mergeConcurrent(todo, o.concurrency, (pr) => inSlot(o.readers, () => o.read(pr)))) {
    if (ev.kind === "value") yield ev.value;
    if (ev.kind !== "done") continue;
    const before = watermark.reached;
    const reached = watermark.complete(ev.index);
    if (reached === before) continue;
    // Stop short of a tie with the next pull request: the cursor is exclusive.
    let r = reached;
    const next = keys[reached + 1];
    while (r >= 0 && next !== undefined && o.compare(keys[r]!, next) === 0) r--;
    if (r < 0) continue;
    const k = capped(keys[r]!);
    if (cursor === undefined || o.compare(k, cursor) > 0) {
      cursor = k;
      yield { kind: "checkpoint", state: o.state(cursor) };
    }
  }
  yield { kind: "checkpoint", state: (o.finalState ?? o.state)(cursor) };
}
