import type { Writable } from "node:stream";

/**
 * Writes newline-terminated lines to a stream in chunks, honouring backpressure: callers await
 * `write` and are held while the consumer (the Airbyte platform, a pipe, a file) is slow, so
 * memory stays flat whatever the read speed. Lines from concurrent callers never interleave
 * because each line is appended whole, synchronously.
 */
export class LineWriter {
  private chunk = "";
  private pending: Promise<void> = Promise.resolve();
  private failed: Error | undefined;

  constructor(
    private readonly out: Writable,
    private readonly chunkBytes = 64 * 1024,
  ) {
    out.on("error", (err: Error) => {
      this.failed = err;
    });
  }

  /** Queues one line; resolves once the queued text is accepted by the stream when a chunk was due. */
  write(line: string): Promise<void> {
    this.chunk += `${line}\n`;
    if (this.chunk.length < this.chunkBytes) return this.pending;
    return this.flush();
  }

  /** Queues many lines at once (one page of records). */
  writeAll(lines: string[]): Promise<void> {
    if (lines.length === 0) return this.pending;
    this.chunk += `${lines.join("\n")}\n`;
    if (this.chunk.length < this.chunkBytes) return this.pending;
    return this.flush();
  }

  /** Hands everything queued to the stream and waits until the stream can take more. */
  flush(): Promise<void> {
    if (this.chunk.length > 0) {
      const text = this.chunk;
      this.chunk = "";
      this.pending = this.pending.then(() => this.push(text));
    }
    return this.pending;
  }

  private push(text: string): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      const ok = this.out.write(text, (err) => {
        if (err) reject(err);
      });
      if (ok) {
        resolve();
        return;
      }
      const done = (err?: Error) => {
        this.out.off("drain", onDrain);
        this.out.off("close", onClose);
        this.out.off("error", done);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => done();
      const onClose = () => done(new Error("output stream closed"));
      this.out.once("drain", onDrain);
      this.out.once("close", onClose);
      this.out.once("error", done);
    });
  }
}
