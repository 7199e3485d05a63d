import { ConnectorError } from "./errors.js";
import { outputClosed } from "./protocol/line-writer.js";

/** Exit codes of a run ended by a signal, as a shell reports them (128 + the signal number). */
const SIGNAL_EXIT = { SIGTERM: 143, SIGINT: 130 } as const;
/** How long a cancelled run may take to write its final messages before it is ended anyway. */
const GRACE_MS = 10_000;
/** How long a run whose output is gone may take to stop. */
const ORPHAN_MS = 3_000;

/**
 * How a run is stopped from outside: the platform cancels a sync with SIGTERM (Ctrl-C is
 * SIGINT), or the reader of stdout goes away (`| head`, a target that crashed). Either aborts
 * `signal`: streams stop starting requests, emit their final STATE (when stdout is still there)
 * and end INCOMPLETE; the process then exits with 143 / 130 (or 1 for a closed output), and is
 * ended anyway after a grace period if something still holds it. A second signal ends it at once.
 */
export class Lifecycle {
  private readonly controller = new AbortController();
  private signalled: keyof typeof SIGNAL_EXIT | undefined;

  constructor(stdout: NodeJS.WriteStream) {
    for (const name of Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[]) {
      process.on(name, () => this.onSignal(name));
    }
    stdout.on("error", (err: Error) => this.stop(outputClosed(err), ORPHAN_MS, 1));
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The exit code of a run that ended with `code`: a signal's when it was cancelled by one. */
  exitCode(code: number): number {
    return this.signalled ? SIGNAL_EXIT[this.signalled] : code;
  }

  private onSignal(name: keyof typeof SIGNAL_EXIT): void {
    if (this.signalled) process.exit(SIGNAL_EXIT[name]); // a second signal: stop now
    this.signalled = name;
    this.stop(
      new ConnectorError(
        "cancelled",
        `the sync was cancelled (${name}); what was read is kept in the last STATE, and the next sync resumes from it`,
        { scope: "stream" },
      ),
      GRACE_MS,
      SIGNAL_EXIT[name],
    );
  }

  private stop(reason: ConnectorError, graceMs: number, code: number): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
    // Unref'd: it fires only if something still keeps the process alive after the run ended.
    setTimeout(() => process.exit(code), graceMs).unref();
  }
}
