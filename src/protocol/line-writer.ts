import type { Writable } from "node:stream";
import { ConnectorError } from "../errors.js";

/**
 * Writes newline-terminated lines to a stream in chunks, honouring backpressure: callers await
 * `write` and are held while the consumer (the Airbyte platform, a pipe, a file) is slow, so
 * memory stays flat whatever the read speed. Lines are queued as byte pieces (records arrive as
 * slices of Bitbucket's own response bytes) and copied once, into the chunk that is written.
 * Lines from concurrent callers never interleave because each is queued whole, synchronously.
 * Once the stream fails (its reader went away: EPIPE) every write rejects with a `cancelled`
 * error that says so: the run was stopped from outside, it is not the connector's fault.
 */
export class LineWriter {
  private pieces: Buffer[] = [];
  private size = 0;
  private pending: Promise<void> = Promise.resolve();
  private failed: Error | undefined;

  constructor(
    private readonly out: Writable,
    private readonly chunkBytes = 256 * 1024,
  ) {
    out.on("error", (err: Error) => {
      this.failed ??= outputClosed(err);
    });
  }

  /** Queues one line given as text. */
  write(line: string): Promise<void> {
    return this.writePieces([Buffer.from(`${line}\n`, "utf8")]);
  }

  /** Queues byte pieces that together form whole lines (each ending in a newline). */
  writePieces(pieces: Buffer[]): Promise<void> {
    for (const p of pieces) {
      this.pieces.push(p);
      this.size += p.length;
    }
    return this.size < this.chunkBytes ? this.pending : this.flush();
  }

  /** Hands everything queued to the stream and waits until the stream can take more. */
  flush(): Promise<void> {
    if (this.size > 0) {
      const chunk = Buffer.concat(this.pieces, this.size);
      this.pieces = [];
      this.size = 0;
      this.pending = this.pending.then(() => this.push(chunk));
    }
    return this.pending;
  }

  private push(chunk: Buffer): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      const ok = this.out.write(chunk, (err) => {
        if (err) reject(outputClosed(err));
      });
      if (ok) {
        resolve();
        return;
      }
      const done = (err?: Error) => {
        this.out.off("drain", onDrain);
        this.out.off("close", onClose);
        this.out.off("error", done);
        if (err) reject(outputClosed(err));
        else resolve();
      };
      const onDrain = () => done();
      const onClose = () => done(new Error("stream closed"));
      this.out.once("drain", onDrain);
      this.out.once("close", onClose);
      this.out.once("error", done);
    });
  }
}

/** What a failed write of the output means: nothing more can be written, by nobody's fault here. */
export function outputClosed(err: Error): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? err.message;
  return new ConnectorError("cancelled", `the output was closed (${code}): nothing more can be written`, {
    scope: "stream",
  });
}
