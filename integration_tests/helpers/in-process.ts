import type { SelectedStream } from "../../src/commands/catalog.js";
import { readStreams } from "../../src/commands/read.js";
import type { SyncOptions } from "../../src/commands/sync/engine.js";
import { parseConfig } from "../../src/config/load.js";
import type { ConnectorError } from "../../src/errors.js";
import type { JsonObject, LogLevel } from "../../src/protocol/messages.js";
import { LeveledLogger, type StreamInfo, type SyncOutput } from "../../src/protocol/output.js";
import type { RecordBatch } from "../../src/protocol/records.js";
import { recordLinePieces } from "../../src/protocol/splice.js";

export interface InProcessRead {
  code: number;
  /** Every record by stream, parsed from the exact bytes the connector would write. */
  records: Map<string, JsonObject[]>;
  /** The last state of each stream. */
  states: Map<string, JsonObject>;
  statuses: Map<string, string[]>;
  errors: ConnectorError[];
  logs: { level: LogLevel; message: string }[];
}

/**
 * Runs `read` in this process, through the same engine and streams as the CLI, for tests that
 * read many times (the history matrix): no process start, no protocol serialization beyond each
 * record's own line. Records are rebuilt from the bytes the output would write.
 */
export async function readInProcess(
  config: Record<string, unknown>,
  streams: string[],
  states: Map<string, unknown> = new Map(),
  mode: SelectedStream["syncMode"] = "incremental",
  tuning: Partial<SyncOptions> = {},
): Promise<InProcessRead> {
  const out = new MemoryOutput();
  const code = await readStreams(
    parseConfig(config),
    streams.map((name) => ({ name, syncMode: mode })),
    states,
    out,
    { tuning },
  );
  return {
    code,
    records: out.emitted,
    states: out.states,
    statuses: out.statuses,
    errors: out.errors,
    logs: out.logs,
  };
}

class MemoryOutput extends LeveledLogger implements SyncOutput {
  readonly emitted = new Map<string, JsonObject[]>();
  readonly states = new Map<string, JsonObject>();
  readonly statuses = new Map<string, string[]>();
  readonly errors: ConnectorError[] = [];
  readonly logs: { level: LogLevel; message: string }[] = [];

  protected write(level: LogLevel, message: string): void {
    this.logs.push({ level, message });
  }
  private status(stream: string, s: string): Promise<void> {
    this.statuses.set(stream, [...(this.statuses.get(stream) ?? []), s]);
    return Promise.resolve();
  }
  streamStarted(stream: StreamInfo): Promise<void> {
    return this.status(stream.name, "STARTED");
  }
  streamRunning(stream: string): Promise<void> {
    return this.status(stream, "RUNNING");
  }
  streamRateLimited(): Promise<void> {
    return Promise.resolve();
  }
  records(stream: string, batch: RecordBatch): Promise<void> {
    const list = this.emitted.get(stream) ?? [];
    const lines = Buffer.concat(recordLinePieces(Buffer.alloc(0), Buffer.from("\n"), batch)).toString("utf8");
    for (const line of lines.split("\n")) if (line) list.push(JSON.parse(line) as JsonObject);
    this.emitted.set(stream, list);
    return Promise.resolve();
  }
  state(stream: string, streamState: JsonObject): Promise<void> {
    this.states.set(stream, structuredClone(streamState));
    return Promise.resolve();
  }
  streamComplete(stream: string): Promise<void> {
    return this.status(stream, "COMPLETE");
  }
  streamIncomplete(stream: string, error: ConnectorError): Promise<void> {
    this.errors.push(error);
    return this.status(stream, "INCOMPLETE");
  }
  fatal(error: ConnectorError): Promise<void> {
    this.errors.push(error);
    return Promise.resolve();
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
}
