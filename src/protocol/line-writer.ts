import type { Writable } from "node:stream";
import { ConnectorError } from "../errors.js";

/**
 * Writes newline-terminated lines to a stream in chunks, honouring backpressure: callers await
 * `write` and are held while the consumer (the Airbyte platform, a pipe, a file) is slow, so
 * memory stays flat whatever the read speed. Lines are copied into the chunk being filled the
 * moment they are given, so that nothing given is referenced once the call returns: records
 * arrive as slices of Bitbucket's response bytes, and a page's bytes can be freed as soon as its
 * records are handed on (see http/page.ts), not whenever a full garbage collection gets to them.
 * For a stream on a file descriptor (stdout: a pipe, a file, a terminal) the chunk buffers are
 * reused once the stream's write callback says their bytes are written, so that writing
 * allocates nothing per chunk. Other streams (a Transform, a PassThrough) call back while they
 * still hold the chunk: they get a buffer of their own each time.
 * Lines from concurrent callers never interleave because each is copied whole, synchronously.
 * Once the stream fails (its reader went away: EPIPE) every write rejects with a `cancelled`
 * error that says so: the run was stopped from outside, it is not the connector's fault.
 */
export class LineWriter {
  /** The chunk being filled, and how many of its bytes hold lines. */
  private fill: Buffer | undefined;
  private size = 0;
  /** Chunk buffers whose bytes are written, ready to be filled again (file-descriptor streams only). */
  private readonly spare: Buffer[] = [];
  private pending: Promise<void> = Promise.resolve();
  private failed: Error | undefined;
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
    const fill = this.room(Buffer.byteLength(line, "utf8") + 1);
    this.size += fill.write(line, this.size, "utf8");
    fill[this.size++] = NEWLINE;
    return this.size < this.chunkBytes ? this.pending : this.flush();
  }

  /** Queues byte pieces that together form whole lines (each ending in a newline). */
  writePieces(pieces: Buffer[]): Promise<void> {
    let need = 0;
    for (const p of pieces) need += p.length;
    const fill = this.room(need);
    for (const p of pieces) this.size += p.copy(fill, this.size);
    return this.size < this.chunkBytes ? this.pending : this.flush();
  }

  /** Hands the chunk filled so far to the stream and waits until the stream can take more. */
  flush(): Promise<void> {
    const fill = this.fill;
    if (fill && this.size > 0) {
      const chunk = fill.subarray(0, this.size);
      this.fill = undefined;
      this.size = 0;
      this.pending = this.pending.then(async () => {
        await this.push(chunk);
        this.recycle(fill);
      });
    }
    return this.pending;
  }

  /** The chunk to fill, with room for `need` more bytes: a spare one, or a new one (bigger when a line is). */
  private room(need: number): Buffer {
    const fill = this.fill;
    if (fill && this.size + need <= fill.length) return fill;
    const size = Math.max(2 * this.chunkBytes, this.size + need);
    const spare = this.spare.pop();
    const next = spare && spare.length >= size ? spare : Buffer.allocUnsafeSlow(size);
    if (fill) {
      fill.copy(next, 0, 0, this.size);
      this.recycle(fill);
    }
    this.fill = next;
    return next;
  }

  /** Keeps a buffer whose bytes are no longer needed for the next chunk, unless it is too large to keep. */
  private recycle(buffer: Buffer): void {
    if (this.reuse && buffer.length <= MAX_REUSED && this.spare.length < 2) this.spare.push(buffer);
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

/** Chunk buffers larger than this (a huge line) are not kept for reuse. */
const MAX_REUSED = 4 * 1024 * 1024;
const NEWLINE = 10;

/** What a failed write of the output means: nothing more can be written, by nobody's fault here. */
export function outputClosed(err: Error): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? err.message;
  return new ConnectorError("cancelled", `the output was closed (${code}): nothing more can be written`, {
    scope: "stream",
  });
}
