import { isUtf8 } from "node:buffer";
import type { z } from "zod";
import { ConnectorError } from "../errors.js";
import type { JsonObject } from "../protocol/messages.js";
import type { RecordBatch } from "../protocol/records.js";
import { compact, type ScannedPage } from "./json-scan.js";

/**
 * Items parsed at once: bounds the parsed objects alive per page, however long the page. Small, so
 * that what a partition holds while its batch waits to be written dies young (8 partitions with
 * 1,000 parsed commits each kept V8's young generation at its largest and filled the old one).
 */
export const BATCH = 100;

/**
 * A page's bytes as well-formed UTF-8. Records leave as these very bytes, and a line of JSON must
 * be UTF-8 (Airbyte reads stdout as such): a server or proxy sending a byte sequence that is not
 * (Bitbucket does not) has each bad one replaced by U+FFFD, as any decoder of the text would.
 */
export function wellFormedUtf8(bytes: Buffer): Buffer {
  return isUtf8(bytes) ? bytes : Buffer.from(bytes.toString("utf8"), "utf8");
}

/**
 * One page of a Bitbucket list, kept as the response's bytes plus where each item lies. Items
 * are parsed and validated a batch at a time, when asked for; records are handed on as slices of
 * the bytes. So a page costs memory in proportion to its bytes, not to a worst case of objects.
 */
export class Page<T> {
  readonly count: number;
  private readonly bytes: Buffer;
  private readonly spans: Uint32Array;

  constructor(
    bytes: Buffer,
    scanned: ScannedPage,
    /** The page's other top-level members (`next`, `isLastPage`...), parsed. */
    readonly meta: Record<string, unknown>,
    private readonly item: z.ZodType<T>,
    /** `GET /path`, for messages. */
    private readonly where: string,
  ) {
    ({ bytes: this.bytes, spans: this.spans } = compactSpans(bytes, scanned.values));
    this.count = this.spans.length >>> 1;
  }

  /** Items `from` to `to` (exclusive), parsed and validated; a bad one fails the page naming its field. */
  items(from = 0, to = this.count): T[] {
    const out: T[] = [];
    for (let i = from; i < to; i++) {
      const value: unknown = JSON.parse(
        this.bytes.toString("utf8", this.spans[2 * i]!, this.spans[2 * i + 1]!),
      );
      const parsed = this.item.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = ["values", i, ...(issue?.path ?? [])].map(String).join(".");
        throw new ConnectorError(
          "unexpected_response",
          `${this.where} answered with an item the connector cannot use: ${field}: ${issue?.message ?? "invalid"}`,
        );
      }
      out.push(value as T);
    }
    return out;
  }

  /**
   * Items in batches of at most `size`, with the record batch of the same items. Each batch's
   * records must be handed on (the output copies them) before the next batch is asked for: once
   * the last is, the page's bytes are freed (see `release`), and the page is not to be read again.
   */
  *batches(context: JsonObject, size = BATCH): Generator<{ items: T[]; records: RecordBatch }> {
    for (let from = 0; from < this.count; from += size) {
      const to = Math.min(this.count, from + size);
      const items = this.items(from, to);
      yield { items, records: this.records(context, from, to, collisions(items, context)) };
    }
    this.release();
  }

  /** Items `from` to `to` as records, with `context` spliced into each. */
  records(context: JsonObject, from = 0, to = this.count, drop?: ReadonlySet<string>): RecordBatch {
    return { bytes: this.bytes, spans: this.spans.subarray(2 * from, 2 * to), context, drop };
  }

  /**
   * Frees the page's bytes now rather than at the garbage collection that finds them dead: a
   * response buffer outlives a few young collections while its records are parsed and written,
   * so it dies in the old generation, and tens of megabytes of dead bodies then wait for a full
   * collection (a third of the peak memory of a long read). Only a buffer that is a whole
   * ArrayBuffer of its own is freed (the transport allocates large bodies so; small ones share
   * Node's pool, which must never be detached). Reading the page afterwards throws.
   */
  private release(): void {
    const b = this.bytes;
    if (b.length < RELEASE_MIN || b.byteOffset !== 0 || b.byteLength !== b.buffer.byteLength) return;
    detach(b.buffer as ArrayBuffer);
  }
}

/** Pages smaller than this are left to the garbage collector: freeing them early saves little. */
const RELEASE_MIN = 16 * 1024;

/**
 * Detaches an ArrayBuffer, freeing its memory: at once where `transfer` exists (Node 21+); on
 * Node 20 by moving it to a new ArrayBuffer that nothing holds, freed by the next young collection.
 */
function detach(buffer: ArrayBuffer): void {
  const own = buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
  try {
    if (typeof own.transfer === "function") own.transfer(0);
    else structuredClone(buffer, { transfer: [buffer] });
  } catch {
    // Not detachable (e.g. marked untransferable): the garbage collector frees it as before.
  }
}

/**
 * A page with no items, for a listing known to be empty without asking the server (the Cloud
 * main-branch stream's `git log <head> ^<head>`).
 */
export function emptyPage<T>(item: z.ZodType<T>, where: string): Page<T> {
  return new Page(Buffer.alloc(0), { values: new Uint32Array(0), members: new Map() }, {}, item, where);
}

/** Context fields some item already has: left out of the items' bytes, so no key appears twice. */
function collisions(items: unknown[], context: JsonObject): ReadonlySet<string> | undefined {
  const found = Object.keys(context).filter((key) =>
    items.some((it) => typeof it === "object" && it !== null && key in it),
  );
  return found.length > 0 ? new Set(found) : undefined;
}

/**
 * Records must fit on one output line: a pretty-printed page (line breaks between tokens) has its
 * items compacted into a buffer of their own. Inside JSON strings line breaks are always escaped,
 * so a raw one anywhere between the first and the last item means such whitespace.
 */
function compactSpans(bytes: Buffer, spans: Uint32Array): { bytes: Buffer; spans: Uint32Array } {
  if (spans.length === 0) return { bytes, spans };
  const region = bytes.subarray(spans[0]!, spans[spans.length - 1]!);
  if (region.indexOf(10) < 0 && region.indexOf(13) < 0) return { bytes, spans };
  const parts: Buffer[] = [];
  const out = new Uint32Array(spans.length);
  let at = 0;
  for (let k = 0; k < spans.length; k += 2) {
    const part = compact(bytes.subarray(spans[k]!, spans[k + 1]!));
    parts.push(part);
    out[k] = at;
    at += part.length;
    out[k + 1] = at;
  }
  return { bytes: Buffer.concat(parts, at), spans: out };
}
