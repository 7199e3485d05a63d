import type { ConnectorError } from "../errors.js";
import type { JsonObject, LogLevel } from "./messages.js";
import type { RecordBatch } from "./records.js";

/** What the read machinery tells the outside world about one stream. */
export interface StreamInfo {
  name: string;
  jsonSchema: JsonObject;
  primaryKey: string[][];
  cursorField: string[];
}

/** Where diagnostics go: LOG messages for Airbyte, stderr for Singer. Texts are redacted by the sink. */
export interface Logger {
  log(level: LogLevel, message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

/**
 * The message layer of a sync. The reading code (commands/read.ts and the streams) talks only
 * to this interface, so the Airbyte and the Singer front ends share every line of it.
 */
export interface SyncOutput extends Logger {
  streamStarted(stream: StreamInfo): Promise<void>;
  streamRunning(stream: string): Promise<void>;
  /** The stream waits on a rate limit until `resetAt` (epoch ms). */
  streamRateLimited(stream: string, resetAt: number): Promise<void>;
  /** A batch of records (Bitbucket's bytes of each, and the context fields to splice in). */
  records(stream: string, batch: RecordBatch): Promise<void>;
  /** The whole state of `stream`, and how many of its records were emitted since its previous state. */
  state(stream: string, streamState: JsonObject, recordCount: number): Promise<void>;
  streamComplete(stream: string): Promise<void>;
  streamIncomplete(stream: string, error: ConnectorError): Promise<void>;
  /** An error that concerns no single stream (bad config, catalog or state). */
  fatal(error: ConnectorError): Promise<void>;
  flush(): Promise<void>;
}

const LEVELS: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 };

/** A Logger that drops messages below `minLevel` and hands the rest to `write`. */
export abstract class LeveledLogger implements Logger {
  constructor(protected readonly minLevel: LogLevel = "INFO") {}

  protected abstract write(level: LogLevel, message: string): void;

  log(level: LogLevel, message: string): void {
    if (LEVELS[level] >= LEVELS[this.minLevel]) this.write(level, message);
  }
  info(message: string): void {
    this.log("INFO", message);
  }
  warn(message: string): void {
    this.log("WARN", message);
  }
  error(message: string): void {
    this.log("ERROR", message);
  }
  debug(message: string): void {
    this.log("DEBUG", message);
  }
}
