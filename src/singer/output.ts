import type { Writable } from "node:stream";
import type { ConnectorError } from "../errors.js";
import { LineWriter } from "../protocol/line-writer.js";
import type { JsonObject, LogLevel } from "../protocol/messages.js";
import { LeveledLogger, type StreamInfo, type SyncOutput } from "../protocol/output.js";
import { batchSize, type RecordBatch } from "../protocol/records.js";
import type { Redactor } from "../protocol/redact.js";
import { recordLinePieces } from "../protocol/splice.js";
import { fieldName, keyProperties, type SingerCatalog } from "./catalog.js";
import { FieldProjection } from "./projection.js";

/** The Singer messages this tap writes on stdout. */
export type SingerMessage =
  | {
      type: "SCHEMA";
      stream: string;
      schema: JsonObject;
      key_properties: string[];
      bookmark_properties: string[];
    }
  | { type: "RECORD"; stream: string; record: JsonObject; time_extracted: string }
  | { type: "STATE"; value: { bookmarks: Record<string, unknown> } };

export interface SingerOutputOptions {
  /** Least level written to stderr. */
  minLevel?: LogLevel;
  /**
   * The bookmarks given with `--state`. Every STATE carries them, replaced stream by stream as
   * streams advance, so any STATE (the last one above all) is a complete resume point, even for
   * a stream not read this time or not yet checkpointed.
   */
  bookmarks?: Map<string, unknown>;
  /** Per stream, the property paths the catalog deselects: left out of SCHEMA and RECORDs. */
  deselected?: Map<string, string[][]>;
}

/**
 * The Singer message layer: SCHEMA, RECORD and STATE messages on stdout, one JSON object per
 * line and nothing else. Everything meant for a person (logs, rate-limit waits, stream outcomes,
 * errors) goes to stderr as `LEVEL message` lines, redacted.
 */
export class SingerOutput extends LeveledLogger implements SyncOutput {
  private readonly writer: LineWriter;
  private readonly bookmarks: Map<string, unknown>;
  private readonly schemasSent = new Set<string>();
  private readonly recordCounts = new Map<string, number>();
  private readonly heads = new Map<string, Buffer>();
  private readonly projections = new Map<string, FieldProjection>();

  constructor(
    out: Writable,
    private readonly err: Writable & { isTTY?: boolean },
    private readonly redactor: Redactor,
    opts: SingerOutputOptions = {},
  ) {
    super(opts.minLevel ?? "INFO");
    this.writer = new LineWriter(out);
    this.bookmarks = new Map(opts.bookmarks ?? []);
    for (const [stream, paths] of opts.deselected ?? [])
      if (paths.length > 0) this.projections.set(stream, new FieldProjection(paths));
  }

  /** Everything but records is rare and should reach the target at once, so it flushes. */
  private send(message: SingerMessage): Promise<void> {
    void this.writer.write(JSON.stringify(message));
    return this.writer.flush();
  }

  /** `--discover`: the catalog as one (indented) JSON document. */
  catalog(catalog: SingerCatalog): Promise<void> {
    void this.writer.write(JSON.stringify(catalog, null, 2));
    return this.writer.flush();
  }

  protected write(level: LogLevel, message: string): void {
    const text = this.redactor.redact(message).replace(/\r?\n/g, "\n  ");
    // On a terminal the progress line (commands/progress.ts) sits on the current line without
    // a newline: erase it first; its next redraw puts it back under this line.
    this.err.write(`${this.err.isTTY ? "\r\x1b[K" : ""}${level} ${text}\n`);
  }
  streamStarted(stream: StreamInfo): Promise<void> {
    this.info(`${stream.name}: started`);
    if (this.schemasSent.has(stream.name)) return Promise.resolve();
    this.schemasSent.add(stream.name);
    return this.send({
      type: "SCHEMA",
      stream: stream.name,
      schema: this.projections.get(stream.name)?.schema(stream.jsonSchema) ?? stream.jsonSchema,
      key_properties: keyProperties(stream.primaryKey),
      bookmark_properties: [fieldName(stream.cursorField)],
    });
  }

  streamRunning(stream: string): Promise<void> {
    this.debug(`${stream}: running`);
    return Promise.resolve();
  }

  streamRateLimited(stream: string, resetAt: number): Promise<void> {
    const seconds = Math.max(0, Math.ceil((resetAt - Date.now()) / 1000));
    this.info(`${stream}: waiting on the rate limit until ${new Date(resetAt).toISOString()} (${seconds} s)`);
    return Promise.resolve();
  }

  records(stream: string, batch: RecordBatch): Promise<void> {
    // Hot path, once per batch: like the Airbyte output, the context is spliced into Bitbucket's
    // own JSON bytes, and the batch becomes one write.
    this.recordCounts.set(stream, (this.recordCounts.get(stream) ?? 0) + batchSize(batch));
    const tail = Buffer.from(`,"time_extracted":"${new Date().toISOString()}"}\n`, "utf8");
    const projected = this.projections.get(stream)?.batch(batch) ?? batch;
    return this.writer.writePieces(
      recordLinePieces(this.head(stream), tail, this.redactor.records(projected)),
    );
  }

  private head(stream: string): Buffer {
    let head = this.heads.get(stream);
    if (!head) {
      head = Buffer.from(`{"type":"RECORD","stream":${JSON.stringify(stream)},"record":`, "utf8");
      this.heads.set(stream, head);
    }
    return head;
  }

  state(stream: string, streamState: JsonObject, _recordCount: number): Promise<void> {
    this.bookmarks.set(stream, streamState);
    return this.send({ type: "STATE", value: { bookmarks: Object.fromEntries(this.bookmarks) } });
  }

  streamComplete(stream: string): Promise<void> {
    this.info(`${stream}: complete, ${this.recordCounts.get(stream) ?? 0} records`);
    return Promise.resolve();
  }

  streamIncomplete(stream: string, error: ConnectorError): Promise<void> {
    this.error(
      `${stream}: incomplete after ${this.recordCounts.get(stream) ?? 0} records: ${describeError(error)}`,
    );
    return Promise.resolve();
  }

  fatal(error: ConnectorError): Promise<void> {
    this.error(describeError(error));
    return Promise.resolve();
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }
}

/** The user message, the maintainers' detail, and for a bug the stack (all redacted by `log`). */
function describeError(error: ConnectorError): string {
  const internal = error.internal ? ` (${error.internal})` : "";
  const stack = error.code === "internal_error" && error.stack ? `\n${error.stack}` : "";
  return `${error.userMessage}${internal}${stack}`;
}
