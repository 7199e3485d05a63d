/**
 * A listing read once and consumed by several streams: the repository listing of a deployment
 * serves each of its streams (as the Singer SDK's parent streams do), so two streams of one
 * deployment cost one listing. The listing runs as fast as its fastest consumer; what it found is
 * kept (a few hundred bytes per repository) for the slower ones. An error ends the listing for
 * every consumer, after the items found before it.
 */
export class SharedListing<T> {
  private readonly items: T[] = [];
  private done = false;
  private error: { error: unknown } | undefined;
  private source: AsyncIterator<T> | undefined;
  private pulling: Promise<void> | undefined;

  constructor(private readonly open: () => AsyncIterable<T>) {}

  async *consume(): AsyncGenerator<T> {
    for (let i = 0; ; i++) {
      while (i >= this.items.length) {
        if (this.error) throw this.error.error;
        if (this.done) return;
        await this.pull();
      }
      yield this.items[i]!;
    }
  }

  /** Fetches the next item; concurrent consumers share one fetch. */
  private pull(): Promise<void> {
    this.pulling ??= (async () => {
      try {
        this.source ??= this.open()[Symbol.asyncIterator]();
        const r = await this.source.next();
        if (r.done) this.done = true;
        else this.items.push(r.value);
      } catch (err) {
        this.error = { error: err };
      } finally {
        this.pulling = undefined;
      }
    })();
    return this.pulling;
  }

  /** Stops the listing early (nobody consumes it any more). */
  async close(): Promise<void> {
    if (!this.done && this.source) await this.source.return?.();
    this.done = true;
  }
}
