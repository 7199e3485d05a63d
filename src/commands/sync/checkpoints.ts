import { ConnectorError } from "../../errors.js";
import type { JsonObject } from "../../protocol/messages.js";
import type { SyncOutput } from "../../protocol/output.js";

export interface CheckpointTiming {
  /** Least time between two STATE messages while partitions advance. */
  intervalMs: number;
  /** Most time without a STATE message while the stream runs (the platform's heartbeat). */
  heartbeatMs: number;
}

/**
 * A stream's state while it is read: one entry per partition, emitted whole in each STATE. The
 * state given is kept entry by entry, whatever is read this time (a malformed entry included,
 * until a checkpoint of its partition replaces it), so the emitted state never shrinks: a
 * partition not read, not reached, failed or gone keeps what it had. STATEs go out as partitions
 * advance (at most one per interval), as a heartbeat while nothing does, and once at the end.
 */
export class Checkpoints {
  private readonly states: Map<string, unknown>;
  private readonly texts = new Map<string, string>();
  private recordsSince = 0;
  private lastAt = 0;
  private dirty = true;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly output: SyncOutput,
    private readonly stream: string,
    given: Record<string, unknown>,
    private readonly timing: CheckpointTiming,
    private readonly beforeState: () => Promise<void>,
  ) {
    this.states = new Map(Object.entries(given));
    for (const [k, v] of this.states) this.texts.set(k, JSON.stringify(v));
  }

  /**
   * The partition entries of a stream's state blob, checked before anything is read: a blob that
   * is not this connector's shape is a config error, and then no STATE is emitted at all (the
   * platform would store it, and the next sync would start over).
   */
  static given(blob: unknown, stream: string): Record<string, unknown> {
    if (blob === undefined || blob === null) return {};
    if (typeof blob === "object" && !Array.isArray(blob)) {
      const b = blob as Record<string, unknown>;
      if (Object.keys(b).length === 0) return {};
      const p = b.partitions;
      if (typeof p === "object" && p !== null && !Array.isArray(p)) return p as Record<string, unknown>;
    }
    throw new ConnectorError(
      "config_error",
      `the state of stream ${stream} is not of this connector's shape ({"partitions": {"<repository>": {...}}}); pass a state this connector emitted, or none for a full read`,
    );
  }

  /** The entry a partition starts from, as given. */
  entry(key: string): unknown {
    return this.states.get(key);
  }

  /** A partition's new state: everything before it is emitted. */
  set(key: string, state: unknown): void {
    const text = JSON.stringify(state);
    this.states.set(key, state);
    if (this.texts.get(key) !== text) {
      this.texts.set(key, text);
      this.dirty = true;
    }
  }

  records(count: number): void {
    this.recordsSince += count;
  }

  /** Emits a STATE when one is due: something changed and the interval has passed. */
  async due(): Promise<void> {
    if (this.dirty && Date.now() - this.lastAt >= this.timing.intervalMs) await this.emit();
  }

  async emit(): Promise<void> {
    await this.beforeState();
    const count = this.recordsSince;
    this.recordsSince = 0;
    this.dirty = false;
    this.lastAt = Date.now();
    await this.output.state(
      this.stream,
      { partitions: Object.fromEntries(this.states) } as JsonObject,
      count,
    );
  }

  /** Starts the timer that flushes a held-back checkpoint and beats while nothing advances. */
  start(): void {
    const { intervalMs, heartbeatMs } = this.timing;
    this.timer = setInterval(
      () => {
        const since = Date.now() - this.lastAt;
        if ((this.dirty && since >= intervalMs) || since >= heartbeatMs) void this.emit();
      },
      Math.min(heartbeatMs, Math.max(intervalMs, 250)),
    );
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
