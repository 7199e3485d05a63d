import type { Writable } from "node:stream";
import { ConnectorError } from "../errors.js";

/**
 * Writes newline-terminated lines to a stream in chunks, honouring backpressure: callers await
 * `write` and are held while the consumer (the Airbyte platform, a pipe, a file) is slow, so
 * memory stays flat whatever the read speed. Lines are queued as byte pieces (records arrive as
 * slices of Bitbucket's own response bytes) and copied once, into the chunk that is written. For a
 * stream on a file descriptor (stdout: a pipe, a file, a terminal) that is one buffer, reused once
 * the stream's write callback says the bytes are written, so that writing allocates nothing per
 * chunk. Other streams (a Transform, a PassThrough) call back while they still hold the chunk:
 * they get a buffer of their own each time.
 * Lines from concurrent callers never interleave because each is queued whole, synchronously.
 * Once the stream fails (its reader went away: EPIPE) every write rejects with a `cancelled`
 * error that says so: the run was stopped from outside, it is not the connector's fault.
 */
export class LineWriter {
  private pieces: Buffer[] = [];
  private size = 0;
  private pending: Promise<void> = Promise.resolve();
  private failed: Error | undefined;
  /** The chunk buffer, free whenever `pending` has settled (each write waits for its callback). */
  private scratch: Buffer | undefined;
  /** Whether the write callback means the bytes left (a stream on a file descriptor). */
  private readonly reuse: boolean;

  constructor(
    private readonly out: Writable,
    private readonly chunkBytes = 256 * 1024,
  ) {
    this.reuse = typeof (out as { fd?: unknown }).fd === "number";
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
      const pieces = this.pieces;
      const size = this.size;
      this.pieces = [];
      this.size = 0;
      this.pending = this.pending.then(() => this.push(this.copy(pieces, size)));
    }
    return this.pending;
  }

  /** The pieces in one buffer: the reused one, unless they are too large to keep a buffer that big. */
  private copy(pieces: Buffer[], size: number): Buffer {
    if (!this.reuse || size > MAX_REUSED) return Buffer.concat(pieces, size);
    if (!this.scratch || this.scratch.length < size)
      this.scratch = Buffer.allocUnsafe(Math.max(size, 2 * this.chunkBytes));
    let at = 0;
    for (const p of pieces) at += p.copy(this.scratch, at);
    return this.scratch.subarray(0, size);
  }

  /** Writes a chunk; resolves once the stream is done with it (its buffer may then be reused) and can take more. */
  private push(chunk: Buffer): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      let written = false;
      let drained = true;
      const settle = () => {
        if (written && drained) resolve();
      };
      const ok = this.out.write(chunk, (err) => {
        if (err) reject(outputClosed(err));
        written = true;
        settle();
      });
      if (ok) return;
      drained = false;
      const done = (err?: Error) => {
        this.out.off("drain", onDrain);
        this.out.off("close", onClose);
        this.out.off("error", done);
        if (err) reject(outputClosed(err));
        drained = true;
        settle();
      };
      const onDrain = () => done();
      const onClose = () => done(new Error("stream closed"));
      this.out.once("drain", onDrain);
      this.out.once("close", onClose);
      this.out.once("error", done);
    });
  }
}

/** Chunks larger than this get a buffer of their own rather than growing the reused one for good. */
const MAX_REUSED = 4 * 1024 * 1024;

/** What a failed write of the output means: nothing more can be written, by nobody's fault here. */
export function outputClosed(err: Error): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? err.message;
  return new ConnectorError("cancelled", `the output was closed (${code}): nothing more can be written`, {
    scope: "stream",
  });
}
