import type { HttpStats } from "../http/client.js";
import type { SyncObserver } from "./sync/engine.js";

interface StreamProgress {
  /** Requests still needed, and the hours they take at the configured budget. */
  left?: { requests: number; hours: number | undefined };
  found: number;
  listed: boolean;
  done: number;
  records: number;
  finished?: "ok" | "failed";
}

/**
 * A one-line progress display for a person watching `read` in a terminal: per stream,
 * repositories done out of those listed so far (the total is final once the listing ends),
 * records, then the requests made and any wait on a rate limit with the time it ends. It writes
 * only to a TTY (stderr); stdout stays protocol messages only.
 */
export class TerminalProgress implements SyncObserver {
  private readonly streams = new Map<string, StreamProgress>();
  private resumeAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastLength = 0;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly stats: () => HttpStats[],
    private readonly intervalMs = 250,
  ) {}

  /** Starts redrawing; no-op when the output is not a terminal. */
  start(): this {
    if (!this.out.isTTY) return this;
    this.timer = setInterval(() => this.draw(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** Draws the final line and moves to the next one. */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.draw();
    this.out.write("\n");
  }

  private of(stream: string): StreamProgress {
    let p = this.streams.get(stream);
    if (!p) {
      p = { found: 0, listed: false, done: 0, records: 0 };
      this.streams.set(stream, p);
    }
    return p;
  }

  partitionFound(stream: string): void {
    this.of(stream).found++;
  }
  listingDone(stream: string): void {
    this.of(stream).listed = true;
  }
  partitionDone(stream: string): void {
    this.of(stream).done++;
  }
  records(stream: string, count: number): void {
    this.of(stream).records += count;
  }
  rateLimited(_stream: string, resumeAt: number): void {
    this.resumeAt = Math.max(this.resumeAt, resumeAt);
  }
  streamDone(stream: string, ok: boolean): void {
    this.of(stream).finished = ok ? "ok" : "failed";
  }
  estimate(stream: string, requests: number, hours: number | undefined): void {
    this.of(stream).left = { requests, hours };
  }

  /** The current line, without terminal control characters. */
  line(now = Date.now()): string {
    const parts = [...this.streams].map(([name, p]) => {
      const total = p.listed ? `${p.found}` : `${p.found}+`;
      const mark = p.finished === "ok" ? " done" : p.finished === "failed" ? " FAILED" : "";
      const left =
        p.left && !p.finished && p.left.requests > 0
          ? `, ~${p.left.requests.toLocaleString("en-US")} requests to go${p.left.hours !== undefined ? ` (~${p.left.hours < 1 ? `${Math.ceil(p.left.hours * 60)} min` : `${p.left.hours.toFixed(1)} h`} at the budget)` : ""}`
          : "";
      return `${name}: ${p.done}/${total} repositories, ${p.records.toLocaleString("en-US")} records${left}${mark}`;
    });
    const requests = this.stats().reduce((n, s) => n + s.requests, 0);
    parts.push(`${requests.toLocaleString("en-US")} requests`);
    if (this.resumeAt > now) {
      const at = new Date(this.resumeAt).toISOString().slice(11, 19);
      parts.push(`rate limited: waiting until ${at} UTC (${Math.ceil((this.resumeAt - now) / 1000)} s)`);
    }
    return parts.join(" | ");
  }

  private draw(): void {
    const text = this.line();
    // Overwrite the previous line in place: carriage return, text, erase what is left of it.
    this.out.write(`\r${text}${this.lastLength > text.length ? "\x1b[K" : ""}`);
    this.lastLength = text.length;
  }
}
