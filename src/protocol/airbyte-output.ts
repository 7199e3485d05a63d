import type { Writable } from "node:stream";
import type { ConnectorError } from "../errors.js";
import { LineWriter } from "./line-writer.js";
import type {
  AirbyteCatalog,
  AirbyteMessage,
  ConnectorSpecification,
  JsonObject,
  LogLevel,
  StreamStatus,
  StreamStatusReason,
} from "./messages.js";
import { LeveledLogger, type StreamInfo, type SyncOutput } from "./output.js";
import type { RecordBatch } from "./records.js";
import type { Redactor } from "./redact.js";
import { recordLinePieces } from "./splice.js";

/**
 * The Airbyte message layer: one JSON object per line on stdout, nothing else. Diagnostics
 * become LOG messages, failures TRACE errors, progress STREAM_STATUS traces.
 */
export class AirbyteOutput extends LeveledLogger implements SyncOutput {
  private readonly writer: LineWriter;

  constructor(
    out: Writable,
    private readonly redactor: Redactor,
    minLevel: LogLevel = "INFO",
  ) {
    super(minLevel);
    this.writer = new LineWriter(out);
  }

  /** Everything but records is rare and should reach the platform at once, so it flushes. */
  private send(message: AirbyteMessage): Promise<void> {
    void this.writer.write(JSON.stringify(message));
    return this.writer.flush();
  }

  spec(spec: ConnectorSpecification): Promise<void> {
    return this.send({ type: "SPEC", spec });
  }

  connectionStatus(status: "SUCCEEDED" | "FAILED", message?: string): Promise<void> {
    const connectionStatus =
      message === undefined ? { status } : { status, message: this.redactor.redact(message) };
    return this.send({ type: "CONNECTION_STATUS", connectionStatus });
  }

  catalog(catalog: AirbyteCatalog): Promise<void> {
    return this.send({ type: "CATALOG", catalog });
  }

  protected write(level: LogLevel, message: string): void {
    void this.send({ type: "LOG", log: { level, message: this.redactor.redact(message) } });
  }

  private status(stream: string, status: StreamStatus, reasons?: StreamStatusReason[]): Promise<void> {
    const stream_status = {
      stream_descriptor: { name: stream },
      status,
      ...(reasons ? { reasons } : {}),
    };
    return this.send({
      type: "TRACE",
      trace: { type: "STREAM_STATUS", emitted_at: Date.now(), stream_status },
    });
  }

  streamStarted(stream: StreamInfo): Promise<void> {
    return this.status(stream.name, "STARTED");
  }
  streamRunning(stream: string): Promise<void> {
    return this.status(stream, "RUNNING");
  }
  streamRateLimited(stream: string, resetAt: number): Promise<void> {
    return this.status(stream, "RUNNING", [
      { type: "RATE_LIMITED", rate_limited: { quota_reset: Math.round(resetAt) } },
    ]);
  }
  streamComplete(stream: string): Promise<void> {
    return this.status(stream, "COMPLETE");
  }
  async streamIncomplete(stream: string, error: ConnectorError): Promise<void> {
    await this.errorTrace(error, stream);
    await this.status(stream, "INCOMPLETE");
  }
  fatal(error: ConnectorError): Promise<void> {
    return this.errorTrace(error);
  }

  private errorTrace(error: ConnectorError, stream?: string): Promise<void> {
    const r = (s: string) => this.redactor.redact(s);
    const trace: AirbyteMessage = {
      type: "TRACE",
      trace: {
        type: "ERROR",
        emitted_at: Date.now(),
        error: {
          message: r(error.userMessage),
          failure_type: error.failureType,
          ...(error.internal ? { internal_message: r(error.internal) } : {}),
          ...(error.stack && error.code === "internal_error" ? { stack_trace: r(error.stack) } : {}),
          ...(stream ? { stream_descriptor: { name: stream } } : {}),
        },
      },
    };
    return this.send(trace);
  }

  records(stream: string, batch: RecordBatch): Promise<void> {
    // Hot path, once per batch: the context is spliced into Bitbucket's own JSON, and the batch
    // becomes one write.
    const head = Buffer.from(
      `{"type":"RECORD","record":{"stream":${JSON.stringify(stream)},"emitted_at":${Date.now()},"data":`,
    );
    return this.writer.writePieces(recordLinePieces(head, RECORD_END, this.redactor.records(batch)));
  }

  state(stream: string, streamState: JsonObject, recordCount: number): Promise<void> {
    return this.send({
      type: "STATE",
      state: {
        type: "STREAM",
        stream: { stream_descriptor: { name: stream }, stream_state: streamState },
        sourceStats: { recordCount },
      },
    });
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }
}

const RECORD_END = Buffer.from("}}\n");
