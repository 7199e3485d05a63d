import type { ConnectorError } from "../../errors.js";
import type { StreamInfo, SyncOutput } from "../../protocol/output.js";

/**
 * A stream's STREAM_STATUS sequence: STARTED, then RUNNING once (before its first record, STATE or
 * rate-limit reason), then COMPLETE or INCOMPLETE with its TRACE error.
 */
export class StreamStatuses {
  private running: Promise<void> | undefined;

  constructor(
    private readonly output: SyncOutput,
    private readonly info: StreamInfo,
  ) {}

  started(): Promise<void> {
    return this.output.streamStarted(this.info);
  }

  /** RUNNING, said once however often asked. */
  ensureRunning(): Promise<void> {
    this.running ??= this.output.streamRunning(this.info.name);
    return this.running;
  }

  async rateLimited(resumeAt: number): Promise<void> {
    await this.ensureRunning();
    await this.output.streamRateLimited(this.info.name, resumeAt);
  }

  complete(): Promise<void> {
    return this.output.streamComplete(this.info.name);
  }

  incomplete(error: ConnectorError): Promise<void> {
    return this.output.streamIncomplete(this.info.name, error);
  }
}
