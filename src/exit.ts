import { asConnectorError, type ConnectorError } from "./errors.js";
import type { SyncOutput } from "./protocol/output.js";

/**
 * Exit codes of both bins: 0 success (and any completed `check`), 1 a stream or the connector
 * failed, 2 bad input (config, catalog, state or command line).
 */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

/** Reports what stopped a command through its message layer and says which exit code it means. */
export async function failWith(output: Pick<SyncOutput, "fatal" | "flush">, err: unknown): Promise<number> {
  const e: ConnectorError = asConnectorError(err);
  try {
    await output.fatal(e);
    await output.flush();
  } catch {
    // The output is gone (a closed pipe): the exit code is all that is left to say it.
  }
  return e.code === "config_error" ? EXIT.badInput : EXIT.failed;
}

/**
 * Runs a bin's main and sets the exit code. A rejection that escapes it is a bug, not an outcome:
 * it is said on stderr (stdout is the message channel) and the process fails.
 */
export function runMain(main: () => Promise<number>, stderrPrefix = ""): void {
  const internal = (err: unknown) => {
    process.stderr.write(
      `${stderrPrefix}internal error: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exitCode = EXIT.failed;
  };
  process.on("unhandledRejection", internal);
  main().then((code) => {
    process.exitCode = code;
  }, internal);
}
