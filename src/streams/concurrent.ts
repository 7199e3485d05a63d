/**
 * Runs `fn` over the items of a (possibly slow, paged) source with at most `limit` of them active
 * at once, and yields every output as soon as it is ready, tagged with the index of the item it
 * came from, plus a `done` event when an item's output ends. Each active item has at most one
 * output pending, so memory holds at most `limit` pages whatever the source's size.
 *
 * An item's error ends the merge at once. The source's error (a listing that fails part-way)
 * ends it only after the items already started have finished, so that their work is not lost.
 */
export type Merged<I, O> =
  | { kind: "start"; index: number; item: I }
  | { kind: "value"; index: number; item: I; value: O }
  | { kind: "done"; index: number; item: I };

type Settled<O> = { key: number; result: IteratorResult<O> } | { key: number; error: unknown };

const SOURCE = -1;

export async function* mergeConcurrent<I, O>(
  items: AsyncIterable<I> | Iterable<I>,
  limit: number,
  fn: (item: I, index: number) => AsyncIterable<O>,
): AsyncGenerator<Merged<I, O>> {
  const source: AsyncIterator<I> | Iterator<I> =
    Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  const active = new Map<number, { item: I; it: AsyncIterator<O> }>();
  const ready: Settled<unknown>[] = [];
  let wake: (() => void) | undefined;
  let inflight = 0;
  let sourcePending = false;
  let sourceDone = false;
  let sourceError: { error: unknown } | undefined;
  let nextIndex = 0;

  const track = (key: number, p: Promise<IteratorResult<unknown>>) => {
    inflight++;
    p.then(
      (result) => ready.push({ key, result }),
      (error: unknown) => ready.push({ key, error }),
    ).finally(() => {
      const w = wake;
      wake = undefined;
      w?.();
    });
  };
  const pullSource = () => {
    if (sourceDone || sourcePending || active.size >= limit) return;
    sourcePending = true;
    track(SOURCE, Promise.resolve(source.next()));
  };

  try {
    pullSource();
    while (inflight > 0) {
      if (ready.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const settled = ready.shift();
      if (!settled) continue;
      inflight--;
      if ("error" in settled) {
        if (settled.key !== SOURCE) throw settled.error;
        sourcePending = false;
        sourceDone = true;
        sourceError = { error: settled.error };
        continue;
      }
      const { key, result } = settled;
      if (key === SOURCE) {
        sourcePending = false;
        if (result.done) {
          sourceDone = true;
          continue;
        }
        const index = nextIndex++;
        const item = result.value as I;
        const it = fn(item, index)[Symbol.asyncIterator]();
        active.set(index, { item, it });
        yield { kind: "start", index, item };
        track(index, it.next());
        pullSource();
        continue;
      }
      const slot = active.get(key);
      if (!slot) continue;
      if (result.done) {
        active.delete(key);
        yield { kind: "done", index: key, item: slot.item };
        pullSource();
      } else {
        yield { kind: "value", index: key, item: slot.item, value: result.value as O };
        track(key, slot.it.next());
      }
    }
    if (sourceError) throw sourceError.error;
  } finally {
    // Abandoned (error or consumer stopped): end every active producer and the source.
    await Promise.allSettled([...active.values()].map((s) => s.it.return?.()));
    if (!sourceDone) await Promise.allSettled([Promise.resolve(source.return?.())]);
  }
}

/**
 * Tracks completion of items numbered in listing order and tells how far the contiguous
 * completed prefix reaches: the only safe checkpoint when items finish out of order.
 */
export class CompletionWatermark {
  private next = 0;
  private readonly doneAhead = new Set<number>();

  /** Marks `index` done; returns the highest index whose predecessors are all done, or -1. */
  complete(index: number): number {
    if (index === this.next) {
      this.next++;
      while (this.doneAhead.delete(this.next)) this.next++;
    } else if (index > this.next) {
      this.doneAhead.add(index);
    }
    return this.next - 1;
  }

  get reached(): number {
    return this.next - 1;
  }
}

/** Runs a reader only while it holds a slot of `slots` (when given): taken before its first item, given back when it ends. */
export async function* inSlot<O>(
  slots: { acquire(): Promise<void>; release(): void } | undefined,
  reader: () => AsyncIterable<O>,
): AsyncGenerator<O> {
  if (!slots) {
    yield* reader();
    return;
  }
  await slots.acquire();
  try {
    yield* reader();
  } finally {
    slots.release();
  }
}
